//! Input variable values: where they come from, in which order they win, and their conversion.
//!
//! Precedence, lowest first (later wins), as in Terraform: `FLINKFORM_VAR_<name>` environment
//! variables, then `*.auto.vars` files in the configuration directory in lexical order, then
//! `--var-file` and `--var` options in command-line order.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Structure;
use hcl_edit::Span;

use super::loader::{display_path, syntax_error};
use super::{Module, Variable};
use crate::addrs::Referenceable;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, SourceMap, SourceRange};
use crate::lang::convert::convert;
use crate::lang::eval::{eval_expr, EvalScope};
use crate::lang::{FuncContext, Type, Value};

/// Prefix of the environment variables that set root input variables.
pub const ENV_PREFIX: &str = "FLINKFORM_VAR_";

/// Suffix of the variables files read automatically from the configuration directory.
pub const AUTO_VARS_SUFFIX: &str = ".auto.vars";

/// A `--var name=value` or `--var-file FILE` option, in command-line order.
#[derive(Clone, Debug, PartialEq)]
pub enum VarArg {
    Var(String),
    VarFile(PathBuf),
}

/// Where a variable's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueSource {
    Env,
    AutoFile,
    VarFile,
    CliArg,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    /// Text from an environment variable or `--var`: a literal string, or an HCL expression
    /// when the variable's type is not primitive.
    Text(String),
    /// A value evaluated from a variables file.
    Value(Value),
}

/// One value given for a root input variable.
#[derive(Clone, Debug, PartialEq)]
pub struct RawVariable {
    pub name: String,
    pub value: RawValue,
    pub source: ValueSource,
    /// The value's expression, for values from files.
    pub range: Option<SourceRange>,
}

/// Every value given for root input variables, lowest precedence first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawVariables(pub Vec<RawVariable>);

impl RawVariables {
    /// The winning value for each variable name.
    pub fn effective(&self) -> HashMap<&str, &RawVariable> {
        let mut last = HashMap::with_capacity(self.0.len());
        for raw in &self.0 {
            last.insert(raw.name.as_str(), raw);
        }
        last
    }
}

/// Collects the values given for the root module's variables: from `env` (pairs of name and
/// value, e.g. `std::env::vars()`), the `*.auto.vars` files of the root module's directory, and
/// `args`. Files read are added to `sources`. Values for undeclared variables are an error when
/// given with `--var`, a warning in files, and ignored in the environment.
pub fn collect_raw_variables(
    root: &Module,
    env: impl IntoIterator<Item = (String, String)>,
    args: &[VarArg],
    sources: &mut SourceMap,
) -> (RawVariables, Diagnostics) {
    let mut raw = RawVariables::default();
    let mut diags = Diagnostics::new();

    let mut from_env: Vec<(String, String)> = env
        .into_iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(ENV_PREFIX)?;
            (!name.is_empty()).then(|| (name.to_string(), v))
        })
        .collect();
    from_env.sort();
    for (name, text) in from_env {
        if root.variables.contains_key(&name) {
            raw.0.push(RawVariable {
                name,
                value: RawValue::Text(text),
                source: ValueSource::Env,
                range: None,
            });
        }
    }

    let mut auto_files: Vec<PathBuf> = match std::fs::read_dir(&root.dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.ends_with(AUTO_VARS_SUFFIX) && !name.starts_with('.') && e.path().is_file()
            })
            .map(|e| e.path())
            .collect(),
        Err(_) => Vec::new(),
    };
    auto_files.sort();
    for path in auto_files {
        read_vars_file(
            root,
            &path,
            ValueSource::AutoFile,
            &mut raw,
            &mut diags,
            sources,
        );
    }

    for arg in args {
        match arg {
            VarArg::VarFile(path) => read_vars_file(
                root,
                path,
                ValueSource::VarFile,
                &mut raw,
                &mut diags,
                sources,
            ),
            VarArg::Var(text) => {
                let Some((name, value)) = text.split_once('=') else {
                    diags.push(Diagnostic::error(
                        "Invalid --var option",
                        format!(
                            "The given --var option {text:?} is not correctly specified. Must be a variable name \
                             and value separated by an equals sign, like --var=\"key=value\"."
                        ),
                    ));
                    continue;
                };
                if name.ends_with(' ') {
                    diags.push(Diagnostic::error(
                        "Invalid --var option",
                        format!(
                            "Variable name {name:?} is invalid due to trailing space. Did you mean --var=\"{}={}\"?",
                            name.trim_end(),
                            value.trim_start()
                        ),
                    ));
                    continue;
                }
                if !root.variables.contains_key(name) {
                    diags.push(Diagnostic::error(
                        "Value for undeclared variable",
                        format!(
                            "A variable named \"{name}\" was assigned on the command line, but the root module does \
                             not declare a variable of that name. To use this value, add a \"variable\" block to the \
                             configuration."
                        ),
                    ));
                    continue;
                }
                raw.0.push(RawVariable {
                    name: name.to_string(),
                    value: RawValue::Text(value.to_string()),
                    source: ValueSource::CliArg,
                    range: None,
                });
            }
        }
    }
    (raw, diags)
}

