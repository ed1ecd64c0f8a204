//! Reference extraction: which things an expression refers to, found by walking hcl-edit's tree.
//!
//! A reference is the static prefix of a traversal that starts at a root variable: the root,
//! then attribute accesses and indexes with literal keys, as HCL's `Variables()` sees it
//! (`var.map[local.k]` refers to `var.map` and `local.k`). Its first steps name a
//! [`Referenceable`], parsed with Terraform's rules (`addrs.ParseRef`).

use std::ops::Range;
use std::sync::Arc;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::{Decorated, Ident, Span};

use super::Value;
use crate::addrs::{PathAttr, Referenceable, Resource};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, SourceFile, SourceRange};

/// One reference in an expression: what it names, and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub subject: Referenceable,
    /// The range of the whole traversal (`flink_job.etl["a"].job_id`).
    pub range: SourceRange,
}

/// One step of a static path into a value: `.name`, `["key"]` or `[0]`. Providers' attribute
/// paths (`providers::schema::AttrPath`) are made of these too.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    Attr(String),
    Key(String),
    Index(i64),
}

/// Every reference in `expr`, in source order, excluding for-expression iteration variables.
/// Malformed references (`var` alone, `count.foo`, `local[0]`) are diagnostics.
pub fn references(
    expr: &Expression,
    file: &Arc<SourceFile>,
) -> Result<Vec<Reference>, Diagnostics> {
    let mut refs = Vec::new();
    let mut diags = Diagnostics::new();
    let complete = walk_traversals(expr, &mut Vec::new(), &mut |root, ops| {
        let statics = static_prefix_len(ops);
        match parse_ref(root, &ops[..statics], file) {
            Ok(parsed) => refs.push(Reference {
                subject: parsed.subject,
                range: file.range(traversal_span(root, &ops[..statics])),
            }),
            Err(d) => diags.extend(d),
        }
    });
    if !complete {
        diags.push(too_deep(expr, file));
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(refs)
    }
}

/// Parses a bare static traversal (`flink_job.etl`, `module.net.subnet_id`, `var.x["k"]`) into
/// the reference it starts with and the steps that follow it, as `depends_on` and `replace_triggered_by`
/// need. Anything else (calculations, function calls, splats, dynamic keys) is an error.
pub fn traversal_reference(
    expr: &Expression,
    file: &Arc<SourceFile>,
) -> Result<(Reference, Vec<PathStep>), Diagnostics> {
    let (root, ops) = static_traversal(expr, file)?;
    let parsed = parse_ref(root, ops, file)?;
    let rest = ops.get(parsed.consumed..).unwrap_or_default();
    let steps = path_steps(rest, file)?;
    let reference = Reference {
        subject: parsed.subject,
        range: file.range(traversal_span(root, ops)),
    };
    Ok((reference, steps))
}

/// Reads a bare static traversal relative to some object (`tags`, `tags["env"]`, `ports[0]`),
/// as `ignore_changes` lists them: the root name becomes the first attribute step.
pub fn attribute_path(
    expr: &Expression,
    file: &Arc<SourceFile>,
) -> Result<Vec<PathStep>, Diagnostics> {
    let (root, ops) = static_traversal(expr, file)?;
    let mut steps = vec![PathStep::Attr(root.as_str().to_string())];
    steps.extend(path_steps(ops, file)?);
    Ok(steps)
}

/// The root and operators of `expr` when it is a wholly static traversal.
fn static_traversal<'e>(
    expr: &'e Expression,
    file: &Arc<SourceFile>,
) -> Result<(&'e Decorated<Ident>, &'e [Decorated<TraversalOperator>]), Diagnostics> {
    let found = match expr {
        Expression::Variable(root) => Some((root, &[][..])),
        Expression::Traversal(t) => match &t.expr {
            Expression::Variable(root) if static_prefix_len(&t.operators) == t.operators.len() => {
                Some((root, &t.operators[..]))
            }
            _ => None,
        },
        _ => None,
    };
    found.ok_or_else(|| {
        Diagnostic::error(
            "Invalid expression",
            "A single static variable reference is required: only attribute access and indexing with \
             constant keys. No calculations, function calls, template expressions, etc are allowed here.",
        )
        .with_subject(file.range(expr.span().unwrap_or(0..0)))
        .into()
    })
}

