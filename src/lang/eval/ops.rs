//! Unary and binary operators, as HCL's `BinaryOpExpr` / `UnaryOpExpr` with cty's stdlib
//! operator functions: operands convert to the operator's parameter type, a null operand is an
//! error, an unknown operand gives an unknown result, marks flow to the result.

use std::ops::Range;

use hcl_edit::expr::{BinaryOp, BinaryOperator, UnaryOp, UnaryOperator};
use hcl_edit::Span;

use super::{Evaluator, Frame, Res};
use crate::diagnostics::Diagnostics;
use crate::lang::convert::convert;
use crate::lang::{Type, Value, ValueKind};

impl Evaluator<'_> {
    pub(super) fn unary(&self, op: &UnaryOp, frames: Option<&Frame<'_>>) -> Res {
        let operator = *op.operator.value();
        let param = match operator {
            UnaryOperator::Neg => Type::Number,
            UnaryOperator::Not => Type::Bool,
        };
        let value = self.eval(&op.expr, frames)?;
        let value = convert(value, &param).map_err(|e| {
            self.error(
                "Invalid operand",
                format!("Unsuitable value for unary operand: {}.", e.message),
                op.expr.span(),
            )
        })?;
        let (value, sensitive) = value.unmark();
        if value.is_null() {
            return Err(self.operation_failed("argument must not be null", op.span()));
        }
        let result = match (operator, value.kind()) {
            (_, ValueKind::Unknown(_)) => Value::unknown(param),
            (UnaryOperator::Neg, ValueKind::Number(n)) => Value::number(-n),
            (UnaryOperator::Not, ValueKind::Bool(b)) => Value::bool(!b),
            _ => Value::unknown(param),
        };
        Ok(result.mark_sensitive_if(sensitive))
    }

    pub(super) fn binary(&self, op: &BinaryOp, frames: Option<&Frame<'_>>) -> Res {
        use BinaryOperator as B;
        let operator = *op.operator.value();
        let param = match operator {
            B::And | B::Or => Some(Type::Bool),
            B::Eq | B::NotEq => None,
            _ => Some(Type::Number),
        };
        // An operand that failed is an unknown placeholder, as in HCL, so that `&&` and `||`
        // can still decide from the other one.
        let split = |r: Res| match r {
            Ok(v) => (v, None),
            Err(d) => (Value::unknown(Type::Dynamic), Some(d)),
        };
        let (lhs, lhs_diags) = split(self.eval(&op.lhs_expr, frames));
        let (rhs, rhs_diags) = split(self.eval(&op.rhs_expr, frames));

        let mut conversion_diags = Diagnostics::new();
        let mut convert_operand = |v: Value, side: &str, span: Option<Range<usize>>| match &param {
            None => v,
            Some(ty) => match convert(v, ty) {
                Ok(v) => v,
                Err(e) => {
                    conversion_diags.extend(self.error(
                        "Invalid operand",
                        format!("Unsuitable value for {side} operand: {}.", e.message),
                        span,
                    ));
                    Value::unknown(ty.clone())
                }
            },
        };
        let lhs = convert_operand(lhs, "left", op.lhs_expr.span());
        let rhs = convert_operand(rhs, "right", op.rhs_expr.span());
        if conversion_diags.has_errors() {
            conversion_diags.extend(lhs_diags.unwrap_or_default());
            conversion_diags.extend(rhs_diags.unwrap_or_default());
            return Err(conversion_diags);
        }

        let (lhs, lhs_sensitive) = lhs.unmark();
        let (rhs, rhs_sensitive) = rhs.unmark();
        let sensitive = lhs_sensitive || rhs_sensitive;

        if matches!(operator, B::And | B::Or) {
            if let Some(result) = short_circuit(operator, &lhs, &rhs, &lhs_diags, &rhs_diags) {
                return result.map(|v| v.mark_sensitive_if(sensitive));
            }
        }
        if lhs_diags.is_some() || rhs_diags.is_some() {
            let mut diags = lhs_diags.unwrap_or_default();
            diags.extend(rhs_diags.unwrap_or_default());
            return Err(diags);
        }

        let result = match operator {
            B::Eq | B::NotEq => {
                // Equality looks inside collections, so nested marks count too.
                let deep = lhs.contains_sensitive() || rhs.contains_sensitive();
                let result = match equals(&lhs, &rhs) {
                    Some(eq) => Value::bool(eq == (operator == B::Eq)),
                    None => Value::unknown(Type::Bool),
                };
                return Ok(result.mark_sensitive_if(sensitive || deep));
            }
            _ if lhs.is_null() || rhs.is_null() => {
                return Err(self.operation_failed("argument must not be null", op.span()));
            }
            B::And | B::Or => match (lhs.as_bool(), rhs.as_bool()) {
                (Some(a), Some(b)) => Value::bool(if operator == B::And { a && b } else { a || b }),
                _ => Value::unknown(Type::Bool),
            },
            _ => match (lhs.as_number(), rhs.as_number()) {
                (Some(a), Some(b)) => {
                    arithmetic(operator, a, b).map_err(|m| self.operation_failed(m, op.span()))?
                }
                _ if matches!(operator, B::Less | B::LessEq | B::Greater | B::GreaterEq) => {
                    Value::unknown(Type::Bool)
                }
                _ => Value::unknown(Type::Number),
            },
        };
        Ok(result.mark_sensitive_if(sensitive))
    }

    fn operation_failed(&self, message: &str, span: Option<Range<usize>>) -> Diagnostics {
        self.error(
            "Operation failed",
            format!("Error during operation: {message}."),
            span,
        )
    }
}

