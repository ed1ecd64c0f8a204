//! Type constraint expressions: `string`, `list(object({ a = optional(number, 1) }))`, `any`.
//!
//! Parsing follows HCL's `typeexpr` extension (as Terraform uses it for variable types),
//! including its diagnostics' wording.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span;

use super::variables::eval_constant;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, SourceRange};
use crate::lang::convert::{convert, ConvertError};
use crate::lang::{Type, Value, ValueKind};

const INVALID_TYPE: &str = "Invalid type specification";

/// A parsed variable type constraint, including `optional()` attributes and their defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeConstraint {
    pub ty: Type,
    /// The optional attributes (and their defaults) of the object types inside `ty`, following
    /// its structure; `None` when `ty` has no optional attribute anywhere.
    pub optional: Option<Optionals>,
}

/// Where the object types inside a type have optional attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum Optionals {
    /// Inside the element type of a list, set or map.
    Element(Box<Optionals>),
    /// Inside a tuple's element types, by position.
    Tuple(Vec<Option<Optionals>>),
    /// An object type: its optional attributes with their defaults (already converted to the
    /// attribute's type; `None` means null), and the optionals inside its attributes' types.
    Object {
        optional: BTreeMap<String, Option<Value>>,
        nested: BTreeMap<String, Optionals>,
    },
}

impl TypeConstraint {
    pub fn any() -> Self {
        TypeConstraint {
            ty: Type::Dynamic,
            optional: None,
        }
    }

    /// A constraint with no optional attributes.
    pub fn exact(ty: Type) -> Self {
        TypeConstraint { ty, optional: None }
    }

    /// Parses a type constraint expression from `file`.
    pub fn parse(expr: &Expression, file: &Arc<SourceFile>) -> Result<TypeConstraint, Diagnostics> {
        let mut diags = Diagnostics::new();
        let (ty, optional) = parse_type(expr, file, &mut diags);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(TypeConstraint { ty, optional })
        }
    }

    /// Converts a value to this constraint: fills optional attributes' defaults, then converts.
    ///
    /// As in Terraform, defaults are not applied to a null or unknown value itself, only to the
    /// missing or null attributes of the objects inside it.
    pub fn convert(&self, value: Value) -> Result<Value, ConvertError> {
        let value = match &self.optional {
            Some(optional) => fill_optionals(optional, &self.ty, value),
            None => value,
        };
        convert(value, &self.ty)
    }
}

impl From<Type> for TypeConstraint {
    fn from(ty: Type) -> Self {
        TypeConstraint::exact(ty)
    }
}

/// Displays the constraint as Terraform writes it: `object({a=optional(string, "x")})`.
impl fmt::Display for TypeConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_constraint(f, &self.ty, self.optional.as_ref())
    }
}

fn write_constraint(
    f: &mut fmt::Formatter<'_>,
    ty: &Type,
    optional: Option<&Optionals>,
) -> fmt::Result {
    let Some(optional) = optional else {
        return write!(f, "{ty}");
    };
    match (ty, optional) {
        (Type::List(t), Optionals::Element(o)) => {
            f.write_str("list(")?;
            write_constraint(f, t, Some(o))?;
            f.write_str(")")
        }
        (Type::Set(t), Optionals::Element(o)) => {
            f.write_str("set(")?;
            write_constraint(f, t, Some(o))?;
            f.write_str(")")
        }
        (Type::Map(t), Optionals::Element(o)) => {
            f.write_str("map(")?;
            write_constraint(f, t, Some(o))?;
            f.write_str(")")
        }
        (Type::Tuple(elems), Optionals::Tuple(opts)) => {
            f.write_str("tuple([")?;
            for (i, t) in elems.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write_constraint(f, t, opts.get(i).and_then(Option::as_ref))?;
            }
            f.write_str("])")
        }
        (Type::Object(attrs), Optionals::Object { optional, nested }) => {
            f.write_str("object({")?;
            for (i, (name, t)) in attrs.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{name}=")?;
                match optional.get(name) {
                    Some(default) => {
                        f.write_str("optional(")?;
                        write_constraint(f, t, nested.get(name))?;
                        if let Some(d) = default {
                            write!(f, ", {d}")?;
                        }
                        f.write_str(")")?;
                    }
                    None => write_constraint(f, t, nested.get(name))?,
                }
            }
            f.write_str("})")
        }
        _ => write!(f, "{ty}"),
    }
}

