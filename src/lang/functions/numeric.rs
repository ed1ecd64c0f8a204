//! Numeric functions: abs ceil floor log max min parseint pow signum.

use super::{arg_err, err, ret_number, Args, FuncError, Param, Spec, ANY, NUM, P};
use crate::lang::Value;

pub(super) const SPECS: &[Spec] = &[
    Spec::new("abs", &[NUM], ret_number, |a| {
        Ok(Value::number(a.num(0).abs()))
    }),
    Spec::new("ceil", &[NUM], ret_number, |a| {
        Ok(Value::number(a.num(0).ceil()))
    }),
    Spec::new("floor", &[NUM], ret_number, |a| {
        Ok(Value::number(a.num(0).floor()))
    }),
    Spec::new("log", &[NUM, NUM], ret_number, |a| {
        Ok(Value::number(a.num(0).ln() / a.num(1).ln()))
    }),
    Spec::new("pow", &[NUM, NUM], ret_number, |a| {
        Ok(Value::number(a.num(0).powf(a.num(1))))
    }),
    Spec::new("signum", &[NUM], ret_number, signum),
    Spec::new("max", &[], ret_number, |a| extreme(a, f64::max)).variadic(Param::of(P::Number)),
    Spec::new("min", &[], ret_number, |a| extreme(a, f64::min)).variadic(Param::of(P::Number)),
    Spec::new("parseint", &[ANY, NUM], ret_number, parseint),
];

fn signum(a: Args) -> Result<Value, FuncError> {
    let n = a.num(0);
    Ok(Value::number(if n > 0.0 {
        1.0
    } else if n < 0.0 {
        -1.0
    } else {
        0.0
    }))
}

fn extreme(a: Args, pick: fn(f64, f64) -> f64) -> Result<Value, FuncError> {
    let mut nums = a.args.iter().filter_map(Value::as_number);
    let first = nums
        .next()
        .ok_or_else(|| err("must pass at least one number"))?;
    Ok(Value::number(nums.fold(first, pick)))
}

fn parseint(a: Args) -> Result<Value, FuncError> {
    let Some(text) = a.get(0).as_str() else {
        return Err(arg_err(
            0,
            format!(
                "first argument must be a string, not {}",
                a.get(0).ty().friendly_name()
            ),
        ));
    };
    let base = a.int(1)?;
    if !(2..=62).contains(&base) {
        return Err(arg_err(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    parse_int(text, base as u32)
        .map(Value::number)
        .ok_or_else(|| {
            arg_err(
                0,
                format!("cannot parse {} as a base {base} integer", a.quote(text)),
            )
        })
}

/// Parses like Go's `big.Int.SetString(s, base)`: optional sign, digits only (no prefix, no `_`);
/// up to base 36 letters are case-insensitive, above it `a-z` are 10-35 and `A-Z` 36-61.
fn parse_int(text: &str, base: u32) -> Option<f64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut exact: Option<u128> = Some(0);
    let mut approx = 0f64;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        exact = exact
            .and_then(|v| v.checked_mul(base as u128))
            .and_then(|v| v.checked_add(d as u128));
        approx = approx * base as f64 + d as f64;
    }
    let magnitude = exact.map(|v| v as f64).unwrap_or(approx);
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn basics() {
        assert_eq!(show("abs", vec![n(-12.4)]), "12.4");
        assert_eq!(show("abs", vec![n(0.0)]), "0");
        assert_eq!(show("ceil", vec![n(5.1)]), "6");
        assert_eq!(show("ceil", vec![n(5.0)]), "5");
        assert_eq!(show("floor", vec![n(4.9)]), "4");
        assert_eq!(show("floor", vec![n(-4.1)]), "-5");
        assert_eq!(show("log", vec![n(50.0), n(10.0)]), "1.6989700043360185");
        assert_eq!(show("log", vec![n(16.0), n(2.0)]), "4");
        assert_eq!(show("pow", vec![n(3.0), n(2.0)]), "9");
        assert_eq!(show("pow", vec![n(4.0), n(0.0)]), "1");
        assert_eq!(show("signum", vec![n(-13.0)]), "-1");
        assert_eq!(show("signum", vec![n(0.0)]), "0");
        assert_eq!(show("signum", vec![n(344.0)]), "1");
        assert_eq!(show("max", vec![n(12.0), n(54.0), n(3.0)]), "54");
        assert_eq!(show("min", vec![n(12.0), n(54.0), n(3.0)]), "3");
        assert_eq!(show("max", vec![s("7"), n(2.0)]), "7");
        assert_eq!(show("min", vec![]), "error: must pass at least one number");
    }

    #[test]
    fn parseint_bases() {
        assert_eq!(show("parseint", vec![s("100"), n(10.0)]), "100");
        assert_eq!(show("parseint", vec![s("FF"), n(16.0)]), "255");
        assert_eq!(show("parseint", vec![s("-10"), n(16.0)]), "-16");
        assert_eq!(
            show("parseint", vec![s("1011111011101111"), n(2.0)]),
            "48879"
        );
        assert_eq!(show("parseint", vec![s("aA"), n(62.0)]), "656");
        assert_eq!(
            show("parseint", vec![s("12"), n(2.0)]),
            "error: Invalid value for argument 1: cannot parse \"12\" as a base 2 integer"
        );
        assert_eq!(
            show("parseint", vec![s("0x10"), n(16.0)]),
            "error: Invalid value for argument 1: cannot parse \"0x10\" as a base 16 integer"
        );
        assert_eq!(show("parseint", vec![s("1"), n(63.0)]), "error: Invalid value for argument 2: base must be a whole number between 2 and 62 inclusive");
        assert_eq!(
            show("parseint", vec![n(1.0), n(10.0)]),
            "error: Invalid value for argument 1: first argument must be a string, not number"
        );
        assert_eq!(show("parseint", vec![secret("zz"), n(10.0)]), "error: Invalid value for argument 1: cannot parse (sensitive value) as a base 10 integer");
    }

    #[test]
    fn unknown_and_sensitive() {
        assert_eq!(show("abs", vec![unknown_str()]), "(known after apply)");
        assert_eq!(
            show(
                "max",
                vec![
                    n(1.0),
                    crate::lang::Value::unknown(crate::lang::Type::Number)
                ]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("abs", vec![n(-1.0).mark_sensitive()]),
            "(sensitive value)"
        );
        assert_eq!(
            show("abs", vec![s("x")]),
            "error: Invalid value for argument 1: a number is required"
        );
    }
}
