//! Decoding one file's top-level blocks into typed configuration, with Terraform's checks and
//! the wording of its (and HCL's) diagnostics.

use std::ops::Range;
use std::sync::Arc;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{self as hcl, Structure};
use hcl_edit::Span;

use super::typeexpr::TypeConstraint;
use super::variables::eval_constant;
use super::version::constraint_allows;
use super::{
    Attribute, Backend, Block, Body, Expr, IgnoreChanges, Lifecycle, Local, ModuleCall, Output,
    PassedProvider, ProviderConfig, ProviderRef, ResourceConfig, Settings, Validation, Variable,
};
use crate::addrs::{Resource, ResourceMode};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, SourceFile, SourceRange};
use crate::lang::convert::convert;
use crate::lang::value::is_identifier;
use crate::lang::{Type, Value};

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "data",
    "flinkform",
    "locals",
    "module",
    "output",
    "provider",
    "resource",
    "variable",
];
const VARIABLE_ATTRS: &[&str] = &["type", "default", "description", "sensitive", "nullable"];
const VARIABLE_BLOCKS: &[&str] = &["validation"];
const VALIDATION_ATTRS: &[&str] = &["condition", "error_message"];
const OUTPUT_ATTRS: &[&str] = &["value", "description", "sensitive", "depends_on"];
pub const RESOURCE_META_ATTRS: &[&str] = &["count", "for_each", "depends_on", "provider"];
const LIFECYCLE_ATTRS: &[&str] = &[
    "create_before_destroy",
    "prevent_destroy",
    "ignore_changes",
    "replace_triggered_by",
];
const MODULE_META_ATTRS: &[&str] = &["source", "count", "for_each", "depends_on", "providers"];
const FLINKFORM_ATTRS: &[&str] = &["required_version"];
const FLINKFORM_BLOCKS: &[&str] = &["backend"];
/// Names a variable cannot have: they mean something else in a `module` block.
const RESERVED_VARIABLE_NAMES: &[&str] = &[
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "lifecycle",
    "depends_on",
    "locals",
];
const BAD_IDENTIFIER: &str =
    "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.";
const STATIC_REFERENCE: &str = "A single static variable reference is required: only attribute access and indexing \
                                with constant keys. No calculations, function calls, template expressions, etc are \
                                allowed here.";
const PROVIDER_REF: &str =
    "The provider argument requires a provider type name, optionally followed by a period and \
                            then a configuration alias.";

/// Everything declared in one file, in source order.
#[derive(Default)]
pub(super) struct FileItems {
    pub variables: Vec<Variable>,
    pub locals: Vec<Local>,
    pub outputs: Vec<Output>,
    pub resources: Vec<ResourceConfig>,
    pub providers: Vec<ProviderConfig>,
    pub module_calls: Vec<ModuleCall>,
    /// `flinkform` blocks, with their header's range.
    pub settings: Vec<(Settings, SourceRange)>,
    pub diags: Diagnostics,
}

/// Decodes the top-level blocks of one parsed file. (hcl-edit already rejects an argument set
/// twice in one body, so decoding never sees one.)
pub(super) fn decode_file(body: hcl::Body, file: &Arc<SourceFile>) -> FileItems {
    let mut d = Decoder {
        file,
        diags: Diagnostics::new(),
    };
    let mut items = FileItems::default();
    for structure in body {
        let block = match structure {
            Structure::Attribute(attr) => {
                d.unsupported_attribute(&attr, &[], TOP_LEVEL_BLOCKS);
                continue;
            }
            Structure::Block(block) => block,
        };
        let start = d.diags.len();
        let header = header_span(&block);
        let known = TOP_LEVEL_BLOCKS.contains(&block.ident.as_str());
        match block.ident.as_str() {
            "variable" => items.variables.extend(d.variable(block)),
            "locals" => d.locals(block, &mut items.locals),
            "output" => items.outputs.extend(d.output(block)),
            "resource" => items
                .resources
                .extend(d.resource(block, ResourceMode::Managed)),
            "data" => items
                .resources
                .extend(d.resource(block, ResourceMode::Data)),
            "provider" => items.providers.extend(d.provider(block)),
            "module" => items.module_calls.extend(d.module_call(block)),
            "flinkform" => items.settings.extend(d.flinkform(block)),
            _ => d.unsupported_block(&block, TOP_LEVEL_BLOCKS, &[]),
        }
        // An unknown block is not a context of its own.
        if known && d.diags.len() > start {
            let context = d.context(header);
            for diag in &mut d.diags.0[start..] {
                if diag.context.is_none() {
                    diag.context = Some(context.clone());
                }
            }
        }
    }
    items.diags = d.diags;
    items
}