fn path_steps(
    ops: &[Decorated<TraversalOperator>],
    file: &Arc<SourceFile>,
) -> Result<Vec<PathStep>, Diagnostics> {
    let mut steps = Vec::with_capacity(ops.len());
    for op in ops {
        let step = match static_step(op) {
            Some(StaticStep::Attr(name)) => Some(PathStep::Attr(name.to_string())),
            Some(StaticStep::Index(key)) => match key.kind() {
                super::ValueKind::String(s) => Some(PathStep::Key(s.clone())),
                super::ValueKind::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                    Some(PathStep::Index(*n as i64))
                }
                _ => None,
            },
            None => None,
        };
        match step {
            Some(step) => steps.push(step),
            None => {
                return Err(Diagnostic::error(
                    "Invalid index",
                    "Only a string or a whole number can be used as a key in a static path.",
                )
                .with_subject(file.range(op.span().unwrap_or(0..0)))
                .into())
            }
        }
    }
    Ok(steps)
}

/// The deepest nesting of expressions and templates the walkers and the evaluator follow.
/// hcl-edit's parser already limits nesting (64 levels, 128 operators on a path), so real
/// configurations stay far below this.
pub(crate) const MAX_DEPTH: usize = 256;

pub(crate) fn too_deep(expr: &Expression, file: &Arc<SourceFile>) -> Diagnostic {
    Diagnostic::error("Expression too complex", too_deep_detail())
        .with_subject(file.range(expr.span().unwrap_or(0..0)))
}

pub(crate) fn too_deep_detail() -> String {
    format!("This expression is nested more than {MAX_DEPTH} levels deep.")
}

// ---- static traversal steps ----

/// A traversal step that is part of a static reference: an attribute, or an index with a
/// literal key (HCL folds these into the traversal; any other key makes an index expression).
pub(crate) enum StaticStep<'e> {
    Attr(&'e str),
    Index(Value),
}

pub(crate) fn static_step(op: &Decorated<TraversalOperator>) -> Option<StaticStep<'_>> {
    match op.value() {
        TraversalOperator::GetAttr(name) => Some(StaticStep::Attr(name.as_str())),
        TraversalOperator::LegacyIndex(n) => {
            Some(StaticStep::Index(Value::number(*n.value() as f64)))
        }
        TraversalOperator::Index(key) => literal_value(key).map(StaticStep::Index),
        TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
    }
}

/// The value of a literal expression (`1`, `"a"`, `true`, `null`), as HCL's parser folds them.
pub(crate) fn literal_value(expr: &Expression) -> Option<Value> {
    match expr {
        Expression::Null(_) => Some(Value::null()),
        Expression::Bool(b) => Some(Value::bool(*b.value())),
        Expression::Number(n) => Some(Value::number(n.value().as_f64().unwrap_or(f64::NAN))),
        Expression::String(s) => Some(Value::string(s.value().clone())),
        _ => None,
    }
}

/// How many of `ops` form the static part of a traversal, before the first splat or dynamic index.
pub(crate) fn static_prefix_len(ops: &[Decorated<TraversalOperator>]) -> usize {
    ops.iter()
        .take_while(|op| static_step(op).is_some())
        .count()
}

/// The span from the root to the end of the last operator.
pub(crate) fn traversal_span(
    root: &Decorated<Ident>,
    ops: &[Decorated<TraversalOperator>],
) -> Range<usize> {
    let start = root.span().map(|s| s.start).unwrap_or(0);
    let end = ops
        .last()
        .and_then(|op| op.span())
        .or_else(|| root.span())
        .map(|s| s.end)
        .unwrap_or(start);
    start..end.max(start)
}

// ---- reference parsing (Terraform's addrs.ParseRef) ----

/// A reference subject found at the start of a static traversal.
pub(crate) struct ParsedRef {
    pub subject: Referenceable,
    /// How many operators after the root belong to the subject (`var.x` consumes 1).
    pub consumed: usize,
    /// The span of the root and the consumed operators.
    pub span: Range<usize>,
}

