//! Attribute access, indexing and splats, as HCL's `GetAttr`, `Index` and `SplatExpr`.

use std::collections::BTreeSet;
use std::ops::Range;

use hcl_edit::expr::TraversalOperator;
use hcl_edit::{Decorated, Span};

use super::{Evaluator, Frame, Res};
use crate::diagnostics::Diagnostics;
use crate::lang::convert::{convert, unify};
use crate::lang::{Type, Value, ValueKind};

type Ops = [Decorated<TraversalOperator>];

const INVALID_INDEX: &str = "Invalid index";
const NO_ELEMENT: &str = "The given key does not identify an element in this collection value";

impl Evaluator<'_> {
    /// Applies traversal operators to `value`. A full splat `[*]` applies all the operators
    /// after it to each element; an attribute-only splat `.*` applies only the attribute (and
    /// legacy `.0` index) steps right after it, as HCL's parser groups them.
    pub(super) fn apply_ops(&self, mut value: Value, ops: &Ops, frames: Option<&Frame<'_>>) -> Res {
        let mut i = 0;
        while let Some(op) = ops.get(i) {
            match op.value() {
                TraversalOperator::GetAttr(name) => {
                    value = self.get_attr(value, name.as_str(), op.span())?
                }
                TraversalOperator::LegacyIndex(n) => {
                    value = self.index(value, Value::number(*n.value() as f64), op.span())?
                }
                TraversalOperator::Index(key) => {
                    let key = self.eval(key, frames)?;
                    value = self.index(value, key, op.span())?;
                }
                TraversalOperator::FullSplat(_) => {
                    // Each full splat nests the rest of the chain, so it counts as a level.
                    let each = ops.get(i + 1..).unwrap_or_default();
                    return self.nested(op.span(), || self.splat(value, each, op.span(), frames));
                }
                TraversalOperator::AttrSplat(_) => {
                    let rest = ops.get(i + 1..).unwrap_or_default();
                    let n = rest
                        .iter()
                        .take_while(|o| {
                            matches!(
                                o.value(),
                                TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_)
                            )
                        })
                        .count();
                    value = self.splat(value, &rest[..n], op.span(), frames)?;
                    i += 1 + n;
                    continue;
                }
            }
            i += 1;
        }
        Ok(value)
    }

    /// `value.name`
    pub(super) fn get_attr(&self, value: Value, name: &str, span: Option<Range<usize>>) -> Res {
        const UNSUPPORTED: &str = "Unsupported attribute";
        if value.is_null() {
            return Err(self.error(
                "Attempt to get attribute from null value",
                "This value is null, so it does not have any attributes.",
                span,
            ));
        }
        let (value, sensitive) = value.unmark();
        let ty = value.ty();
        let no_attribute = || {
            self.error(
                UNSUPPORTED,
                format!("This object does not have an attribute named \"{name}\"."),
                span.clone(),
            )
        };
        let result = match value.into_kind() {
            ValueKind::Object(mut attrs) => attrs.remove(name).ok_or_else(no_attribute)?,
            ValueKind::Unknown(Type::Object(attrs)) => {
                Value::unknown(attrs.get(name).cloned().ok_or_else(no_attribute)?)
            }
            ValueKind::Map(mut elems) => elems.remove(name).ok_or_else(|| {
                self.error(
                    "Missing map element",
                    format!("This map does not have an element with the key \"{name}\"."),
                    span.clone(),
                )
            })?,
            ValueKind::Unknown(Type::Map(elem)) => Value::unknown(*elem),
            ValueKind::Unknown(Type::Dynamic) => Value::unknown(Type::Dynamic),
            _ => {
                let detail = match &ty {
                    Type::List(elem) => match elem.as_ref() {
                        Type::Object(attrs) if attrs.contains_key(name) => format!(
                            "Can't access attributes on a list of objects. Did you mean to access attribute \"{name}\" \
                             for a specific element of the list, or across all elements of the list?"
                        ),
                        Type::Object(_) => "Can't access attributes on a list of objects. Did you mean to access an \
                                            attribute for a specific element of the list, or across all elements of the list?"
                            .to_string(),
                        _ => "This value does not have any attributes.".to_string(),
                    },
                    Type::Set(elem) if matches!(elem.as_ref(), Type::Object(_)) => {
                        "Can't access attributes on a set of objects. Did you mean to access an attribute across all \
                         elements of the set?"
                            .to_string()
                    }
                    t if t.is_primitive() => {
                        format!("Can't access attributes on a primitive-typed value ({}).", t.friendly_name())
                    }
                    _ => "This value does not have any attributes.".to_string(),
                };
                return Err(self.error(UNSUPPORTED, detail, span));
            }
        };
        Ok(result.mark_sensitive_if(sensitive))
    }

    /// `coll[key]`
    pub(super) fn index(&self, coll: Value, key: Value, span: Option<Range<usize>>) -> Res {
        if coll.is_null() {
            return Err(self.error(
                "Attempt to index null value",
                "This value is null, so it does not have any indices.",
                span,
            ));
        }
        if key.is_null() {
            return Err(self.error(
                INVALID_INDEX,
                "Can't use a null value as an indexing key.",
                span,
            ));
        }
        let (coll, coll_sensitive) = coll.unmark();
        let (key, key_sensitive) = key.unmark();
        let sensitive = coll_sensitive || key_sensitive;
        let ty = coll.ty();
        let key_ty = key.ty();
        if key_ty == Type::Dynamic || ty == Type::Dynamic {
            return Ok(Value::unknown(Type::Dynamic).mark_sensitive_if(sensitive));
        }
        let no_element =
            |why: &str| self.error(INVALID_INDEX, format!("{NO_ELEMENT}{why}."), span.clone());
        let result = match &ty {
            Type::List(_) | Type::Tuple(_) | Type::Map(_) => {
                let want = if matches!(ty, Type::Map(_)) { Type::String } else { Type::Number };
                let key = convert(key, &want).map_err(|e| no_element(&format!(": {}", e.message)))?;
                if !key.is_known() || !coll.is_known() {
                    let elem = match &ty {
                        Type::List(e) | Type::Map(e) => e.as_ref().clone(),
                        _ => Type::Dynamic,
                    };
                    return Ok(Value::unknown(elem).mark_sensitive_if(sensitive));
                }
                match coll.into_kind() {
                    ValueKind::Map(mut elems) => {
                        elems.remove(key.as_str().unwrap_or_default()).ok_or_else(|| no_element(""))?
                    }
                    ValueKind::List(elems) | ValueKind::Tuple(elems) => {
                        let n = key.as_number().unwrap_or(f64::NAN);
                        let len = elems.len();
                        let found = (n.fract() == 0.0 && n >= 0.0)
                            .then(|| elems.into_iter().nth(n as usize))
                            .flatten();
                        match found {
                            Some(v) => v,
                            None if n.fract() != 0.0 => {
                                return Err(no_element(
                                    ": indexing a sequence requires a whole number, but the given index has a fractional part",
                                ))
                            }
                            None if n < 0.0 => {
                                return Err(no_element(": a negative number is not a valid index for a sequence"))
                            }
                            // The length of a sensitive collection is not disclosed.
                            None if coll_sensitive => return Err(no_element("")),
                            None if len == 0 => return Err(no_element(": the collection has no elements")),
                            None => {
                                return Err(no_element(
                                    ": the given index is greater than or equal to the length of the collection",
                                ))
                            }
                        }
                    }
                    _ => return Err(no_element("")),
                }
            }
            Type::Object(attr_types) => {
                let was_number = key_ty == Type::Number;
                let key = convert(key, &Type::String).map_err(|e| no_element(&format!(": {}", e.message)))?;
                let Some(name) = key.as_str() else {
                    return Ok(Value::unknown(Type::Dynamic).mark_sensitive_if(sensitive));
                };
                let missing = || {
                    no_element(if was_number {
                        ". An object only supports looking up attributes by name, not by numeric index"
                    } else {
                        ""
                    })
                };
                match coll.into_kind() {
                    ValueKind::Object(mut attrs) => attrs.remove(name).ok_or_else(missing)?,
                    _ => Value::unknown(attr_types.get(name).cloned().ok_or_else(missing)?),
                }
            }
            Type::Set(_) => {
                return Err(self.error(
                    INVALID_INDEX,
                    "Elements of a set are identified only by their value and don't have any separate index or key to \
                     select with, so it's only possible to perform operations across all elements of the set.",
                    span,
                ))
            }
            _ => return Err(self.error(INVALID_INDEX, "This value does not have any indices.", span)),
        };
        Ok(result.mark_sensitive_if(sensitive))
    }

    /// `source[*]` followed by `each`: applies `each` to every element. A value that is not a
    /// list, set or tuple counts as a one-element tuple, and null as an empty one.
    fn splat(
        &self,
        source: Value,
        each: &Ops,
        marker: Option<Range<usize>>,
        frames: Option<&Frame<'_>>,
    ) -> Res {
        let source_ty = source.ty();
        let auto_upgrade = !matches!(source_ty, Type::List(_) | Type::Set(_) | Type::Tuple(_));
        if source.is_null() {
            if auto_upgrade {
                return Ok(Value::tuple(Vec::new()).mark_sensitive_if(source.is_sensitive()));
            }
            return Err(self.error(
                "Splat of null value",
                "Splat expressions (with the * symbol) cannot be applied to null sequences.",
                marker,
            ));
        }
        if source_ty == Type::Dynamic {
            return Ok(Value::unknown(Type::Dynamic).mark_sensitive_if(source.is_sensitive()));
        }
        // An unknown single value may turn out null, which would make the result empty: its
        // length is not known either.
        let upgraded_unknown = auto_upgrade && !source.is_known();
        let source = if auto_upgrade {
            let sensitive = source.is_sensitive();
            Value::tuple(vec![source]).mark_sensitive_if(sensitive)
        } else {
            source
        };
        let (source, sensitive) = source.unmark();

        if !source.is_known() {
            let ty = self.splat_result_type(&source.ty(), each, frames)?;
            return Ok(Value::unknown(ty).mark_sensitive_if(sensitive));
        }
        let is_list = matches!(source.kind(), ValueKind::List(_) | ValueKind::Set(_));
        let elements = match source.into_kind() {
            ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => v,
            _ => Vec::new(),
        };
        let mut values = Vec::with_capacity(elements.len());
        let mut diags = Diagnostics::new();
        for element in elements {
            if let Some(v) = diags.take(self.apply_ops(element, each, frames)) {
                values.push(v);
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        if upgraded_unknown {
            return Ok(Value::unknown(Type::Dynamic).mark_sensitive_if(sensitive));
        }
        if !is_list {
            return Ok(Value::tuple(values).mark_sensitive_if(sensitive));
        }
        // A list result needs one element type; nested splats over single values can break that.
        let first_ty = values.first().map(Value::ty);
        let values = if values.iter().all(|v| Some(v.ty()) == first_ty) {
            values
        } else {
            let types: BTreeSet<Type> = values.iter().map(Value::ty).collect();
            let types: Vec<Type> = types.into_iter().collect();
            let converted = unify(&types).and_then(|ty| {
                values
                    .into_iter()
                    .map(|v| convert(v, &ty).ok())
                    .collect::<Option<Vec<_>>>()
            });
            match converted {
                Some(v) => v,
                None => {
                    return Err(self.error(
                        "Invalid nested splat expressions",
                        "The second level of splat expression produced elements of different types, so it isn't \
                         possible to construct a valid list to represent the top-level result.\n\nConsider using a \
                         for expression instead, to produce a tuple-typed result which can therefore have \
                         non-homogenous element types.",
                        each.first().and_then(|op| op.span()).or(marker),
                    ))
                }
            }
        };
        Ok(Value::list(values).mark_sensitive_if(sensitive))
    }

    /// The type a splat over an unknown sequence of type `source` would have.
    fn splat_result_type(
        &self,
        source: &Type,
        each: &Ops,
        frames: Option<&Frame<'_>>,
    ) -> Result<Type, Diagnostics> {
        Ok(match source {
            Type::List(elem) | Type::Set(elem) => Type::list(
                self.apply_ops(Value::unknown(elem.as_ref().clone()), each, frames)?
                    .ty(),
            ),
            Type::Tuple(elems) => Type::Tuple(
                elems
                    .iter()
                    .map(|e| {
                        self.apply_ops(Value::unknown(e.clone()), each, frames)
                            .map(|v| v.ty())
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => Type::Dynamic,
        })
    }
}
