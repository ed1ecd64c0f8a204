//! Expression evaluation over hcl-edit's syntax tree, with Terraform's semantics.
//!
//! The rules follow HCL's `hclsyntax` evaluator (which Terraform uses) step by step, including
//! its handling of the two marks: an operation on an unknown operand yields an unknown of the
//! result type, and the sensitive mark of an operand flows to the result. Where HCL keeps
//! evaluating after an error to return a placeholder, we return the diagnostics instead; where
//! HCL drops an operand's errors (the arm a conditional does not take, the operand `&&`/`||`
//! short-circuits past), so do we.

mod call;
mod ops;
mod template;
mod traverse;

use std::cell::Cell;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use hcl_edit::expr::{Expression, ForExpr, Object, ObjectKey};
use hcl_edit::{Decorated, Ident, Span};

pub use template::templatefile;

use super::convert::{convert, unify};
use super::refs::{parse_ref, static_prefix_len, too_deep_detail, MAX_DEPTH};
use super::{FuncContext, Type, Value, ValueKind};
use crate::addrs::Referenceable;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, SourceRange};

/// What an evaluation can see: the values of referenceable things, and function context.
///
/// `get` returns the whole value of the subject (`flink_job.etl` is an object, or a tuple /
/// object of instance objects under count / for_each; `module.x` is an object of outputs);
/// the evaluator applies the rest of the traversal itself. An undeclared subject is an error
/// diagnostic with a hint, with `range` as its subject.
pub trait EvalScope {
    fn get(&self, subject: &Referenceable, range: &SourceRange) -> Result<Value, Diagnostic>;
    fn func_context(&self) -> &FuncContext;

    /// One instance of a resource or module call (`flink_job.etl["orders"]`, `azure_subnet.s[1]`)
    /// without building the whole collection, so that N instances each referencing one
    /// instance of another resource cost O(N), not O(N²). `None`: not offered for this subject or
    /// key; the evaluator then indexes the value of [`get`](EvalScope::get).
    fn get_element(
        &self,
        subject: &Referenceable,
        key: &Value,
        range: &SourceRange,
    ) -> Option<Result<Value, Diagnostic>> {
        let _ = (subject, key, range);
        None
    }
}

/// Evaluates `expr` (from `file`) in `scope`.
pub fn eval_expr(
    expr: &Expression,
    file: &Arc<SourceFile>,
    scope: &dyn EvalScope,
) -> Result<Value, Diagnostics> {
    let evaluator = Evaluator {
        file,
        roots: Roots::Scope(scope),
        ctx: scope.func_context(),
        depth: Cell::new(0),
    };
    evaluator.eval(expr, None)
}

type Res = Result<Value, Diagnostics>;

/// Where root names come from.
#[derive(Clone, Copy)]
enum Roots<'s> {
    /// Configuration references (`var.x`, `flink_job.y`), parsed and looked up in a scope.
    Scope(&'s dyn EvalScope),
    /// A `templatefile` call's variables: nothing else is in scope.
    Vars(&'s BTreeMap<String, Value>),
}

/// The iteration variables of the enclosing for expressions, innermost first.
struct Frame<'a> {
    key: Option<(&'a str, Value)>,
    value: (&'a str, Value),
    parent: Option<&'a Frame<'a>>,
}

impl Frame<'_> {
    fn lookup(frame: Option<&Frame<'_>>, name: &str) -> Option<Value> {
        let mut frame = frame;
        while let Some(f) = frame {
            if f.value.0 == name {
                return Some(f.value.1.clone());
            }
            if let Some((k, v)) = &f.key {
                if *k == name {
                    return Some(v.clone());
                }
            }
            frame = f.parent;
        }
        None
    }
}

struct Evaluator<'s> {
    file: &'s Arc<SourceFile>,
    roots: Roots<'s>,
    ctx: &'s FuncContext,
    /// Current nesting of `eval` calls, bounded by [`MAX_DEPTH`].
    depth: Cell<usize>,
}