/// From a block's type to the end of its last label: `resource "a" "b"`.
fn header_span(block: &hcl::Block) -> Range<usize> {
    let start = block.ident.span().map_or(0, |s| s.start);
    let end = block
        .labels
        .last()
        .and_then(|l| l.span())
        .or_else(|| block.ident.span())
        .map_or(start, |s| s.end);
    start..end.max(start)
}

fn label(block: &hcl::Block, i: usize) -> &str {
    block.labels.get(i).map_or("", |l| l.as_str())
}

/// Whether `expr` is a reference with only attribute access and constant indexes.
fn is_static_traversal(expr: &Expression) -> bool {
    match expr {
        Expression::Variable(_) => true,
        Expression::Traversal(t) => {
            matches!(t.expr, Expression::Variable(_))
                && t.operators.iter().all(|op| match op.value() {
                    TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_) => true,
                    TraversalOperator::Index(i) => {
                        matches!(i, Expression::String(_) | Expression::Number(_))
                    }
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => false,
                })
        }
        _ => false,
    }
}

struct Decoder<'a> {
    file: &'a Arc<SourceFile>,
    diags: Diagnostics,
}

impl Decoder<'_> {
    fn range(&self, span: Option<Range<usize>>) -> SourceRange {
        self.file.range(span.unwrap_or(0..0))
    }

    fn expr(&self, expr: Expression) -> Expr {
        Expr {
            expr,
            file: self.file.clone(),
        }
    }

    /// The block header as written, with whitespace runs collapsed, for diagnostics' context.
    fn context(&self, span: Range<usize>) -> String {
        let text = self.file.text.get(span).unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn error(
        &mut self,
        summary: impl Into<String>,
        detail: impl Into<String>,
        subject: SourceRange,
    ) {
        self.diags
            .push(Diagnostic::error(summary, detail).with_subject(subject));
    }

    /// The block's opening brace, where HCL reports missing arguments and labels.
    fn open_brace(&self, block: &hcl::Block) -> SourceRange {
        let from = header_span(block).end;
        let at = self
            .file
            .text
            .get(from..)
            .and_then(|rest| rest.find('{'))
            .map_or(from, |i| from + i);
        self.file.range(at..at + 1)
    }

    fn attribute(&self, attr: hcl::Attribute) -> Attribute {
        let name_range = self.range(attr.key.span());
        Attribute {
            name: attr.key.into_value().into_string(),
            name_range,
            expr: self.expr(attr.value),
        }
    }

    fn block(&mut self, block: hcl::Block) -> Block {
        let type_range = self.range(block.ident.span());
        Block {
            type_name: block.ident.into_value().into_string(),
            labels: block
                .labels
                .iter()
                .map(|l| l.as_str().to_string())
                .collect(),
            type_range,
            body: self.body(block.body),
        }
    }

    /// A body kept raw, for decoding against a provider's schema later.
    fn body(&mut self, body: hcl::Body) -> Body {
        let mut out = Body::default();
        for structure in body {
            match structure {
                Structure::Attribute(a) => out.attributes.push(self.attribute(a)),
                Structure::Block(b) => {
                    let b = self.block(b);
                    out.blocks.push(b);
                }
            }
        }
        out
    }

    fn unsupported_attribute(&mut self, attr: &hcl::Attribute, attrs: &[&str], blocks: &[&str]) {
        let name = attr.key.as_str();
        let mut hint = did_you_mean(name, attrs.iter().copied());
        if hint.is_empty() && blocks.contains(&name) {
            hint = format!(" Did you mean to define a block of type \"{name}\"?");
        }
        self.error(
            "Unsupported argument",
            format!("An argument named \"{name}\" is not expected here.{hint}"),
            self.range(attr.key.span()),
        );
    }

    fn unsupported_block(&mut self, block: &hcl::Block, blocks: &[&str], attrs: &[&str]) {
        let name = block.ident.as_str();
        let mut hint = did_you_mean(name, blocks.iter().copied());
        if hint.is_empty() && attrs.contains(&name) {
            hint = format!(" Did you mean to define argument \"{name}\"? If so, use the equals sign to assign it a value.");
        }
        self.error(
            "Unsupported block type",
            format!("Blocks of type \"{name}\" are not expected here.{hint}"),
            self.range(block.ident.span()),
        );
    }

    /// Checks the block has exactly the labels `names`, as HCL does.
    fn check_labels(&mut self, block: &hcl::Block, names: &[&str]) -> bool {
        let ty = block.ident.as_str();
        let given = block.labels.len();
        if given > names.len() {
            let detail = if names.is_empty() {
                format!("No labels are expected for {ty} blocks.")
            } else {
                format!(
                    "Only {} labels ({}) are expected for {ty} blocks.",
                    names.len(),
                    names.join(", ")
                )
            };
            let subject = self.range(block.labels.get(names.len()).and_then(|l| l.span()));
            self.error(format!("Extraneous label for {ty}"), detail, subject);
            return false;
        }
        if let Some(missing) = names.get(given) {
            self.error(
                format!("Missing {missing} for {ty}"),
                format!(
                    "All {ty} blocks must have {} labels ({}).",
                    names.len(),
                    names.join(", ")
                ),
                self.open_brace(block),
            );
            return false;
        }
        true
    }

    /// Checks a declared name is an identifier.
    fn check_name(&mut self, block: &hcl::Block, i: usize, summary: &str) -> bool {
        if is_identifier(label(block, i)) {
            return true;
        }
        let range = self.range(block.labels.get(i).and_then(|l| l.span()));
        self.error(summary, BAD_IDENTIFIER, range);
        false
    }

    /// A constant value converted to `ty`; `None` for null or on error (reported).
    fn constant(&mut self, expr: &Expression, ty: &Type) -> Option<Value> {
        let value = match eval_constant(expr, self.file) {
            Ok(v) => v,
            Err(e) => {
                self.diags.extend(e);
                return None;
            }
        };
        if value.is_null() {
            return None;
        }
        match convert(value, ty) {
            Ok(v) => Some(v),
            Err(e) => {
                let range = self.range(expr.span());
                self.error(
                    "Unsuitable value type",
                    format!("Unsuitable value: {}.", e),
                    range,
                );
                None
            }
        }
    }

    fn constant_string(&mut self, expr: &Expression) -> Option<String> {
        self.constant(expr, &Type::String)
            .and_then(|v| v.as_str().map(str::to_string))
    }

    fn constant_bool(&mut self, expr: &Expression) -> Option<bool> {
        self.constant(expr, &Type::Bool).and_then(|v| v.as_bool())
    }

    /// The elements of a list expression written out (`[a, b]`).
    fn static_list(&mut self, expr: Expression) -> Option<Vec<Expression>> {
        match expr {
            Expression::Array(items) => Some(items.into_iter().collect()),
            other => {
                let range = self.range(other.span());
                self.error(
                    "Invalid expression",
                    "A static list expression is required.",
                    range,
                );
                None
            }
        }
    }

    /// A list of static references: `depends_on`, `ignore_changes`.
    fn reference_list(&mut self, expr: Expression) -> Vec<Expr> {
        let Some(items) = self.static_list(expr) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if is_static_traversal(&item) {
                out.push(self.expr(item));
            } else {
                let range = self.range(item.span());
                self.error("Invalid expression", STATIC_REFERENCE, range);
            }
        }
        out
    }

    /// `azure` or `azure.alias`.
    fn provider_ref(&mut self, expr: &Expression) -> Option<ProviderRef> {
        let range = self.range(expr.span());
        let parsed = match expr {
            Expression::Variable(name) => Some((name.as_str(), None)),
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(name), [op]) => match op.value() {
                    TraversalOperator::GetAttr(alias) => {
                        Some((name.as_str(), Some(alias.as_str())))
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        match parsed {
            Some((name, alias)) => Some(ProviderRef {
                name: name.to_string(),
                alias: alias.map(str::to_string),
                range,
            }),
            None => {
                self.error(
                    "Invalid provider configuration reference",
                    PROVIDER_REF,
                    range,
                );
                None
            }
        }
    }

    fn variable(&mut self, block: hcl::Block) -> Option<Variable> {
        if !self.check_labels(&block, &["name"]) {
            return None;
        }
        let decl_range = self.range(Some(header_span(&block)));
        let name = label(&block, 0).to_string();
        if self.check_name(&block, 0, "Invalid variable name")
            && RESERVED_VARIABLE_NAMES.contains(&name.as_str())
        {
            let range = self.range(block.labels.first().and_then(|l| l.span()));
            self.error(
                "Invalid variable name",
                format!("The variable name \"{name}\" is reserved due to its special meaning inside module blocks."),
                range,
            );
        }
        let (mut ty, mut default, mut description, mut sensitive, mut nullable) =
            (None, None, None, None, None);
        let mut validations = Vec::new();
        for structure in block.body {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "type" => ty = Some(a),
                    "default" => default = Some(a),
                    "description" => description = Some(a),
                    "sensitive" => sensitive = Some(a),
                    "nullable" => nullable = Some(a),
                    _ => self.unsupported_attribute(&a, VARIABLE_ATTRS, VARIABLE_BLOCKS),
                },
                Structure::Block(b) => match b.ident.as_str() {
                    "validation" => validations.extend(self.validation(b)),
                    _ => self.unsupported_block(&b, VARIABLE_BLOCKS, VARIABLE_ATTRS),
                },
            }
        }
        let type_constraint = match &ty {
            Some(a) => match TypeConstraint::parse(&a.value, self.file) {
                Ok(t) => t,
                Err(e) => {
                    self.diags.extend(e);
                    TypeConstraint::any()
                }
            },
            None => TypeConstraint::any(),
        };
        let description = description.and_then(|a| self.constant_string(&a.value));
        let sensitive = sensitive
            .and_then(|a| self.constant_bool(&a.value))
            .unwrap_or(false);
        let nullable = nullable
            .and_then(|a| self.constant_bool(&a.value))
            .unwrap_or(true);
        let default = default.map(|a| {
            self.check_default(&a.value, &type_constraint, nullable);
            self.expr(a.value)
        });
        Some(Variable {
            name,
            type_constraint,
            default,
            description,
            sensitive,
            nullable,
            validations,
            decl_range,
        })
    }

    /// A default must be constant, convert to the type, and not be null when `nullable = false`.
    fn check_default(&mut self, expr: &Expression, constraint: &TypeConstraint, nullable: bool) {
        let value = match eval_constant(expr, self.file) {
            Ok(v) => v,
            Err(e) => {
                self.diags.extend(e);
                return;
            }
        };
        let range = self.range(expr.span());
        match constraint.convert(value) {
            Ok(v) if v.is_null() && !nullable => self.error(
                "Invalid default value for variable",
                "A null default value is not valid when nullable=false.",
                range,
            ),
            Ok(_) => {}
            Err(e) => self.error(
                "Invalid default value for variable",
                format!(
                    "This default value is not compatible with the variable's type constraint: {}.",
                    e
                ),
                range,
            ),
        }
    }

    fn validation(&mut self, block: hcl::Block) -> Option<Validation> {
        if !self.check_labels(&block, &[]) {
            return None;
        }
        let missing_at = self.open_brace(&block);
        let (mut condition, mut error_message) = (None, None);
        for structure in block.body {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "condition" => condition = Some(a),
                    "error_message" => error_message = Some(a),
                    _ => self.unsupported_attribute(&a, VALIDATION_ATTRS, &[]),
                },
                Structure::Block(b) => self.unsupported_block(&b, &[], VALIDATION_ATTRS),
            }
        }
        for (slot, name) in [
            (condition.is_none(), "condition"),
            (error_message.is_none(), "error_message"),
        ] {
            if slot {
                self.error(
                    "Missing required argument",
                    format!("The argument \"{name}\" is required, but no definition was found."),
                    missing_at.clone(),
                );
            }
        }
        Some(Validation {
            condition: self.expr(condition?.value),
            error_message: self.expr(error_message?.value),
        })
    }

    fn locals(&mut self, block: hcl::Block, out: &mut Vec<Local>) {
        if !self.check_labels(&block, &[]) {
            return;
        }
        for structure in block.body {
            match structure {
                Structure::Attribute(a) => {
                    let decl_range = self.range(a.span());
                    if !is_identifier(a.key.as_str()) {
                        let range = self.range(a.key.span());
                        self.error("Invalid local value name", BAD_IDENTIFIER, range);
                        continue;
                    }
                    let name = a.key.into_value().into_string();
                    out.push(Local {
                        name,
                        expr: self.expr(a.value),
                        decl_range,
                    });
                }
                Structure::Block(b) => {
                    let range = self.range(b.ident.span());
                    self.error(
                        format!("Unexpected \"{}\" block", b.ident.as_str()),
                        "Blocks are not allowed here.",
                        range,
                    );
                }
            }
        }
    }

    fn output(&mut self, block: hcl::Block) -> Option<Output> {
        if !self.check_labels(&block, &["name"])
            || !self.check_name(&block, 0, "Invalid output name")
        {
            return None;
        }
        let decl_range = self.range(Some(header_span(&block)));
        let name = label(&block, 0).to_string();
        let missing_at = self.open_brace(&block);
        let (mut value, mut description, mut sensitive, mut depends_on) = (None, None, None, None);
        for structure in block.body {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "value" => value = Some(a),
                    "description" => description = Some(a),
                    "sensitive" => sensitive = Some(a),
                    "depends_on" => depends_on = Some(a),
                    _ => self.unsupported_attribute(&a, OUTPUT_ATTRS, &[]),
                },
                Structure::Block(b) => self.unsupported_block(&b, &[], OUTPUT_ATTRS),
            }
        }
        let description = description.and_then(|a| self.constant_string(&a.value));
        let sensitive = sensitive
            .and_then(|a| self.constant_bool(&a.value))
            .unwrap_or(false);
        let depends_on = depends_on
            .map(|a| self.reference_list(a.value))
            .unwrap_or_default();
        let Some(value) = value else {
            self.error(
                "Missing required argument",
                "The argument \"value\" is required, but no definition was found.",
                missing_at,
            );
            return None;
        };
        Some(Output {
            name,
            value: self.expr(value.value),
            description,
            sensitive,
            depends_on,
            decl_range,
        })
    }

    fn resource(&mut self, block: hcl::Block, mode: ResourceMode) -> Option<ResourceConfig> {
        if !self.check_labels(&block, &["type", "name"]) {
            return None;
        }
        let type_ok = self.check_name(&block, 0, "Invalid resource type name");
        if !(self.check_name(&block, 1, "Invalid resource name") && type_ok) {
            return None;
        }
        let decl_range = self.range(Some(header_span(&block)));
        let addr = Resource {
            mode,
            type_name: label(&block, 0).to_string(),
            name: label(&block, 1).to_string(),
        };
        let (mut count, mut for_each, mut depends_on, mut provider) = (None, None, None, None);
        let mut lifecycle: Option<(Lifecycle, SourceRange)> = None;
        let mut body = Body::default();
        for structure in block.body {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "count" => count = Some(a),
                    "for_each" => for_each = Some(a),
                    "depends_on" => depends_on = Some(a),
                    "provider" => provider = Some(a),
                    "lifecycle" => self.unsupported_attribute(&a, &[], &["lifecycle"]),
                    _ => body.attributes.push(self.attribute(a)),
                },
                Structure::Block(b) => match b.ident.as_str() {
                    "lifecycle" if mode == ResourceMode::Data => {
                        let range = self.range(b.ident.span());
                        self.error(
                            "Unsupported lifecycle block",
                            "Data resources do not have lifecycle settings, so a lifecycle block is not allowed.",
                            range,
                        );
                    }
                    "lifecycle" => {
                        let range = self.range(b.ident.span());
                        if let Some((_, first)) = &lifecycle {
                            let detail =
                                format!("This resource already has a lifecycle block at {first}.");
                            self.error("Duplicate lifecycle block", detail, range);
                        } else {
                            let decoded = self.lifecycle(b);
                            lifecycle = Some((decoded, range));
                        }
                    }
                    name if RESOURCE_META_ATTRS.contains(&name) => {
                        self.unsupported_block(&b, &[], RESOURCE_META_ATTRS)
                    }
                    _ => {
                        let b = self.block(b);
                        body.blocks.push(b);
                    }
                },
            }
        }
        if let (Some(_), Some(fe)) = (&count, &for_each) {
            let range = self.range(fe.key.span());
            self.error(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to \
                 be explicit about the number of resources to be created.",
                range,
            );
        }
        let provider = provider.and_then(|a| self.provider_ref(&a.value));
        Some(ResourceConfig {
            addr,
            count: count.map(|a| self.expr(a.value)),
            for_each: for_each.map(|a| self.expr(a.value)),
            depends_on: depends_on
                .map(|a| self.reference_list(a.value))
                .unwrap_or_default(),
            provider,
            lifecycle: lifecycle.map(|(l, _)| l).unwrap_or_default(),
            body,
            decl_range,
            file: self.file.clone(),
        })
    }

    fn lifecycle(&mut self, block: hcl::Block) -> Lifecycle {
        let mut out = Lifecycle::default();
        if !self.check_labels(&block, &[]) {
            return out;
        }
        let (mut cbd, mut pd, mut ignore, mut replace) = (None, None, None, None);
        for structure in block.body {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "create_before_destroy" => cbd = Some(a),
                    "prevent_destroy" => pd = Some(a),
                    "ignore_changes" => ignore = Some(a),
                    "replace_triggered_by" => replace = Some(a),
                    _ => self.unsupported_attribute(&a, LIFECYCLE_ATTRS, &[]),
                },
                Structure::Block(b) => self.unsupported_block(&b, &[], LIFECYCLE_ATTRS),
            }
        }
        out.create_before_destroy = cbd
            .and_then(|a| self.constant_bool(&a.value))
            .unwrap_or(false);
        out.prevent_destroy = pd
            .and_then(|a| self.constant_bool(&a.value))
            .unwrap_or(false);
        if let Some(a) = ignore {
            out.ignore_changes = match a.value {
                Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
                other => IgnoreChanges::Paths(self.reference_list(other)),
            };
        }
        if let Some(a) = replace {
            let items = self.static_list(a.value).unwrap_or_default();
            out.replace_triggered_by = items.into_iter().map(|e| self.expr(e)).collect();
        }
        out
    }

    fn provider(&mut self, block: hcl::Block) -> Option<ProviderConfig> {
        if !self.check_labels(&block, &["name"])
            || !self.check_name(&block, 0, "Invalid provider local name")
        {
            return None;
        }
        let decl_range = self.range(Some(header_span(&block)));
        let name = label(&block, 0).to_string();
        let mut alias_attr = None;
        let mut rest = hcl::Body::new();
        for structure in block.body {
            match structure {
                Structure::Attribute(a) if a.key.as_str() == "alias" => alias_attr = Some(a),
                other => rest.push(other),
            }
        }
        let alias = alias_attr.and_then(|a| {
            let alias = self.constant_string(&a.value)?;
            if is_identifier(&alias) {
                Some(alias)
            } else {
                let range = self.range(a.value.span());
                self.error(
                    "Invalid provider configuration alias",
                    BAD_IDENTIFIER,
                    range,
                );
                None
            }
        });
        let body = self.body(rest);
        Some(ProviderConfig {
            name,
            alias,
            body,
            decl_range,
        })
    }

    fn module_call(&mut self, block: hcl::Block) -> Option<ModuleCall> {
        if !self.check_labels(&block, &["name"])
            || !self.check_name(&block, 0, "Invalid module instance name")
        {
            return None;
        }
        let decl_range = self.range(Some(header_span(&block)));
        let name = label(&block, 0).to_string();
        let missing_at = self.open_brace(&block);
        let (mut source, mut count, mut for_each, mut depends_on, mut providers) =
            (None, None, None, None, None);
        let mut inputs = std::collections::BTreeMap::<String, Attribute>::new();
        for structure in block.body {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "source" => source = Some(a),
                    "count" => count = Some(a),
                    "for_each" => for_each = Some(a),
                    "depends_on" => depends_on = Some(a),
                    "providers" => providers = Some(a),
                    "version" => {
                        let range = self.range(a.key.span());
                        self.error(
                            "Unsupported argument",
                            "An argument named \"version\" is not expected here: modules are loaded from local \
                             directories, which have no versions.",
                            range,
                        );
                    }
                    _ => {
                        let input = self.attribute(a);
                        inputs.insert(input.name.clone(), input);
                    }
                },
                Structure::Block(b) => self.unsupported_block(&b, &[], MODULE_META_ATTRS),
            }
        }
        if let (Some(_), Some(fe)) = (&count, &for_each) {
            let range = self.range(fe.key.span());
            self.error(
                "Invalid combination of \"count\" and \"for_each\"",
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to \
                 be explicit about the number of resources to be created.",
                range,
            );
        }
        let providers = providers
            .map(|a| self.passed_providers(&a.value))
            .unwrap_or_default();
        let depends_on = depends_on
            .map(|a| self.reference_list(a.value))
            .unwrap_or_default();
        let Some(source) = source else {
            self.missing_argument_at(missing_at, "source");
            return None;
        };
        let source_range = self.range(source.value.span());
        let path = self.constant_string(&source.value)?;
        if !(path.starts_with("./") || path.starts_with("../") || path == "." || path == "..") {
            self.error(
                "Unsupported module source",
                format!(
                    "Only local module sources are supported: the source must be a relative path starting with \
                     \"./\" or \"../\", not {}.",
                    crate::lang::value::quote_string(&path)
                ),
                source_range,
            );
            return None;
        }
        Some(ModuleCall {
            name,
            source: path,
            source_range,
            inputs,
            count: count.map(|a| self.expr(a.value)),
            for_each: for_each.map(|a| self.expr(a.value)),
            depends_on,
            providers,
            decl_range,
        })
    }

    fn missing_argument_at(&mut self, at: SourceRange, name: &str) {
        self.error(
            "Missing required argument",
            format!("The argument \"{name}\" is required, but no definition was found."),
            at,
        );
    }

    /// `providers = { azure = azure.westeu, azure.x = azure }`
    fn passed_providers(&mut self, expr: &Expression) -> Vec<PassedProvider> {
        let Expression::Object(obj) = expr else {
            let range = self.range(expr.span());
            self.error(
                "Invalid expression",
                "A static map expression is required.",
                range,
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(obj.len());
        for (key, value) in obj.iter() {
            let in_child = match key {
                ObjectKey::Ident(name) => Some(ProviderRef {
                    name: name.as_str().to_string(),
                    alias: None,
                    range: self.range(name.span()),
                }),
                ObjectKey::Expression(e) => self.provider_ref(e),
            };
            let in_parent = self.provider_ref(value.expr());
            if let (Some(in_child), Some(in_parent)) = (in_child, in_parent) {
                out.push(PassedProvider {
                    in_child,
                    in_parent,
                });
            }
        }
        out
    }

    fn flinkform(&mut self, block: hcl::Block) -> Option<(Settings, SourceRange)> {
        if !self.check_labels(&block, &[]) {
            return None;
        }
        let decl_range = self.range(Some(header_span(&block)));
        let mut required_version = None;
        let mut backend: Option<Backend> = None;
        for structure in block.body {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "required_version" => required_version = Some(a),
                    _ => self.unsupported_attribute(&a, FLINKFORM_ATTRS, FLINKFORM_BLOCKS),
                },
                Structure::Block(b) => match b.ident.as_str() {
                    "backend" => {
                        if !self.check_labels(&b, &["type"]) {
                            continue;
                        }
                        let decl_range = self.range(Some(header_span(&b)));
                        if let Some(first) = &backend {
                            let detail = format!(
                                "A module may have only one backend configuration. The backend was previously \
                                 configured at {}.",
                                first.decl_range
                            );
                            self.error("Duplicate backend configuration", detail, decl_range);
                            continue;
                        }
                        let type_name = label(&b, 0).to_string();
                        let body = self.body(b.body);
                        backend = Some(Backend {
                            type_name,
                            body,
                            decl_range,
                        });
                    }
                    _ => self.unsupported_block(&b, FLINKFORM_BLOCKS, FLINKFORM_ATTRS),
                },
            }
        }
        let required_version = required_version.and_then(|a| {
            let constraint = self.constant_string(&a.value)?;
            let range = self.range(a.value.span());
            let version = env!("CARGO_PKG_VERSION");
            match constraint_allows(&constraint, version) {
                Ok(true) => {}
                Ok(false) => self.error(
                    "Unsupported flinkform version",
                    format!(
                        "This configuration does not support flinkform version {version}. To proceed, either choose \
                         another supported flinkform version or update this version constraint. Version \
                         constraints are normally set for good reason, so updating the constraint may lead to other \
                         errors or unexpected behavior."
                    ),
                    range,
                ),
                Err(_) => {
                    self.error("Invalid version constraint", "This string does not use correct version constraint syntax.", range)
                }
            }
            Some(constraint)
        });
        Some((
            Settings {
                required_version,
                backend,
            },
            decl_range,
        ))
    }
}