/// Parses the subject of a reference from a root and the static operators after it.
pub(crate) fn parse_ref(
    root: &Decorated<Ident>,
    ops: &[Decorated<TraversalOperator>],
    file: &Arc<SourceFile>,
) -> Result<ParsedRef, Diagnostics> {
    let name = root.as_str();
    let root_span = root.span().unwrap_or(0..0);
    let invalid = |detail: String, span: Range<usize>| -> Diagnostics {
        Diagnostic::error("Invalid reference", detail)
            .with_subject(file.range(span))
            .into()
    };
    let span_of = |n: usize| traversal_span(root, ops.get(..n).unwrap_or(ops));
    let op_span = |i: usize| {
        ops.get(i)
            .and_then(|op| op.span())
            .unwrap_or(root_span.clone())
    };
    let attr_at = |i: usize| match ops.get(i).map(|op| op.value()) {
        Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
        _ => None,
    };

    // `var.NAME`, `local.NAME`, ...: the root must be followed by exactly one attribute access.
    let single_attr = || -> Result<&str, Diagnostics> {
        if ops.is_empty() {
            return Err(invalid(
                format!("The \"{name}\" object cannot be accessed directly. Instead, access one of its attributes."),
                root_span.clone(),
            ));
        }
        attr_at(0).ok_or_else(|| {
            invalid(
                format!("The \"{name}\" object does not support this operation."),
                op_span(0),
            )
        })
    };
    let single = |subject: Referenceable| ParsedRef {
        subject,
        consumed: 1,
        span: span_of(1),
    };

    match name {
        "var" => Ok(single(Referenceable::InputVariable(single_attr()?.to_string()))),
        "local" => Ok(single(Referenceable::LocalValue(single_attr()?.to_string()))),
        "module" => Ok(single(Referenceable::ModuleCall(single_attr()?.to_string()))),
        "count" => match single_attr()? {
            "index" => Ok(single(Referenceable::CountIndex)),
            other => Err(Diagnostic::error(
                "Invalid \"count\" attribute",
                format!(
                    "The \"count\" object does not have an attribute named \"{other}\". The only supported \
                     attribute is count.index, which is the index of each instance of a resource block \
                     that has the \"count\" argument set."
                ),
            )
            .with_subject(file.range(span_of(1)))
            .into()),
        },
        "each" => match single_attr()? {
            "key" => Ok(single(Referenceable::EachKey)),
            "value" => Ok(single(Referenceable::EachValue)),
            other => Err(Diagnostic::error(
                "Invalid \"each\" attribute",
                format!(
                    "The \"each\" object does not have an attribute named \"{other}\". The supported \
                     attributes are each.key and each.value, the current key and value pair of the \
                     \"for_each\" attribute set."
                ),
            )
            .with_subject(file.range(span_of(1)))
            .into()),
        },
        "path" => {
            let attr = single_attr()?;
            let which = match attr {
                "module" => PathAttr::Module,
                "root" => PathAttr::Root,
                "cwd" => PathAttr::Cwd,
                other => {
                    return Err(Diagnostic::error(
                        "Invalid \"path\" attribute",
                        format!(
                            "The \"path\" object does not have an attribute named \"{other}\".{}",
                            did_you_mean(other, ["cwd", "module", "root"])
                        ),
                    )
                    .with_subject(file.range(span_of(1)))
                    .into())
                }
            };
            Ok(single(Referenceable::Path(which)))
        }
        "self" => Ok(ParsedRef { subject: Referenceable::SelfRef, consumed: 0, span: root_span }),
        "data" | "resource" => {
            let (what, mode_data) = if name == "data" { ("data source", true) } else { ("resource type", false) };
            if ops.len() < 2 {
                let expected = if mode_data {
                    "the data source type and the resource name"
                } else {
                    "the resource type and the resource name"
                };
                return Err(invalid(
                    format!("The \"{name}\" object must be followed by two attribute names: {expected}."),
                    span_of(ops.len()),
                ));
            }
            let type_name =
                attr_at(0).ok_or_else(|| invalid(format!("The \"{name}\" object does not support this operation."), op_span(0)))?;
            let res_name = attr_at(1).ok_or_else(|| {
                invalid(
                    format!("A reference to a {what} must be followed by at least one attribute access, specifying the resource name."),
                    op_span(1),
                )
            })?;
            let resource =
                if mode_data { Resource::data(type_name, res_name) } else { Resource::managed(type_name, res_name) };
            Ok(ParsedRef { subject: Referenceable::Resource(resource), consumed: 2, span: span_of(2) })
        }
        "template" | "lazy" | "arg" => Err(Diagnostic::error(
            "Reserved symbol name",
            format!(
                "The symbol name \"{name}\" is reserved for use in a future version. If you are using a \
                 provider that already uses this as a resource type name, add the prefix \"resource.\" to \
                 force interpretation as a resource type name."
            ),
        )
        .with_subject(file.range(root_span))
        .into()),
        "terraform" => Err(invalid(
            "The \"terraform\" object is not available: flinkform has no workspaces.".to_string(),
            span_of(ops.len().min(1)),
        )),
        type_name => {
            if ops.is_empty() {
                return Err(invalid(
                    "A reference to a resource type must be followed by at least one attribute access, \
                     specifying the resource name."
                        .to_string(),
                    root_span,
                ));
            }
            let res_name = attr_at(0).ok_or_else(|| {
                invalid(
                    "A reference to a resource type must be followed by at least one attribute access, \
                     specifying the resource name."
                        .to_string(),
                    op_span(0),
                )
            })?;
            Ok(ParsedRef {
                subject: Referenceable::Resource(Resource::managed(type_name, res_name)),
                consumed: 1,
                span: span_of(1),
            })
        }
    }
}

