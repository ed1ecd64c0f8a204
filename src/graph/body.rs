//! Evaluating a raw block body against a schema into an object value.

use std::collections::BTreeMap;

use crate::config::{Block, Body};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, SourceRange};
use crate::lang::convert::convert;
use crate::lang::{eval_expr, EvalScope, Value};
use crate::providers::schema::{AttrPath, Nesting, PathStep, Schema};

/// Evaluates `body` against `schema`: every argument must be declared by the schema and
/// configurable, required ones must be present, values convert to the declared types and
/// sensitive attributes are marked. Absent optional and computed attributes are null (the
/// provider's plan fills computed ones). `decl` is where missing-argument errors point, when
/// the body was written somewhere (an implied provider configuration was not).
pub fn eval_body(
    body: &Body,
    schema: &Schema,
    scope: &dyn EvalScope,
    decl: Option<&SourceRange>,
) -> Result<Value, Diagnostics> {
    eval_body_hinting(body, schema, scope, decl, &[])
}

/// [`eval_body`], also suggesting `extra_names` (a resource's meta-arguments) for misspelt
/// arguments.
pub fn eval_body_hinting(
    body: &Body,
    schema: &Schema,
    scope: &dyn EvalScope,
    decl: Option<&SourceRange>,
    extra_names: &[&str],
) -> Result<Value, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut obj = BTreeMap::new();
    for attr in &body.attributes {
        let Some(attr_schema) = schema.attributes.get(&attr.name) else {
            let detail = if schema.blocks.contains_key(&attr.name) {
                format!(
                    "An argument named \"{}\" is not expected here. Did you mean to define a block of type \"{}\"?",
                    attr.name, attr.name
                )
            } else {
                let names = schema
                    .attributes
                    .iter()
                    .filter(|(_, a)| a.required || a.optional)
                    .map(|(n, _)| n.as_str())
                    .chain(extra_names.iter().copied());
                format!(
                    "An argument named \"{}\" is not expected here.{}",
                    attr.name,
                    did_you_mean(&attr.name, names)
                )
            };
            diags.push(
                Diagnostic::error("Unsupported argument", detail)
                    .with_subject(attr.name_range.clone()),
            );
            continue;
        };
        if !attr_schema.required && !attr_schema.optional {
            diags.push(
                Diagnostic::error(
                    "Value for unconfigurable attribute",
                    format!("Can't configure a value for \"{}\": its value will be decided automatically based on the result of applying this configuration.", attr.name),
                )
                .with_subject(attr.name_range.clone()),
            );
            continue;
        }
        let Some(value) = diags.take(eval_expr(&attr.expr.expr, &attr.expr.file, scope)) else {
            continue;
        };
        match convert(value, &attr_schema.ty) {
            Ok(v) => {
                obj.insert(
                    attr.name.clone(),
                    v.mark_sensitive_if(attr_schema.sensitive),
                );
            }
            Err(e) => diags.push(
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!(
                        "Inappropriate value for attribute \"{}\": {}.",
                        attr.name,
                        conversion_message(&e.path, &e.message)
                    ),
                )
                .with_subject(attr.expr.range()),
            ),
        }
    }
    for (name, attr_schema) in &schema.attributes {
        if obj.contains_key(name) || body.attribute(name).is_some() {
            continue;
        }
        if attr_schema.required {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("The argument \"{name}\" is required, but no definition was found."),
                )
                .with_subject_opt(decl.cloned()),
            );
        }
        obj.insert(name.clone(), Value::null_of(attr_schema.ty.clone()));
    }
    for block in &body.blocks {
        if !schema.blocks.contains_key(&block.type_name) {
            let detail = if schema.attributes.contains_key(&block.type_name) {
                format!(
                    "Blocks of type \"{}\" are not expected here. Did you mean to define argument \"{}\"? If so, use the equals sign to assign it a value.",
                    block.type_name, block.type_name
                )
            } else {
                format!(
                    "Blocks of type \"{}\" are not expected here.{}",
                    block.type_name,
                    did_you_mean(&block.type_name, schema.blocks.keys().map(String::as_str))
                )
            };
            diags.push(
                Diagnostic::error("Unsupported block type", detail)
                    .with_subject(block.type_range.clone()),
            );
        }
    }
    for (name, nested) in &schema.blocks {
        let blocks: Vec<&Block> = body
            .blocks
            .iter()
            .filter(|b| &b.type_name == name)
            .collect();
        let mut values = Vec::with_capacity(blocks.len());
        for b in &blocks {
            if let Some(v) = diags.take(eval_body(
                &b.body,
                &nested.block,
                scope,
                Some(&b.type_range),
            )) {
                values.push(v);
            }
        }
        if blocks.len() < nested.min_items {
            diags.push(
                Diagnostic::error(
                    "Missing required block",
                    format!(
                        "At least {} \"{name}\" block(s) are required.",
                        nested.min_items
                    ),
                )
                .with_subject_opt(decl.cloned()),
            );
        }
        if nested.max_items > 0 && blocks.len() > nested.max_items {
            let extra = blocks[nested.max_items].type_range.clone();
            diags.push(
                Diagnostic::error(
                    "Too many blocks",
                    format!(
                        "No more than {} \"{name}\" block(s) are allowed.",
                        nested.max_items
                    ),
                )
                .with_subject(extra),
            );
        }
        let v = match nested.nesting {
            Nesting::Single => values
                .into_iter()
                .next()
                .unwrap_or_else(|| Value::null_of(nested.block.value_type())),
            Nesting::List => Value::list(values),
            Nesting::Set => Value::set(values),
        };
        obj.insert(name.clone(), v);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Value::object(obj))
}

/// "a number is required" or "attribute \"x\": a number is required".
pub fn conversion_message(path: &str, message: &str) -> String {
    if path.is_empty() {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

/// Where the attribute at `path` is written in `body`: the value of an attribute, or the
/// header of a nested block (the first step decides; deeper steps point at the same place).
pub fn path_range(body: &Body, path: &AttrPath) -> Option<SourceRange> {
    let Some(PathStep::Attr(name)) = path.0.first() else {
        return None;
    };
    if let Some(attr) = body.attribute(name) {
        return Some(attr.expr.range());
    }
    let mut blocks = body.blocks.iter().filter(|b| &b.type_name == name);
    match (path.0.get(1), path.0.get(2)) {
        (Some(PathStep::Index(i)), Some(_)) => {
            let block = blocks.nth(usize::try_from(*i).ok()?)?;
            path_range(&block.body, &AttrPath(path.0[2..].to_vec()))
                .or_else(|| Some(block.type_range.clone()))
        }
        (None, _) | (Some(PathStep::Attr(_)), _) => {
            let block = blocks.next()?;
            path_range(&block.body, &AttrPath(path.0[1..].to_vec()))
                .or_else(|| Some(block.type_range.clone()))
        }
        _ => blocks.next().map(|b| b.type_range.clone()),
    }
}