/// Reads a variables file: attributes `name = value`, each value a constant expression.
fn read_vars_file(
    root: &Module,
    path: &Path,
    source: ValueSource,
    raw: &mut RawVariables,
    diags: &mut Diagnostics,
    sources: &mut SourceMap,
) {
    let shown = display_path(path);
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            diags.push(Diagnostic::error(
                "Failed to read variables file",
                format!("Given variables file {shown} does not exist."),
            ));
            return;
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                "Failed to read variables file",
                format!("Error while reading {shown}: {e}."),
            ));
            return;
        }
    };
    let file = SourceFile::new(shown.as_str(), text);
    sources.insert(file.clone());
    let body = match hcl_edit::parser::parse_body(&file.text) {
        Ok(b) => b,
        Err(e) => {
            diags.push(syntax_error(&file, &e));
            return;
        }
    };
    for structure in body {
        match structure {
            Structure::Attribute(attr) => {
                let name = attr.key.as_str();
                let range = file.range(attr.value.span().unwrap_or(0..0));
                let name_range = file.range(attr.key.span().unwrap_or(0..0));
                if !root.variables.contains_key(name) {
                    diags.push(
                        Diagnostic::warning(
                            "Value for undeclared variable",
                            format!(
                                "The root module does not declare a variable named \"{name}\" but a value was found \
                                 in file \"{shown}\". If you meant to use this value, add a \"variable\" block to \
                                 the configuration.\n\nTo silence these warnings, use {ENV_PREFIX}... environment \
                                 variables to provide certain \"global\" settings to all configurations in your \
                                 organization."
                            ),
                        )
                        .with_subject(name_range),
                    );
                    continue;
                }
                match eval_constant(&attr.value, &file) {
                    Ok(value) => raw.0.push(RawVariable {
                        name: name.to_string(),
                        value: RawValue::Value(value),
                        source,
                        range: Some(range),
                    }),
                    Err(e) => diags.extend(e),
                }
            }
            Structure::Block(block) => diags.push(
                Diagnostic::error(
                    format!("Unexpected \"{}\" block", block.ident.as_str()),
                    "Blocks are not allowed here.",
                )
                .with_subject(file.range(block.ident.span().unwrap_or(0..0))),
            ),
        }
    }
}

/// How a value given outside of files is described in errors.
fn non_file_source(name: &str, source: ValueSource) -> Option<String> {
    match source {
        ValueSource::Env => Some(format!(
            "set using the {ENV_PREFIX}{name} environment variable"
        )),
        ValueSource::CliArg => Some(format!("set using --var=\"{name}=...\"")),
        ValueSource::AutoFile | ValueSource::VarFile => None,
    }
}

/// The final values of the root module's input variables: given values (`raw`, from
/// [`collect_raw_variables`]) or defaults, converted to their type constraints, checked against
/// `nullable` and validation rules, and marked sensitive where declared so.
pub fn resolve_root_variables(
    root: &Module,
    raw: &RawVariables,
) -> Result<BTreeMap<String, Value>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut values = BTreeMap::new();
    let given = raw.effective();
    for (name, var) in &root.variables {
        let context = format!("variable \"{name}\"");
        let before = diags.len();
        if let Some(value) = resolve_one(var, given.get(name.as_str()).copied(), &mut diags) {
            diags.extend(check_validations(var, &value));
            values.insert(name.clone(), value);
        }
        // The "in variable ..." context only applies inside the declaration's file.
        for d in &mut diags.0[before..] {
            let in_declaration = d
                .subject
                .as_ref()
                .is_some_and(|s| s.file == var.decl_range.file);
            if d.context.is_none() && in_declaration {
                d.context = Some(context.clone());
            }
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(values)
    }
}