impl Evaluator<'_> {
    fn range(&self, span: Option<Range<usize>>) -> SourceRange {
        self.file.range(span.unwrap_or(0..0))
    }

    fn error(
        &self,
        summary: &str,
        detail: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Diagnostics {
        Diagnostic::error(summary, detail)
            .with_subject(self.range(span))
            .into()
    }

    fn eval(&self, expr: &Expression, frames: Option<&Frame<'_>>) -> Res {
        self.nested(expr.span(), || self.eval_inner(expr, frames))
    }

    /// Runs `f` one nesting level deeper, refusing to go deeper than [`MAX_DEPTH`].
    fn nested(&self, span: Option<Range<usize>>, f: impl FnOnce() -> Res) -> Res {
        let depth = self.depth.get();
        if depth >= MAX_DEPTH {
            return Err(
                Diagnostic::error("Expression too complex", too_deep_detail())
                    .with_subject(self.range(span))
                    .into(),
            );
        }
        self.depth.set(depth + 1);
        let result = f();
        self.depth.set(depth);
        result
    }

    fn eval_inner(&self, expr: &Expression, frames: Option<&Frame<'_>>) -> Res {
        match expr {
            Expression::Null(_) => Ok(Value::null()),
            Expression::Bool(b) => Ok(Value::bool(*b.value())),
            Expression::Number(n) => Ok(Value::number(n.value().as_f64().unwrap_or(f64::NAN))),
            Expression::String(s) => Ok(Value::string(s.value().clone())),
            Expression::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                let mut diags = Diagnostics::new();
                for item in items.iter() {
                    if let Some(v) = diags.take(self.eval(item, frames)) {
                        values.push(v);
                    }
                }
                if diags.is_empty() {
                    Ok(Value::tuple(values))
                } else {
                    Err(diags)
                }
            }
            Expression::Object(object) => self.object(object, frames),
            Expression::StringTemplate(t) => self.template(t, template::Source::Quoted, frames),
            Expression::HeredocTemplate(h) => {
                // hcl-edit keeps no flag for `<<-`; the source text tells.
                let flush = h
                    .span()
                    .and_then(|s| self.file.text.get(s.start..s.start + 3))
                    .map(|marker| marker == "<<-")
                    .unwrap_or(h.indent().is_some());
                self.template(&h.template, template::Source::Heredoc { flush }, frames)
            }
            Expression::Parenthesis(p) => self.eval(p.inner(), frames),
            Expression::Variable(root) => self.traversal(root, &[], frames),
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(root) => self.traversal(root, &t.operators, frames),
                base => {
                    let value = self.eval(base, frames)?;
                    self.apply_ops(value, &t.operators, frames)
                }
            },
            Expression::Conditional(c) => {
                let t = self.eval(&c.true_expr, frames);
                let f = self.eval(&c.false_expr, frames);
                let arms = Arms {
                    t,
                    f,
                    t_span: c.true_expr.span(),
                    f_span: c.false_expr.span(),
                };
                self.conditional(&c.cond_expr, arms, frames)
            }
            Expression::FuncCall(call) => self.call(call, frames),
            Expression::UnaryOp(op) => self.unary(op, frames),
            Expression::BinaryOp(op) => self.binary(op, frames),
            Expression::ForExpr(f) => self.for_expr(&ForSpec::of(f), frames),
        }
    }

    // ---- references ----

    /// The value a root name (with the operators after it) refers to: an iteration variable,
    /// a `templatefile` variable, or a configuration reference looked up in the scope.
    /// Returns the value and how many of `ops` its lookup consumed.
    fn root_value(
        &self,
        root: &Decorated<Ident>,
        ops: &[Decorated<hcl_edit::expr::TraversalOperator>],
        frames: Option<&Frame<'_>>,
    ) -> Result<(Value, usize), Diagnostics> {
        let name = root.as_str();
        if let Some(v) = Frame::lookup(frames, name) {
            return Ok((v, 0));
        }
        match self.roots {
            Roots::Vars(vars) => match vars.get(name) {
                Some(v) => Ok((v.clone(), 0)),
                None => Err(self.error(
                    "Unknown variable",
                    format!("There is no variable named \"{name}\"."),
                    root.span(),
                )),
            },
            Roots::Scope(scope) => {
                let statics = static_prefix_len(ops);
                let parsed = parse_ref(root, &ops[..statics], self.file)?;
                let range = self.file.range(parsed.span.clone());
                if let Some(found) = self.element_shortcut(
                    scope,
                    &parsed.subject,
                    ops.get(parsed.consumed),
                    &range,
                    frames,
                ) {
                    return Ok((found?, parsed.consumed + 1));
                }
                let value = scope.get(&parsed.subject, &range)?;
                Ok((value, parsed.consumed))
            }
        }
    }

    /// [`EvalScope::get_element`] for a resource or module call followed by an index with a
    /// known, non-sensitive key; `None` whenever the general path must run instead.
    fn element_shortcut(
        &self,
        scope: &dyn EvalScope,
        subject: &Referenceable,
        next: Option<&Decorated<hcl_edit::expr::TraversalOperator>>,
        range: &SourceRange,
        frames: Option<&Frame<'_>>,
    ) -> Option<Result<Value, Diagnostics>> {
        use hcl_edit::expr::TraversalOperator;
        if !matches!(
            subject,
            Referenceable::Resource(_) | Referenceable::ModuleCall(_)
        ) {
            return None;
        }
        let key = match &**next? {
            TraversalOperator::Index(expr) => self.eval(expr, frames).ok()?,
            TraversalOperator::LegacyIndex(i) => Value::number(*i.value() as f64),
            _ => return None,
        };
        if !key.is_wholly_known() || key.contains_sensitive() {
            return None;
        }
        scope
            .get_element(subject, &key, range)
            .map(|r| r.map_err(Diagnostics::from))
    }

    fn traversal(
        &self,
        root: &Decorated<Ident>,
        ops: &[Decorated<hcl_edit::expr::TraversalOperator>],
        frames: Option<&Frame<'_>>,
    ) -> Res {
        let (value, consumed) = self.root_value(root, ops, frames)?;
        self.apply_ops(value, ops.get(consumed..).unwrap_or_default(), frames)
    }

    // ---- conditionals ----

    /// `cond ? t : f`, with both arms already evaluated (HCL evaluates both, to unify their
    /// types, and drops the diagnostics of the arm not taken).
    fn conditional(&self, cond_expr: &Expression, arms: Arms, frames: Option<&Frame<'_>>) -> Res {
        let Arms {
            t,
            f,
            t_span,
            f_span,
        } = arms;
        let untyped_null = |r: &Res| matches!(r, Ok(v) if !v.is_sensitive() && *v.kind() == ValueKind::Null(Type::Dynamic));
        let type_of = |r: &Res| r.as_ref().map(Value::ty).unwrap_or(Type::Dynamic);
        let (t_ty, f_ty) = (type_of(&t), type_of(&f));

        // The result type, and which arms need converting to it.
        let (result_ty, conv_t, conv_f) = if untyped_null(&t) {
            (f_ty.clone(), true, false)
        } else if untyped_null(&f) {
            (t_ty.clone(), false, true)
        } else if t_ty == Type::Dynamic || f_ty == Type::Dynamic {
            (Type::Dynamic, false, false)
        } else if t_ty == f_ty {
            (t_ty.clone(), false, false)
        } else {
            match unify(&[t_ty.clone(), f_ty.clone()]) {
                Some(u) => {
                    let (ct, cf) = (t_ty != u, f_ty != u);
                    (u, ct, cf)
                }
                None => {
                    let span = match (&t_span, &f_span) {
                        (Some(a), Some(b)) => Some(a.start..b.end.max(a.start)),
                        _ => t_span.clone(),
                    };
                    return Err(self.error(
                        "Inconsistent conditional result types",
                        format!(
                            "The true and false result expressions must have consistent types. {}.",
                            describe_type_mismatch(&t_ty, &f_ty)
                        ),
                        span,
                    ));
                }
            }
        };

        let cond = self.eval(cond_expr, frames)?;
        if cond.is_null() {
            return Err(self.error(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
                cond_expr.span(),
            ));
        }
        // The marks of all three combine, whichever arm is taken.
        let sensitive = cond.is_sensitive()
            || t.as_ref().is_ok_and(Value::is_sensitive)
            || f.as_ref().is_ok_and(Value::is_sensitive);
        if !cond.is_known() {
            let both_null =
                t.as_ref().is_ok_and(Value::is_null) && f.as_ref().is_ok_and(Value::is_null);
            let v = if both_null {
                Value::null_of(result_ty)
            } else {
                Value::unknown(result_ty)
            };
            return Ok(v.mark_sensitive_if(sensitive));
        }
        let cond = convert(cond.unmark().0, &Type::Bool).map_err(|_| {
            self.error(
                "Incorrect condition type",
                "The condition expression must be of type bool.",
                cond_expr.span(),
            )
        })?;
        let (chosen, needs_conv, which, span) = if cond.as_bool() == Some(true) {
            (t, conv_t, "true", t_span)
        } else {
            (f, conv_f, "false", f_span)
        };
        let value = chosen?.unmark().0;
        let value = if needs_conv {
            convert(value, &result_ty).map_err(|e| {
                self.error(
                    "Inconsistent conditional result types",
                    format!(
                        "The {which} result value has the wrong type: {}.",
                        e.message
                    ),
                    span,
                )
            })?
        } else {
            value
        };
        Ok(value.mark_sensitive_if(sensitive))
    }

    // ---- object constructors ----

    fn object(&self, object: &Object, frames: Option<&Frame<'_>>) -> Res {
        let mut attrs = BTreeMap::new();
        let mut diags = Diagnostics::new();
        let mut known = true;
        let mut sensitive = false;
        for (key, value) in object.iter() {
            let key_span = match key {
                ObjectKey::Ident(i) => i.span(),
                ObjectKey::Expression(e) => e.span(),
            };
            let key = match key {
                ObjectKey::Ident(i) => Ok(Value::string(i.as_str())),
                ObjectKey::Expression(e) => self.object_key(e, frames),
            };
            let value = diags.take(self.eval(value.expr(), frames));
            let Some(key) = diags.take(key) else {
                known = false;
                continue;
            };
            if key.is_null() {
                diags.push(
                    Diagnostic::error("Null value as key", "Can't use a null value as a key.")
                        .with_subject(self.range(key_span)),
                );
                known = false;
                continue;
            }
            let (key, key_sensitive) = key.unmark();
            sensitive |= key_sensitive;
            let key = match convert(key, &Type::String) {
                Ok(k) => k,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "Incorrect key type",
                            format!("Can't use this value as a key: {}.", e.message),
                        )
                        .with_subject(self.range(key_span)),
                    );
                    known = false;
                    continue;
                }
            };
            match (key.as_str(), value) {
                (Some(k), Some(v)) => {
                    attrs.insert(k.to_string(), v);
                }
                (None, _) => known = false,
                (Some(_), None) => {}
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let object = if known {
            Value::object(attrs)
        } else {
            Value::unknown(Type::Dynamic)
        };
        Ok(object.mark_sensitive_if(sensitive))
    }

    /// An object key written as an expression: `null`, `true` and `false` are literal names,
    /// a naked multi-step traversal is ambiguous, anything else (parenthesised, quoted,
    /// computed) is evaluated.
    fn object_key(&self, key: &Expression, frames: Option<&Frame<'_>>) -> Res {
        match key {
            Expression::Variable(v) => Ok(Value::string(v.as_str())),
            Expression::Null(_) => Ok(Value::string("null")),
            Expression::Bool(b) => Ok(Value::string(if *b.value() { "true" } else { "false" })),
            Expression::Traversal(t) if t.expr.is_variable() && static_prefix_len(&t.operators) == t.operators.len() => {
                Err(self.error(
                    "Ambiguous attribute key",
                    "If this expression is intended to be a reference, wrap it in parentheses. If it's instead \
                     intended as a literal name containing periods, wrap it in quotes to create a string literal.",
                    key.span(),
                ))
            }
            other => self.eval(other, frames),
        }
    }

    // ---- for expressions ----

    fn for_expr(&self, spec: &ForSpec<'_>, frames: Option<&Frame<'_>>) -> Res {
        let coll = self.eval(spec.coll, frames)?;
        if coll.is_null() {
            return Err(self.error(
                "Iteration over null value",
                "A null value cannot be used as the collection in a 'for' expression.",
                spec.coll.span(),
            ));
        }
        if coll.ty() == Type::Dynamic {
            return Ok(Value::unknown(Type::Dynamic));
        }
        let (coll, mut sensitive) = coll.unmark();
        let ty = coll.ty();
        if !matches!(
            ty,
            Type::List(_) | Type::Set(_) | Type::Tuple(_) | Type::Map(_) | Type::Object(_)
        ) {
            return Err(self.error(
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    ty.friendly_name()
                ),
                spec.coll.span(),
            ));
        }

        // An early check of the condition's type, with unknown iteration variables, catches
        // mistakes once rather than for every element (and even for empty collections).
        if let Some(cond) = spec.cond {
            let frame = spec.frame(
                Value::unknown(Type::Dynamic),
                Value::unknown(Type::Dynamic),
                frames,
            );
            let include = self.eval(cond, Some(&frame))?;
            if include.is_null() {
                return Err(self.error(
                    "Condition is null",
                    "The value of the 'if' clause must not be null.",
                    cond.span(),
                ));
            }
            let (include, cond_sensitive) = include.unmark();
            if let Err(e) = convert(include, &Type::Bool) {
                return Err(self.invalid_for_condition(&e.message, cond));
            }
            if !coll.is_known() {
                sensitive |= cond_sensitive;
            }
        }
        if !coll.is_known() {
            return Ok(Value::unknown(Type::Dynamic).mark_sensitive_if(sensitive));
        }

        let elements: Vec<(Value, Value)> = match coll.into_kind() {
            ValueKind::List(v) | ValueKind::Tuple(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, e)| (Value::number(i as f64), e))
                .collect(),
            ValueKind::Set(v) => v.into_iter().map(|e| (e.clone(), e)).collect(),
            ValueKind::Map(m) | ValueKind::Object(m) => {
                m.into_iter().map(|(k, e)| (Value::string(k), e)).collect()
            }
            _ => Vec::new(),
        };

        let mut diags = Diagnostics::new();
        let mut known = true;
        let mut tuple = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in elements {
            let frame = spec.frame(k, v, frames);
            if let Some(cond) = spec.cond {
                let Some(include) = diags.take(self.eval(cond, Some(&frame))) else {
                    continue;
                };
                if include.is_null() {
                    if known {
                        diags.extend(self.error(
                            "Invalid 'for' condition",
                            "The value of the 'if' clause must not be null.",
                            cond.span(),
                        ));
                    }
                    known = false;
                    continue;
                }
                let (include, include_sensitive) = include.unmark();
                sensitive |= include_sensitive;
                if !include.is_known() {
                    known = false;
                    continue;
                }
                match convert(include, &Type::Bool) {
                    Ok(b) if b.as_bool() == Some(false) => continue,
                    Ok(_) => {}
                    Err(e) => {
                        if known {
                            diags.extend(self.invalid_for_condition(&e.message, cond));
                        }
                        known = false;
                        continue;
                    }
                }
            }

            let Some(key_expr) = spec.key else {
                if let Some(v) = diags.take(self.eval_for_body(&spec.value, &frame)) {
                    tuple.push(v);
                }
                continue;
            };

            let Some(key) = diags.take(self.eval(key_expr, Some(&frame))) else {
                continue;
            };
            if key.is_null() {
                if known {
                    diags.extend(self.error(
                        "Invalid object key",
                        "Key expression in 'for' expression must not produce a null value.",
                        key_expr.span(),
                    ));
                }
                known = false;
                continue;
            }
            let (key, key_sensitive) = key.unmark();
            sensitive |= key_sensitive;
            if !key.is_known() {
                known = false;
                continue;
            }
            let key = match convert(key, &Type::String) {
                Ok(k) => k.as_str().unwrap_or_default().to_string(),
                Err(e) => {
                    if known {
                        diags.extend(self.error(
                            "Invalid object key",
                            format!(
                                "The key expression produced an invalid result: {}.",
                                e.message
                            ),
                            key_expr.span(),
                        ));
                    }
                    known = false;
                    continue;
                }
            };
            let Some(value) = diags.take(self.eval_for_body(&spec.value, &frame)) else {
                continue;
            };
            if spec.grouping {
                groups.entry(key).or_default().push(value);
                continue;
            }
            match object.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(slot) => diags.extend(self.error(
                    "Duplicate object key",
                    format!(
                        "Two different items produced the key \"{}\" in this 'for' expression. If duplicates \
                         are expected, use the ellipsis (...) after the value expression to enable grouping by key.",
                        slot.key()
                    ),
                    key_expr.span(),
                )),
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let result = if !known {
            Value::unknown(Type::Dynamic)
        } else if spec.key.is_none() {
            Value::tuple(tuple)
        } else if spec.grouping {
            Value::object(
                groups
                    .into_iter()
                    .map(|(k, vs)| (k, Value::tuple(vs)))
                    .collect(),
            )
        } else {
            Value::object(object)
        };
        Ok(result.mark_sensitive_if(sensitive))
    }

    fn invalid_for_condition(&self, message: &str, cond: &Expression) -> Diagnostics {
        self.error(
            "Invalid 'for' condition",
            format!("The 'if' clause value is invalid: {message}."),
            cond.span(),
        )
    }

    fn eval_for_body(&self, body: &ForBody<'_>, frame: &Frame<'_>) -> Res {
        match body {
            ForBody::Expr(e) => self.eval(e, Some(frame)),
            ForBody::Template(parts) => self.eval_parts(parts, Some(frame)),
        }
    }
}