/// HCL's short-circuit rules for `&&` and `||`: a known controlling operand decides the result
/// even if the other is unknown or failed (its diagnostics are then dropped); `None` means
/// evaluate normally. Null counts as false here, as in HCL.
fn short_circuit(
    operator: BinaryOperator,
    lhs: &Value,
    rhs: &Value,
    lhs_diags: &Option<Diagnostics>,
    rhs_diags: &Option<Diagnostics>,
) -> Option<Res> {
    let is_true = |v: &Value| v.as_bool() == Some(true);
    let is_false = |v: &Value| v.is_known() && !is_true(v);
    let unknown = || Value::unknown(Type::Bool);
    let or_diags = |diags: &Option<Diagnostics>| match diags {
        Some(d) => Err(d.clone()),
        None => Ok(unknown()),
    };
    if !lhs.is_known() && !rhs.is_known() {
        // Both unknown: the left operand decides, unless it failed (then both report).
        return lhs_diags.is_none().then(|| Ok(unknown()));
    }
    // The value that decides on its own: false for `&&`, true for `||`.
    let decides = |v: &Value| {
        if operator == BinaryOperator::And {
            is_false(v)
        } else {
            is_true(v)
        }
    };
    let passes = |v: &Value| {
        if operator == BinaryOperator::And {
            is_true(v)
        } else {
            is_false(v)
        }
    };
    let decided = Value::bool(operator == BinaryOperator::Or);
    if lhs.is_known() && decides(lhs) {
        return Some(Ok(decided));
    }
    if rhs.is_known() && decides(rhs) {
        return Some(Ok(decided));
    }
    if !lhs.is_known() && passes(rhs) {
        return Some(or_diags(lhs_diags));
    }
    if !rhs.is_known() && passes(lhs) {
        return Some(or_diags(rhs_diags));
    }
    None
}

/// Equality as cty's `Equals`: unknown when either side holds an unknown, except that a known
/// non-null value never equals an unknown of a different (fully known) type.
fn equals(lhs: &Value, rhs: &Value) -> Option<bool> {
    match (lhs.is_known(), rhs.is_known()) {
        (true, false) | (false, true) => {
            let (known, unknown) = if lhs.is_known() {
                (lhs, rhs)
            } else {
                (rhs, lhs)
            };
            let (kt, ut) = (known.ty(), unknown.ty());
            if !known.is_null() && !kt.has_dynamic() && !ut.has_dynamic() && kt != ut {
                Some(false)
            } else {
                None
            }
        }
        _ => lhs.equals(rhs),
    }
}

/// Number operators with cty's results: division by zero is an infinity, `x % 0` is `x`, and
/// the undefined cases (which cty's `big.Float` panics on) are errors worded as cty's.
fn arithmetic(operator: BinaryOperator, a: f64, b: f64) -> Result<Value, &'static str> {
    use BinaryOperator as B;
    let number = |n: f64, undefined: &'static str| {
        if n.is_nan() {
            Err(undefined)
        } else {
            Ok(Value::number(n))
        }
    };
    match operator {
        B::Plus => number(a + b, "can't compute sum of opposing infinities"),
        B::Minus => number(a - b, "can't subtract infinity from itself"),
        B::Mul => number(a * b, "can't multiply zero by infinity"),
        B::Div => number(a / b, "can't divide zero by zero or infinity by infinity"),
        B::Mod => {
            // cty multiplies when either side is infinite, to get an infinity of the right sign.
            const UNDEFINED: &str = "can't use modulo with zero and infinity";
            if a.is_infinite() || b.is_infinite() {
                number(a * b, UNDEFINED)
            } else if b == 0.0 {
                Ok(Value::number(a))
            } else {
                number(a % b, UNDEFINED)
            }
        }
        B::Less => Ok(Value::bool(a < b)),
        B::LessEq => Ok(Value::bool(a <= b)),
        B::Greater => Ok(Value::bool(a > b)),
        B::GreaterEq => Ok(Value::bool(a >= b)),
        B::Eq | B::NotEq | B::And | B::Or => Err("not an arithmetic operator"),
    }
}