fn resolve_one(
    var: &Variable,
    given: Option<&RawVariable>,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let name = &var.name;
    let default = match &var.default {
        Some(d) => match eval_constant(&d.expr, &d.file) {
            Ok(v) => Some(v),
            Err(e) => {
                diags.extend(e);
                return None;
            }
        },
        None => None,
    };
    let Some(given) = given else {
        let Some(default) = default else {
            diags.push(
                Diagnostic::error(
                    "No value for required variable",
                    format!(
                        "The root module input variable \"{name}\" is not set, and has no default value. Use a \
                         --var or --var-file command line argument to provide a value for this variable."
                    ),
                )
                .with_subject(var.decl_range.clone()),
            );
            return None;
        };
        let range = var.default.as_ref().map(|d| d.range());
        return finish(var, default, None, range, diags);
    };
    let value = match &given.value {
        RawValue::Value(v) => v.clone(),
        RawValue::Text(text) => match parse_text_value(var, text, given.source) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d.with_subject_opt(Some(var.decl_range.clone())));
                return None;
            }
        },
    };
    let value = match default {
        // A non-nullable variable set to null takes its default.
        Some(default) if value.is_null() && !var.nullable => default,
        _ => value,
    };
    finish(var, value, Some(given.source), given.range.clone(), diags)
}

/// Converts, applies `nullable`, and marks the value.
fn finish(
    var: &Variable,
    value: Value,
    source: Option<ValueSource>,
    range: Option<SourceRange>,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let name = &var.name;
    let outside = source.and_then(|s| non_file_source(name, s));
    let value = match var.type_constraint.convert(value) {
        Ok(v) => v,
        Err(e) => {
            let (detail, subject) = if let Some(how) = &outside {
                (
                    format!("Unsuitable value for var.{name} {how}: {e}."),
                    var.decl_range.clone(),
                )
            } else if let Some(r) = &range {
                if var.sensitive {
                    (
                        format!(
                            "The given value is not suitable for var.{name}, which is sensitive: {e}. Invalid \
                             value defined at {r}."
                        ),
                        var.decl_range.clone(),
                    )
                } else {
                    (
                        format!(
                            "The given value is not suitable for var.{name} declared at {}: {e}.",
                            var.decl_range
                        ),
                        r.clone(),
                    )
                }
            } else {
                (
                    format!("Unsuitable value for var.{name}: {e}."),
                    var.decl_range.clone(),
                )
            };
            diags.push(
                Diagnostic::error("Invalid value for input variable", detail).with_subject(subject),
            );
            return None;
        }
    };
    if value.is_null() && !var.nullable {
        let (detail, subject) = match (&outside, &range) {
            (Some(how), _) => (
                format!("Unsuitable value for var.{name} {how}: required variable may not be set to null."),
                var.decl_range.clone(),
            ),
            (None, Some(r)) => (
                format!(
                    "The given value is not suitable for var.{name} defined at {}: required variable may not be set \
                     to null.",
                    var.decl_range
                ),
                r.clone(),
            ),
            (None, None) => (
                format!("The variable \"{name}\" is required, but is not set."),
                var.decl_range.clone(),
            ),
        };
        diags.push(Diagnostic::error("Required variable not set", detail).with_subject(subject));
        return None;
    }
    Some(value.mark_sensitive_if(var.sensitive))
}

fn how_or_default(how: &Option<String>) -> &str {
    how.as_deref()
        .unwrap_or("set from outside of the configuration")
}

/// Text from the environment or `--var`: the literal string for primitive (or unset) types,
/// an HCL expression for complex types, as Terraform does.
fn parse_text_value(
    var: &Variable,
    text: &str,
    source: ValueSource,
) -> Result<Value, Box<Diagnostic>> {
    let ty = &var.type_constraint.ty;
    if ty.is_primitive() || *ty == Type::Dynamic {
        return Ok(Value::string(text));
    }
    let name = &var.name;
    let how = non_file_source(name, source);
    let how = how_or_default(&how);
    let file = SourceFile::new(format!("<value for var.{name}>"), text.to_string());
    let expr = hcl_edit::parser::parse_expr(text).map_err(|e| {
        Box::new(Diagnostic::error(
            "Invalid value for input variable",
            format!(
                "The value for var.{name} {how} is not a valid expression: {}.",
                e.message()
            ),
        ))
    })?;
    eval_constant(&expr, &file).map_err(|d| {
        let reason = d
            .iter()
            .next()
            .map(|d| d.detail.clone())
            .unwrap_or_default();
        Box::new(Diagnostic::error(
            "Invalid value for input variable",
            format!("The value for var.{name} {how} cannot be evaluated: {reason}"),
        ))
    })
}