/// The two evaluated arms of a conditional and where they are.
struct Arms {
    t: Res,
    f: Res,
    t_span: Option<Range<usize>>,
    f_span: Option<Range<usize>>,
}

/// A for expression or template for directive, in one shape.
struct ForSpec<'e> {
    key_var: Option<&'e str>,
    value_var: &'e str,
    coll: &'e Expression,
    /// The key expression of an object-producing `{for ...}`.
    key: Option<&'e Expression>,
    value: ForBody<'e>,
    cond: Option<&'e Expression>,
    grouping: bool,
}

enum ForBody<'e> {
    Expr(&'e Expression),
    Template(&'e [template::Part<'e>]),
}

impl<'e> ForSpec<'e> {
    fn of(f: &'e ForExpr) -> ForSpec<'e> {
        ForSpec {
            key_var: f.intro.key_var.as_ref().map(|k| k.as_str()),
            value_var: f.intro.value_var.as_str(),
            coll: &f.intro.collection_expr,
            key: f.key_expr.as_ref(),
            value: ForBody::Expr(&f.value_expr),
            cond: f.cond.as_ref().map(|c| &c.expr),
            grouping: f.grouping,
        }
    }

    fn frame<'a>(&'a self, key: Value, value: Value, parent: Option<&'a Frame<'a>>) -> Frame<'a> {
        Frame {
            key: self.key_var.map(|k| (k, key)),
            value: (self.value_var, value),
            parent,
        }
    }
}