// ---- walking ----

/// Calls `visit` with every root traversal in `expr` (a variable, or a traversal whose base is a
/// variable) and all the operators that follow the root, skipping names in `bound` and names
/// bound by for expressions and template for directives inside `expr`.
/// Returns false when the expression nests deeper than [`MAX_DEPTH`] (the rest is not visited).
pub(crate) fn walk_traversals<'e>(
    expr: &'e Expression,
    bound: &mut Vec<&'e str>,
    visit: &mut dyn FnMut(&'e Decorated<Ident>, &'e [Decorated<TraversalOperator>]),
) -> bool {
    let mut walker = Walker {
        bound,
        visit,
        complete: true,
    };
    walker.expr(expr, 0);
    walker.complete
}

/// As [`walk_traversals`], for a template (`templatefile`'s content).
pub(crate) fn walk_template_traversals<'e>(
    template: &'e Template,
    bound: &mut Vec<&'e str>,
    visit: &mut dyn FnMut(&'e Decorated<Ident>, &'e [Decorated<TraversalOperator>]),
) -> bool {
    let mut walker = Walker {
        bound,
        visit,
        complete: true,
    };
    walker.template(template, 0);
    walker.complete
}

struct Walker<'w, 'e> {
    bound: &'w mut Vec<&'e str>,
    visit: &'w mut dyn FnMut(&'e Decorated<Ident>, &'e [Decorated<TraversalOperator>]),
    complete: bool,
}

