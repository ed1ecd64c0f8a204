//! Function calls: argument evaluation with `...` expansion, the special forms `can` and `try`,
//! and function errors as HCL words them.

use std::ops::Range;

use hcl_edit::expr::{Expression, FuncCall};
use hcl_edit::Span;

use super::{diagnostics_message, hcl_range, Evaluator, Frame, Res, Roots};
use crate::diagnostics::Diagnostics;
use crate::lang::functions::{self, FuncError};
use crate::lang::refs::{static_prefix_len, walk_traversals};
use crate::lang::{Type, Value, ValueKind};

/// Arguments after evaluation and expansion, each with the span of the expression it came from.
struct Args {
    values: Vec<Value>,
    spans: Vec<Option<Range<usize>>>,
}

impl Evaluator<'_> {
    pub(super) fn call(&self, call: &FuncCall, frames: Option<&Frame<'_>>) -> Res {
        let name = if call.name.is_namespaced() {
            let mut parts: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
            parts.push(call.name.name.as_str());
            parts.join("::")
        } else {
            call.name.name.as_str().to_string()
        };
        match name.as_str() {
            "can" => return self.call_can(call, frames),
            "try" => return self.call_try(call, frames),
            _ => {}
        }
        let args = match self.call_args(call, frames)? {
            Some(args) => args,
            None => return Ok(Value::unknown(Type::Dynamic)),
        };
        let result = if name == "templatefile" && matches!(self.roots, Roots::Vars(_)) {
            Err(FuncError::Other(
                "cannot recursively call templatefile from inside templatefile call".into(),
            ))
        } else {
            functions::call(&name, args.values, self.ctx)
        };
        result.map_err(|e| self.function_error(&name, e, call, &args.spans))
    }

    /// Evaluates the arguments, expanding a final `...` argument. `None` when the expanded
    /// argument is unknown (so the call's result is unknown too).
    fn call_args(
        &self,
        call: &FuncCall,
        frames: Option<&Frame<'_>>,
    ) -> Result<Option<Args>, Diagnostics> {
        let count = call.args.len();
        let expand = call.args.expand_final();
        let mut args = Args {
            values: Vec::with_capacity(count),
            spans: Vec::with_capacity(count),
        };
        let mut diags = Diagnostics::new();
        for (i, arg) in call.args.iter().enumerate() {
            let Some(value) = diags.take(self.eval(arg, frames)) else {
                continue;
            };
            if !(expand && i + 1 == count) {
                args.values.push(value);
                args.spans.push(arg.span());
                continue;
            }
            let invalid =
                |detail: &str| self.error("Invalid expanding argument value", detail, arg.span());
            let must_not_be_null = "The expanding argument (indicated by ...) must not be null.";
            match value.kind() {
                ValueKind::Null(Type::Dynamic | Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
                    diags.extend(invalid(must_not_be_null));
                }
                ValueKind::Unknown(Type::Dynamic | Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
                    if diags.is_empty() {
                        return Ok(None);
                    }
                }
                ValueKind::List(_) | ValueKind::Set(_) | ValueKind::Tuple(_) => {
                    // The collection's mark goes onto each element.
                    let (value, sensitive) = value.unmark();
                    if let ValueKind::List(elems) | ValueKind::Set(elems) | ValueKind::Tuple(elems) = value.into_kind() {
                        for elem in elems {
                            args.values.push(elem.mark_sensitive_if(sensitive));
                            args.spans.push(arg.span());
                        }
                    }
                }
                _ => diags.extend(invalid("The expanding argument (indicated by ...) must be of a tuple, list, or set type.")),
            }
        }
        if diags.is_empty() {
            Ok(Some(args))
        } else {
            Err(diags)
        }
    }

    /// A function's error as HCL reports it, pointing at the argument it is about.
    fn function_error(
        &self,
        name: &str,
        error: FuncError,
        call: &FuncCall,
        spans: &[Option<Range<usize>>],
    ) -> Diagnostics {
        let with_period = |s: String| if s.ends_with('.') { s } else { format!("{s}.") };
        match error {
            FuncError::Unknown { name, hint } => self.error(
                "Call to unknown function",
                format!("There is no function named \"{name}\".{hint}"),
                call.name.name.span(),
            ),
            FuncError::Arity {
                name,
                expected,
                got,
            } => {
                let wanted = expected
                    .trim_start_matches("at least ")
                    .trim()
                    .parse::<usize>()
                    .ok();
                let too_many = !expected.starts_with("at least") && wanted.is_some_and(|w| got > w);
                let span = match wanted {
                    Some(w) if too_many => spans.get(w).cloned().flatten().or(call.span()),
                    _ => call.span(),
                };
                if too_many {
                    self.error(
                        "Too many function arguments",
                        format!("Function \"{name}\" expects only {expected} argument(s)."),
                        span,
                    )
                } else {
                    self.error(
                        "Not enough function arguments",
                        format!("Function \"{name}\" expects {expected} argument(s)."),
                        span,
                    )
                }
            }
            e @ FuncError::Arg { arg, .. } => {
                let span = spans.get(arg).cloned().flatten().or(call.span());
                self.error(
                    "Invalid function argument",
                    with_period(e.to_string()),
                    span,
                )
            }
            FuncError::Other(message) => self.error(
                "Error in function call",
                with_period(format!("Call to function \"{name}\" failed: {message}")),
                call.name.name.span(),
            ),
        }
    }

    fn arity_error(&self, name: &str, call: &FuncCall, got: usize) -> Diagnostics {
        if got == 0 {
            self.error(
                "Not enough function arguments",
                format!(
                    "Function \"{name}\" expects 1 argument(s). Missing value for \"expression\"."
                ),
                call.span(),
            )
        } else {
            self.error(
                "Too many function arguments",
                format!("Function \"{name}\" expects only 1 argument(s)."),
                call.args.get(1).and_then(|a| a.span()).or(call.span()),
            )
        }
    }

    /// `can(expr)`: whether `expr` evaluates without errors; unknown while it depends on
    /// unknown values.
    fn call_can(&self, call: &FuncCall, frames: Option<&Frame<'_>>) -> Res {
        if call.args.expand_final() {
            // Expanded elements are already values, which always succeed.
            let args = self.call_args(call, frames)?;
            return match args {
                None => Ok(Value::unknown(Type::Bool)),
                Some(a) if a.values.len() == 1 => Ok(Value::bool(true)),
                Some(a) => Err(self.arity_error("can", call, a.values.len())),
            };
        }
        let expr = match (call.args.get(0), call.args.len()) {
            (Some(e), 1) => e,
            (_, n) => return Err(self.arity_error("can", call, n)),
        };
        if self.depends_on_unknowns(expr, frames) {
            return Ok(Value::unknown(Type::Bool));
        }
        Ok(Value::bool(self.eval(expr, frames).is_ok()))
    }

    /// `try(a, b, ...)`: the value of the first argument that evaluates without errors.
    fn call_try(&self, call: &FuncCall, frames: Option<&Frame<'_>>) -> Res {
        let fail = |message: String| {
            self.error(
                "Error in function call",
                format!("Call to function \"try\" failed: {message}."),
                call.name.name.span(),
            )
        };
        if call.args.expand_final() {
            return match self.call_args(call, frames)? {
                None => Ok(Value::unknown(Type::Dynamic)),
                Some(a) => a
                    .values
                    .into_iter()
                    .next()
                    .ok_or_else(|| fail("at least one argument is required".into())),
            };
        }
        if call.args.is_empty() {
            return Err(fail("at least one argument is required".into()));
        }
        let mut diags = Diagnostics::new();
        for arg in call.args.iter() {
            if self.depends_on_unknowns(arg, frames) {
                return Ok(Value::unknown(Type::Dynamic));
            }
            match self.eval(arg, frames) {
                Ok(v) => return Ok(v),
                Err(d) => diags.extend(d),
            }
        }
        let mut message = String::from("no expression succeeded:\n");
        for d in diags.iter() {
            match &d.subject {
                Some(r) => message.push_str(&format!(
                    "- {} (at {})\n  {}\n",
                    d.summary,
                    hcl_range(r),
                    d.detail
                )),
                None => message.push_str(&format!("- {}\n  {}\n", d.summary, d.detail)),
            }
        }
        message.push_str("\nAt least one expression must produce a successful result");
        Err(fail(message))
    }

    /// Whether any static traversal in `expr` leads to a value that is not wholly known, as
    /// HCL's `tryfunc` decides (a traversal that fails is not counted).
    fn depends_on_unknowns(&self, expr: &Expression, frames: Option<&Frame<'_>>) -> bool {
        let mut depends = false;
        walk_traversals(expr, &mut Vec::new(), &mut |root, ops| {
            if depends {
                return;
            }
            let statics = &ops[..static_prefix_len(ops)];
            let value = self
                .root_value(root, statics, frames)
                .and_then(|(v, consumed)| {
                    self.apply_ops(v, statics.get(consumed..).unwrap_or_default(), frames)
                });
            if let Ok(v) = value {
                depends = !v.is_wholly_known();
            }
        });
        depends
    }
}

/// The diagnostics of a failed template evaluation, as one function error message.
pub(super) fn template_failure(diags: &Diagnostics) -> FuncError {
    FuncError::Other(diagnostics_message(diags))
}