/// Evaluates the variable's validation rules against `value`, with only `var.<name>` in scope.
/// A condition that is not known yet is skipped.
pub fn check_validations(var: &Variable, value: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if var.validations.is_empty() {
        return diags;
    }
    let scope = ValidationScope {
        name: &var.name,
        value,
        ctx: constant_context(),
    };
    for rule in &var.validations {
        let cond = &rule.condition;
        let result = match eval_expr(&cond.expr, &cond.file, &scope) {
            Ok(v) => v,
            Err(e) => {
                diags.extend(e);
                continue;
            }
        };
        if !result.is_known() {
            continue;
        }
        let (result, _) = result.unmark();
        if result.is_null() {
            diags.push(
                Diagnostic::error(
                    "Invalid variable validation result",
                    "Validation condition expression must return either true or false, not null.",
                )
                .with_subject(cond.range()),
            );
            continue;
        }
        let passed = match convert(result, &Type::Bool) {
            Ok(b) => b.as_bool(),
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        "Invalid variable validation result",
                        format!("Invalid validation condition result value: {}.", e),
                    )
                    .with_subject(cond.range()),
                );
                continue;
            }
        };
        // An unknown converted result is not possible here; treat anything but false as passing.
        if passed != Some(false) {
            continue;
        }
        let message = &rule.error_message;
        let text = match eval_expr(&message.expr, &message.file, &scope) {
            Ok(m) if m.contains_sensitive() => {
                "The error message included a sensitive value, so it will not be displayed."
                    .to_string()
            }
            Ok(m) => match m.as_str() {
                Some(s) => s.to_string(),
                None => match convert(m, &Type::String) {
                    Ok(s) if s.as_str().is_some() => s.as_str().unwrap_or_default().to_string(),
                    _ => "Invalid value for variable.".to_string(),
                },
            },
            Err(e) => {
                diags.extend(e);
                "Failed to evaluate condition error message.".to_string()
            }
        };
        diags.push(
            Diagnostic::error("Invalid value for variable", text)
                .with_subject(cond.range())
                .with_context(format!("variable \"{}\"", var.name)),
        );
    }
    diags
}

/// The function context for constant expressions: relative paths from the working directory.
fn constant_context() -> FuncContext {
    FuncContext {
        base_dir: PathBuf::from("."),
        plan_time: false,
    }
}

/// Sees no references: for values that must be constant (defaults, variables files).
struct ConstantScope {
    ctx: FuncContext,
}

impl EvalScope for ConstantScope {
    fn get(&self, _subject: &Referenceable, range: &SourceRange) -> Result<Value, Diagnostic> {
        Err(
            Diagnostic::error("Variables not allowed", "Variables may not be used here.")
                .with_subject(range.clone()),
        )
    }
    fn func_context(&self) -> &FuncContext {
        &self.ctx
    }
}

/// Evaluates an expression that may not refer to anything (a default, a value in a
/// variables file, an optional attribute's default).
pub fn eval_constant(expr: &Expression, file: &Arc<SourceFile>) -> Result<Value, Diagnostics> {
    eval_expr(
        expr,
        file,
        &ConstantScope {
            ctx: constant_context(),
        },
    )
}

/// Sees only `var.<name>`: for a variable's validation rules.
struct ValidationScope<'a> {
    name: &'a str,
    value: &'a Value,
    ctx: FuncContext,
}

impl EvalScope for ValidationScope<'_> {
    fn get(&self, subject: &Referenceable, range: &SourceRange) -> Result<Value, Diagnostic> {
        match subject {
            Referenceable::InputVariable(n) if n == self.name => Ok(self.value.clone()),
            _ => Err(Diagnostic::error(
                "Invalid reference in variable validation",
                format!(
                    "The condition for variable \"{0}\" can only refer to the variable itself, using var.{0}.",
                    self.name
                ),
            )
            .with_subject(range.clone())),
        }
    }
    fn func_context(&self) -> &FuncContext {
        &self.ctx
    }
}