/// Fills the missing (or null) optional attributes of the objects inside `value` with their
/// defaults, or nulls of the attribute's type. Values that do not have the expected shape are
/// left alone: conversion reports them.
fn fill_optionals(optional: &Optionals, ty: &Type, value: Value) -> Value {
    if value.is_null() || !value.is_known() {
        return value;
    }
    let (value, sensitive) = value.unmark();
    let kind = match (optional, value.into_kind()) {
        (Optionals::Element(inner), ValueKind::List(elems)) => {
            ValueKind::List(fill_all(inner, ty.element_type(), elems))
        }
        (Optionals::Element(inner), ValueKind::Tuple(elems)) => {
            ValueKind::Tuple(fill_all(inner, ty.element_type(), elems))
        }
        (Optionals::Element(inner), ValueKind::Set(elems)) => {
            // Filling may change the elements' canonical order.
            Value::set(fill_all(inner, ty.element_type(), elems)).into_kind()
        }
        (Optionals::Element(inner), ValueKind::Map(m)) => {
            ValueKind::Map(fill_map(inner, ty.element_type(), m))
        }
        (Optionals::Element(inner), ValueKind::Object(m)) => {
            ValueKind::Object(fill_map(inner, ty.element_type(), m))
        }
        (Optionals::Tuple(opts), ValueKind::Tuple(elems) | ValueKind::List(elems)) => {
            let types = match ty {
                Type::Tuple(types) => types.as_slice(),
                _ => &[],
            };
            let elems = elems
                .into_iter()
                .enumerate()
                .map(|(i, e)| match opts.get(i).and_then(Option::as_ref) {
                    Some(o) => fill_optionals(o, types.get(i).unwrap_or(&Type::Dynamic), e),
                    None => e,
                })
                .collect();
            ValueKind::Tuple(elems)
        }
        (
            Optionals::Object { optional, nested },
            ValueKind::Object(mut m) | ValueKind::Map(mut m),
        ) => {
            let attr_types = match ty {
                Type::Object(attrs) => Some(attrs),
                _ => None,
            };
            let attr_type = |name: &str| {
                attr_types
                    .and_then(|a| a.get(name))
                    .cloned()
                    .unwrap_or(Type::Dynamic)
            };
            for (name, inner) in nested {
                if let Some(v) = m.remove(name) {
                    let filled = fill_optionals(inner, &attr_type(name), v);
                    m.insert(name.clone(), filled);
                }
            }
            for (name, default) in optional {
                let present = m.get(name).is_some_and(|v| !v.is_null());
                if present {
                    continue;
                }
                match default {
                    Some(d) => {
                        m.insert(name.clone(), d.clone());
                    }
                    None => {
                        m.entry(name.clone())
                            .or_insert_with(|| Value::null_of(attr_type(name)));
                    }
                }
            }
            ValueKind::Object(m)
        }
        (_, other) => other,
    };
    Value::from(kind).mark_sensitive_if(sensitive)
}

fn fill_all(optional: &Optionals, elem_ty: Option<&Type>, elems: Vec<Value>) -> Vec<Value> {
    let ty = elem_ty.unwrap_or(&Type::Dynamic);
    elems
        .into_iter()
        .map(|e| fill_optionals(optional, ty, e))
        .collect()
}

fn fill_map(
    optional: &Optionals,
    elem_ty: Option<&Type>,
    m: BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    let ty = elem_ty.unwrap_or(&Type::Dynamic);
    m.into_iter()
        .map(|(k, v)| (k, fill_optionals(optional, ty, v)))
        .collect()
}

fn range_of(file: &Arc<SourceFile>, span: Option<Range<usize>>) -> SourceRange {
    file.range(span.unwrap_or(0..0))
}

fn invalid(detail: impl Into<String>, range: SourceRange) -> Diagnostic {
    Diagnostic::error(INVALID_TYPE, detail).with_subject(range)
}

/// The keyword an expression is, if it is a bare identifier.
fn keyword(expr: &Expression) -> Option<&str> {
    match expr {
        Expression::Variable(ident) => Some(ident.as_str()),
        _ => None,
    }
}