/// Why two conditional result types do not unify, in HCL's words.
fn describe_type_mismatch(t: &Type, f: &Type) -> String {
    match (t, f) {
        (Type::Object(ta), Type::Object(fa)) => {
            for (name, tt) in ta {
                match fa.get(name) {
                    None => {
                        return format!(
                            "The 'true' value includes object attribute \"{name}\", which is absent in the 'false' value"
                        )
                    }
                    Some(ft) if ft != tt => {
                        return format!(
                            "Type mismatch for object attribute \"{name}\": {}",
                            describe_type_mismatch(tt, ft)
                        )
                    }
                    Some(_) => {}
                }
            }
            if let Some(name) = fa.keys().find(|k| !ta.contains_key(*k)) {
                return format!(
                    "The 'false' value includes object attribute \"{name}\", which is absent in the 'true' value"
                );
            }
        }
        (Type::Tuple(te), Type::Tuple(fe)) => {
            if te.len() != fe.len() {
                return format!(
                    "The 'true' tuple has length {}, but the 'false' tuple has length {}",
                    te.len(),
                    fe.len()
                );
            }
            for (i, (tt, ft)) in te.iter().zip(fe).enumerate() {
                if tt != ft {
                    return format!(
                        "Type mismatch for tuple element {i}: {}",
                        describe_type_mismatch(tt, ft)
                    );
                }
            }
        }
        (Type::List(te), Type::List(fe))
        | (Type::Set(te), Type::Set(fe))
        | (Type::Map(te), Type::Map(fe))
            if matches!(
                (te.as_ref(), fe.as_ref()),
                (Type::Object(_), Type::Object(_)) | (Type::Tuple(_), Type::Tuple(_))
            ) =>
        {
            let noun = match t {
                Type::List(_) => "list",
                Type::Set(_) => "set",
                _ => "map",
            };
            return format!(
                "Mismatched {noun} element types: {}",
                describe_type_mismatch(te, fe)
            );
        }
        _ => {}
    }
    let (tn, fname) = (t.friendly_name(), f.friendly_name());
    if tn == fname {
        "At least one deeply-nested attribute or element is not compatible across both the 'true' and the 'false' value"
            .to_string()
    } else {
        format!("The 'true' value is {tn}, but the 'false' value is {fname}")
    }
}

/// A range as HCL prints it in messages: `file:line,col-col` (or `-line,col` across lines).
fn hcl_range(range: &SourceRange) -> String {
    if range.start.line == range.end.line {
        format!(
            "{}:{},{}-{}",
            range.file, range.start.line, range.start.column, range.end.column
        )
    } else {
        format!(
            "{}:{},{}-{},{}",
            range.file, range.start.line, range.start.column, range.end.line, range.end.column
        )
    }
}

/// Diagnostics as HCL's `Diagnostics.Error()` writes them into a function error message.
fn diagnostics_message(diags: &Diagnostics) -> String {
    let one = |d: &Diagnostic| match &d.subject {
        Some(r) => format!("{}: {}; {}", hcl_range(r), d.summary, d.detail),
        None => format!("{}; {}", d.summary, d.detail),
    };
    match diags.0.as_slice() {
        [] => "no diagnostics".to_string(),
        [d] => one(d),
        [d, rest @ ..] => format!("{}, and {} other diagnostic(s)", one(d), rest.len()),
    }
}