impl<'e> Walker<'_, 'e> {
    fn root(&mut self, root: &'e Decorated<Ident>, ops: &'e [Decorated<TraversalOperator>]) {
        if !self.bound.contains(&root.as_str()) {
            (self.visit)(root, ops);
        }
    }

    fn expr(&mut self, expr: &'e Expression, depth: usize) {
        if depth > MAX_DEPTH {
            self.complete = false;
            return;
        }
        let depth = depth + 1;
        match expr {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Variable(root) => self.root(root, &[]),
            Expression::Traversal(t) => {
                match &t.expr {
                    Expression::Variable(root) => self.root(root, &t.operators),
                    base => self.expr(base, depth),
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(key) = op.value() {
                        self.expr(key, depth);
                    }
                }
            }
            Expression::Array(items) => items.iter().for_each(|e| self.expr(e, depth)),
            Expression::Object(object) => {
                for (key, value) in object.iter() {
                    match key {
                        ObjectKey::Ident(_) => {}
                        // A naked traversal key is a literal name or an "Ambiguous attribute key"
                        // error at evaluation; either way it refers to nothing.
                        ObjectKey::Expression(Expression::Variable(_)) => {}
                        ObjectKey::Expression(Expression::Traversal(t)) if t.expr.is_variable() => {
                        }
                        ObjectKey::Expression(e) => self.expr(e, depth),
                    }
                    self.expr(value.expr(), depth);
                }
            }
            Expression::StringTemplate(t) => self.template(t, depth),
            Expression::HeredocTemplate(h) => self.template(&h.template, depth),
            Expression::Parenthesis(p) => self.expr(p.inner(), depth),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr, depth);
                self.expr(&c.true_expr, depth);
                self.expr(&c.false_expr, depth);
            }
            Expression::FuncCall(call) => call.args.iter().for_each(|e| self.expr(e, depth)),
            Expression::UnaryOp(op) => self.expr(&op.expr, depth),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr, depth);
                self.expr(&op.rhs_expr, depth);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr, depth);
                let before = self.bound.len();
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.as_str());
                }
                self.bound.push(f.intro.value_var.as_str());
                if let Some(k) = &f.key_expr {
                    self.expr(k, depth);
                }
                self.expr(&f.value_expr, depth);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr, depth);
                }
                self.bound.truncate(before);
            }
        }
    }

    fn template(&mut self, template: &'e Template, depth: usize) {
        if depth > MAX_DEPTH {
            self.complete = false;
            return;
        }
        let depth = depth + 1;
        for element in template.iter() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr, depth),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        self.expr(&d.if_expr.cond_expr, depth);
                        self.template(&d.if_expr.template, depth);
                        if let Some(e) = &d.else_expr {
                            self.template(&e.template, depth);
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        self.expr(&f.collection_expr, depth);
                        let before = self.bound.len();
                        if let Some(k) = &f.key_var {
                            self.bound.push(k.as_str());
                        }
                        self.bound.push(f.value_var.as_str());
                        self.template(&f.template, depth);
                        self.bound.truncate(before);
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addrs::ResourceMode;

    fn parse(src: &str) -> (Expression, Arc<SourceFile>) {
        let expr = hcl_edit::parser::parse_expr(src).expect("test expression parses");
        (expr, SourceFile::new("test.hcl", src.to_string()))
    }

    fn refs(src: &str) -> Vec<String> {
        let (expr, file) = parse(src);
        references(&expr, &file)
            .expect("references are valid")
            .into_iter()
            .map(|r| {
                format!(
                    "{}@{}-{}",
                    r.subject, r.range.start.column, r.range.end.column
                )
            })
            .collect()
    }

    fn error(src: &str) -> Diagnostic {
        let (expr, file) = parse(src);
        let diags = references(&expr, &file).expect_err("references are invalid");
        diags.into_iter().next().expect("one diagnostic")
    }

    #[test]
    fn finds_each_kind_of_reference() {
        assert_eq!(
            refs("var.a + local.b.c[0] + module.m.out + flink_job.etl[\"x\"].id + data.flink_cluster.c.id"),
            [
                "var.a@1-6",
                "local.b@9-21",
                "module.m@24-36",
                "flink_job.etl@39-60",
                "data.flink_cluster.c@63-86"
            ]
        );
        assert_eq!(
            refs("[count.index, each.key, each.value, path.module, path.root, path.cwd, self.x]"),
            [
                "count.index@2-13",
                "each.key@15-23",
                "each.value@25-35",
                "path.module@37-48",
                "path.root@50-59",
                "path.cwd@61-69",
                "self@71-77"
            ]
        );
        assert_eq!(refs("resource.flink_job.x.id"), ["flink_job.x@1-24"]);
    }

    #[test]
    fn dynamic_keys_and_splats_end_the_static_traversal() {
        assert_eq!(refs("var.map[local.k].x"), ["var.map@1-8", "local.k@9-16"]);
        assert_eq!(refs("flink_job.x[*].id"), ["flink_job.x@1-12"]);
        assert_eq!(refs("flink_job.x.*.id"), ["flink_job.x@1-12"]);
        assert_eq!(refs("upper(var.a)[var.i]"), ["var.a@7-12", "var.i@14-19"]);
    }

    #[test]
    fn templates_and_nested_expressions() {
        assert_eq!(
            refs("\"${var.a}-%{ if local.b }${var.c}%{ else }x%{ endif }\""),
            ["var.a@4-9", "local.b@17-24", "var.c@28-33"]
        );
        assert_eq!(
            refs("{ (var.k) = var.v, a = local.x, b.c = 1 }"),
            ["var.k@4-9", "var.v@13-18", "local.x@24-31"]
        );
        assert_eq!(
            refs("var.c ? var.t : var.f"),
            ["var.c@1-6", "var.t@9-14", "var.f@17-22"]
        );
    }

    #[test]
    fn for_variables_shadow_references() {
        assert_eq!(
            refs("[for k, v in var.m : \"${k}=${v.x}\" if v != var.skip]"),
            ["var.m@14-19", "var.skip@44-52"]
        );
        assert_eq!(
            refs("{ for x in var.l : x => var.x }"),
            ["var.l@12-17", "var.x@25-30"]
        );
        // The iteration variable is only bound inside the for expression.
        assert_eq!(
            refs("[[for x in var.l : x], x.y]"),
            ["var.l@12-17", "x.y@24-27"]
        );
        assert_eq!(
            refs("\"%{ for s in var.l }${s}${t.u}%{ endfor }\""),
            ["var.l@14-19", "t.u@27-30"]
        );
    }

    #[test]
    fn malformed_references_use_terraform_wording() {
        let d = error("var");
        assert_eq!(d.summary, "Invalid reference");
        assert_eq!(
            d.detail,
            "The \"var\" object cannot be accessed directly. Instead, access one of its attributes."
        );
        assert_eq!(
            d.subject.as_ref().map(|s| (s.start.column, s.end.column)),
            Some((1, 4))
        );

        let d = error("local[0]");
        assert_eq!(
            d.detail,
            "The \"local\" object does not support this operation."
        );
        assert_eq!(
            d.subject.as_ref().map(|s| (s.start.column, s.end.column)),
            Some((6, 9))
        );

        let d = error("count.foo");
        assert_eq!(d.summary, "Invalid \"count\" attribute");
        assert!(d.detail.starts_with(
            "The \"count\" object does not have an attribute named \"foo\". The only supported attribute is count.index,"
        ));

        let d = error("each.keys");
        assert_eq!(d.summary, "Invalid \"each\" attribute");

        let d = error("path.modul");
        assert_eq!(d.detail, "The \"path\" object does not have an attribute named \"modul\". Did you mean \"module\"?");

        let d = error("1 + flink_job");
        assert_eq!(
            d.detail,
            "A reference to a resource type must be followed by at least one attribute access, specifying the resource name."
        );
        assert_eq!(
            d.subject.as_ref().map(|s| (s.start.column, s.end.column)),
            Some((5, 14))
        );

        let d = error("data.flink_cluster");
        assert_eq!(
            d.detail,
            "The \"data\" object must be followed by two attribute names: the data source type and the resource name."
        );
        let d = error("flink_job[0]");
        assert_eq!(d.summary, "Invalid reference");
        let d = error("lazy.x");
        assert_eq!(d.summary, "Reserved symbol name");
    }

    #[test]
    fn every_malformed_reference_is_reported() {
        let (expr, file) = parse("[var, local, count.x]");
        assert_eq!(references(&expr, &file).unwrap_err().len(), 3);
    }

    #[test]
    fn traversal_references_for_depends_on() {
        let (expr, file) = parse("flink_job.etl[\"a\"].job_id");
        let (r, rest) = traversal_reference(&expr, &file).unwrap();
        assert_eq!(
            r.subject,
            Referenceable::Resource(Resource::managed("flink_job", "etl"))
        );
        assert_eq!(
            rest,
            [PathStep::Key("a".into()), PathStep::Attr("job_id".into())]
        );

        let (expr, file) = parse("data.flink_cluster.shared");
        let (r, rest) = traversal_reference(&expr, &file).unwrap();
        assert!(matches!(
            r.subject,
            Referenceable::Resource(Resource {
                mode: ResourceMode::Data,
                ..
            })
        ));
        assert!(rest.is_empty());

        for bad in [
            "flink_job.x[*]",
            "var.a[var.b]",
            "upper(var.a)",
            "\"flink_job.x\"",
            "(var.a)",
        ] {
            let (expr, file) = parse(bad);
            let d = traversal_reference(&expr, &file).unwrap_err();
            assert_eq!(
                d.iter().next().unwrap().summary,
                "Invalid expression",
                "{bad}"
            );
        }
    }

    #[test]
    fn attribute_paths_for_ignore_changes() {
        let (expr, file) = parse("tags[\"env\"].x[2].3");
        assert_eq!(
            attribute_path(&expr, &file).unwrap(),
            [
                PathStep::Attr("tags".into()),
                PathStep::Key("env".into()),
                PathStep::Attr("x".into()),
                PathStep::Index(2),
                PathStep::Index(3)
            ]
        );
        let (expr, file) = parse("parallelism");
        assert_eq!(
            attribute_path(&expr, &file).unwrap(),
            [PathStep::Attr("parallelism".into())]
        );
        let (expr, file) = parse("tags[1.5]");
        assert_eq!(
            attribute_path(&expr, &file)
                .unwrap_err()
                .iter()
                .next()
                .unwrap()
                .summary,
            "Invalid index"
        );
        let (expr, file) = parse("tags[var.k]");
        assert!(attribute_path(&expr, &file).is_err());
    }
}