fn parse_type(
    expr: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> (Type, Option<Optionals>) {
    let range = || range_of(file, expr.span());
    if let Some(kw) = keyword(expr) {
        let detail = match kw {
            "bool" => return (Type::Bool, None),
            "string" => return (Type::String, None),
            "number" => return (Type::Number, None),
            "any" => return (Type::Dynamic, None),
            "list" | "map" | "set" => {
                format!("The {kw} type constructor requires one argument specifying the element type.")
            }
            "object" => "The object type constructor requires one argument specifying the attribute types \
                         and values as a map."
                .to_string(),
            "tuple" => {
                "The tuple type constructor requires one argument specifying the element types as a list."
                    .to_string()
            }
            _ => format!("The keyword \"{kw}\" is not a valid type specification."),
        };
        diags.push(invalid(detail, range()));
        return (Type::Dynamic, None);
    }
    let Expression::FuncCall(call) = expr else {
        diags.push(invalid(
            "A type specification is either a primitive type keyword (bool, number, string) or a complex \
             type constructor call, like list(string).",
            range(),
        ));
        return (Type::Dynamic, None);
    };
    let name = call.name.name.as_str();
    let args_range = range_of(file, call.args.span());
    if call.name.is_namespaced() || call.args.expand_final() {
        let full: Vec<&str> = call
            .name
            .namespace
            .iter()
            .map(|n| n.as_str())
            .chain(std::iter::once(name))
            .collect();
        diags.push(invalid(
            format!(
                "Keyword \"{}\" is not a valid type constructor.",
                full.join("::")
            ),
            range(),
        ));
        return (Type::Dynamic, None);
    }
    match name {
        "bool" | "string" | "number" => {
            diags.push(invalid(
                format!("Primitive type keyword \"{name}\" does not expect arguments."),
                args_range,
            ));
            return (Type::Dynamic, None);
        }
        "any" => {
            diags.push(invalid(
                format!("Type constraint keyword \"{name}\" does not expect arguments."),
                args_range,
            ));
            return (Type::Dynamic, None);
        }
        "optional" => {
            diags.push(invalid(
                "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                range_of(file, call.name.name.span()),
            ));
            return (Type::Dynamic, None);
        }
        "list" | "set" | "map" | "object" | "tuple" => {}
        _ => {
            diags.push(invalid(
                format!("Keyword \"{name}\" is not a valid type constructor."),
                range(),
            ));
            return (Type::Dynamic, None);
        }
    }
    let args: Vec<&Expression> = call.args.iter().collect();
    let [arg] = args.as_slice() else {
        // Too many arguments: point at the extraneous ones.
        let subject = match (
            args.get(1).and_then(|a| a.span()),
            args.last().and_then(|a| a.span()),
        ) {
            (Some(first), Some(last)) => file.range(first.start..last.end),
            _ => args_range,
        };
        let detail = match name {
            "object" => "The object type constructor requires one argument specifying the attribute types \
                         and values as a map."
                .to_string(),
            "tuple" => {
                "The tuple type constructor requires one argument specifying the element types as a list."
                    .to_string()
            }
            _ => format!("The {name} type constructor requires one argument specifying the element type."),
        };
        diags.push(invalid(detail, subject));
        return (Type::Dynamic, None);
    };
    match name {
        "list" | "set" | "map" => {
            let (elem, optional) = parse_type(arg, file, diags);
            let ty = match name {
                "list" => Type::list(elem),
                "set" => Type::set(elem),
                _ => Type::map(elem),
            };
            (ty, optional.map(|o| Optionals::Element(Box::new(o))))
        }
        "tuple" => {
            let Expression::Array(elems) = arg else {
                diags.push(invalid(
                    "Tuple type constructor requires a list of element types.",
                    range_of(file, arg.span()),
                ));
                return (Type::Dynamic, None);
            };
            let mut types = Vec::with_capacity(elems.len());
            let mut opts = Vec::with_capacity(elems.len());
            for e in elems.iter() {
                let (t, o) = parse_type(e, file, diags);
                types.push(t);
                opts.push(o);
            }
            let optional = opts
                .iter()
                .any(Option::is_some)
                .then_some(Optionals::Tuple(opts));
            (Type::Tuple(types), optional)
        }
        _ => parse_object(arg, file, diags),
    }
}

fn parse_object(
    arg: &Expression,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> (Type, Option<Optionals>) {
    let Expression::Object(obj) = arg else {
        diags.push(invalid(
            "Object type constructor requires a map whose keys are attribute names and whose values are the \
             corresponding attribute types.",
            range_of(file, arg.span()),
        ));
        return (Type::Dynamic, None);
    };
    let mut attrs = BTreeMap::new();
    let mut optional = BTreeMap::new();
    let mut nested = BTreeMap::new();
    for (key, value) in obj.iter() {
        let name = match key {
            ObjectKey::Ident(ident) => ident.as_str(),
            ObjectKey::Expression(Expression::Variable(ident)) => ident.as_str(),
            ObjectKey::Expression(e) => {
                diags.push(invalid(
                    "Object constructor map keys must be attribute names.",
                    range_of(file, e.span()),
                ));
                continue;
            }
        };
        let mut type_expr = value.expr();
        let mut default_expr = None;
        let mut is_optional = false;
        if let Expression::FuncCall(call) = type_expr {
            if !call.name.is_namespaced() && call.name.name.as_str() == "optional" {
                let args: Vec<&Expression> = call.args.iter().collect();
                let args_range = range_of(file, call.args.span());
                match args.as_slice() {
                    [t] => {
                        type_expr = t;
                        is_optional = true;
                    }
                    [t, d] => {
                        type_expr = t;
                        default_expr = Some(*d);
                        is_optional = true;
                    }
                    [] => {
                        diags.push(invalid(
                            "Optional attribute modifier requires the attribute type as its argument.",
                            args_range,
                        ));
                        continue;
                    }
                    [t, ..] => {
                        diags.push(invalid(
                            "Optional attribute modifier expects at most two arguments: the attribute type, and a \
                             default value.",
                            args_range,
                        ));
                        type_expr = t;
                    }
                }
            }
        }
        let (attr_ty, attr_opts) = parse_type(type_expr, file, diags);
        if is_optional {
            let default = default_expr.and_then(|d| {
                let value = match eval_constant(d, file) {
                    Ok(v) => v,
                    Err(e) => {
                        diags.extend(e);
                        return None;
                    }
                };
                let attr_constraint = TypeConstraint { ty: attr_ty.clone(), optional: attr_opts.clone() };
                match attr_constraint.convert(value) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        diags.push(
                            Diagnostic::error(
                                "Invalid default value for optional attribute",
                                format!(
                                    "This default value is not compatible with the attribute's type constraint: {}.",
                                    e
                                ),
                            )
                            .with_subject(range_of(file, d.span())),
                        );
                        None
                    }
                }
            });
            // A default of null is the same as no default.
            optional.insert(name.to_string(), default.filter(|d| !d.is_null()));
        }
        if let Some(o) = attr_opts {
            nested.insert(name.to_string(), o);
        }
        attrs.insert(name.to_string(), attr_ty);
    }
    let opts = (!optional.is_empty() || !nested.is_empty())
        .then_some(Optionals::Object { optional, nested });
    (Type::Object(attrs), opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<TypeConstraint, Diagnostics> {
        let file = SourceFile::new("t.hcl", src.to_string());
        let expr = hcl_edit::parser::parse_expr(src).expect("test type expression parses");
        TypeConstraint::parse(&expr, &file)
    }

    fn parse_err(src: &str) -> Diagnostic {
        let diags = parse(src).expect_err("type expression is invalid");
        diags.0.into_iter().next().expect("one diagnostic")
    }

    #[test]
    fn primitive_and_collection_types() {
        assert_eq!(parse("string").unwrap().ty, Type::String);
        assert_eq!(parse("any").unwrap().ty, Type::Dynamic);
        assert_eq!(parse("list(number)").unwrap().ty, Type::list(Type::Number));
        assert_eq!(
            parse("map(set(bool))").unwrap().ty,
            Type::map(Type::set(Type::Bool))
        );
        let t = parse("tuple([string, number])").unwrap();
        assert_eq!(t.ty, Type::Tuple(vec![Type::String, Type::Number]));
        assert_eq!(t.optional, None);
        assert_eq!(t.to_string(), "tuple([string,number])");
        let o = parse("object({ name = string, tags = map(string) })").unwrap();
        assert_eq!(o.to_string(), "object({name=string,tags=map(string)})");
    }

    #[test]
    fn optional_attributes_display() {
        let t = parse(
            r#"list(object({ a = string, b = optional(number), c = optional(object({ d = optional(bool, true) }), {}) }))"#,
        )
        .unwrap();
        // The default `{}` has the nested default filled in.
        assert_eq!(
            t.to_string(),
            "list(object({a=string,b=optional(number),c=optional(object({d=optional(bool, true)}), { d = true })}))"
        );
        let t = parse("map(object({ b = optional(number) }))").unwrap();
        assert_eq!(t.to_string(), "map(object({b=optional(number)}))");
        assert_eq!(
            t.ty,
            Type::map(Type::Object([("b".to_string(), Type::Number)].into()))
        );
    }

    fn obj(attrs: &[(&str, Value)]) -> Value {
        Value::object(
            attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn convert_fills_optional_attributes_at_any_depth() {
        let t =
            parse(r#"map(object({ a = optional(string, "x"), b = optional(number) }))"#).unwrap();
        let given = obj(&[
            ("k", obj(&[])),
            (
                "l",
                obj(&[("a", Value::string("y")), ("b", Value::number(2.0))]),
            ),
        ]);
        let want = Value::map(
            [
                (
                    "k".to_string(),
                    obj(&[
                        ("a", Value::string("x")),
                        ("b", Value::null_of(Type::Number)),
                    ]),
                ),
                (
                    "l".to_string(),
                    obj(&[("a", Value::string("y")), ("b", Value::number(2.0))]),
                ),
            ]
            .into(),
        );
        assert_eq!(t.convert(given).unwrap(), want);

        // A null attribute takes the default; a null value itself stays null.
        let t = parse(r#"object({ a = optional(string, "x") })"#).unwrap();
        let got = t.convert(obj(&[("a", Value::null())])).unwrap();
        assert_eq!(got, obj(&[("a", Value::string("x"))]));
        assert!(t.convert(Value::null()).unwrap().is_null());

        // Sets and tuples, with marks kept.
        let t = parse("tuple([set(object({ n = optional(number, 7) })), string])").unwrap();
        let given = Value::tuple(vec![
            Value::tuple(vec![obj(&[]), obj(&[("n", Value::number(1.0))])]),
            Value::string("s"),
        ])
        .mark_sensitive();
        let got = t.convert(given).unwrap();
        assert!(got.is_sensitive());
        let want = Value::tuple(vec![
            Value::set(vec![
                obj(&[("n", Value::number(1.0))]),
                obj(&[("n", Value::number(7.0))]),
            ]),
            Value::string("s"),
        ]);
        assert_eq!(got.unmark().0, want);

        // Missing required attributes are still an error.
        let t = parse(r#"object({ a = string, b = optional(string) })"#).unwrap();
        let err = t.convert(obj(&[("b", Value::string("y"))])).unwrap_err();
        assert_eq!(err.to_string(), "attribute \"a\" is required");
    }

    #[test]
    fn invalid_specifications() {
        let d = parse_err("list");
        assert_eq!(d.summary, INVALID_TYPE);
        assert_eq!(
            d.detail,
            "The list type constructor requires one argument specifying the element type."
        );
        let d = parse_err("strin");
        assert_eq!(
            d.detail,
            "The keyword \"strin\" is not a valid type specification."
        );
        let d = parse_err("list(string, number)");
        assert_eq!(d.subject.unwrap().start.column, 14);
        let d = parse_err("optional(string)");
        assert_eq!(
            d.detail,
            "Keyword \"optional\" is valid only as a modifier for object type attributes."
        );
        let d = parse_err("object({ a = frob(string) })");
        assert_eq!(
            d.detail,
            "Keyword \"frob\" is not a valid type constructor."
        );
        assert_eq!(d.subject.unwrap().start.column, 14);
        let d = parse_err("\"string\"");
        assert!(d
            .detail
            .starts_with("A type specification is either a primitive type keyword"));
        let d = parse_err("tuple(string)");
        assert_eq!(
            d.detail,
            "Tuple type constructor requires a list of element types."
        );
        let d = parse_err("string(1)");
        assert_eq!(
            d.detail,
            "Primitive type keyword \"string\" does not expect arguments."
        );
    }
}
