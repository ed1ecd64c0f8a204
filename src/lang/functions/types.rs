//! Type conversion functions (tobool tolist tomap tonumber toset tostring) and the sensitivity
//! functions (sensitive nonsensitive issensitive).

use super::{arg_err, ret_bool, ret_dynamic, Args, FuncError, Spec, ANY};
use crate::lang::convert::{convert, friendly_constraint_name, type_mismatch};
use crate::lang::{Type, Value, ValueKind};

const CONVERTIBLE: super::Param = ANY.null().unknown().marked();

pub(super) const SPECS: &[Spec] = &[
    Spec::new("tobool", &[CONVERTIBLE], ret_dynamic, |a| to(a, Type::Bool)),
    Spec::new("tonumber", &[CONVERTIBLE], ret_dynamic, |a| {
        to(a, Type::Number)
    }),
    Spec::new("tostring", &[CONVERTIBLE], ret_dynamic, |a| {
        to(a, Type::String)
    }),
    Spec::new("tolist", &[CONVERTIBLE], ret_dynamic, |a| {
        to(a, Type::list(Type::Dynamic))
    }),
    Spec::new("toset", &[CONVERTIBLE], ret_dynamic, |a| {
        to(a, Type::set(Type::Dynamic))
    }),
    Spec::new("tomap", &[CONVERTIBLE], ret_dynamic, |a| {
        to(a, Type::map(Type::Dynamic))
    }),
    Spec::new("sensitive", &[CONVERTIBLE], ret_dynamic, |a| {
        Ok(a.get(0).clone().mark_sensitive())
    })
    .handles_marks(),
    Spec::new("nonsensitive", &[CONVERTIBLE], ret_dynamic, |a| {
        Ok(a.get(0).clone().unmark().0)
    })
    .handles_marks(),
    Spec::new("issensitive", &[CONVERTIBLE], ret_bool, issensitive).handles_marks(),
];

/// Explicit conversion, with the messages Terraform gives for `to*` functions.
fn to(a: Args, want: Type) -> Result<Value, FuncError> {
    let value = a.get(0).clone();
    let sensitive = a.sensitive || value.contains_sensitive();
    let got = value.ty();
    let wanted = friendly_constraint_name(&want);
    if let Some(mismatch) = type_mismatch(&got, &want) {
        return Err(arg_err(
            0,
            match (&got, &want) {
                (Type::Tuple(_), Type::Tuple(_)) => {
                    format!("incompatible tuple type for conversion: {mismatch}")
                }
                (Type::Object(_), Type::Object(_)) => {
                    format!("incompatible object type for conversion: {mismatch}")
                }
                _ => format!("cannot convert {} to {wanted}", got.friendly_name()),
            },
        ));
    }
    convert(value.clone(), &want).map_err(|_| {
        let message = match (value.kind(), &want) {
            _ if sensitive => format!("cannot convert this sensitive {} to {wanted}", got.friendly_name()),
            (ValueKind::String(s), Type::Bool) => format!(
                "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                super::go_quote(s)
            ),
            (ValueKind::String(s), Type::Number) => format!(
                "cannot convert {} to number; given string must be a decimal representation of a number",
                super::go_quote(s)
            ),
            _ => format!("cannot convert {} to {wanted}", got.friendly_name()),
        };
        arg_err(0, message)
    })
}

fn issensitive(a: Args) -> Result<Value, FuncError> {
    let v = a.get(0);
    if v.is_sensitive() {
        return Ok(Value::bool(true));
    }
    // An unknown value may still turn out to be sensitive.
    Ok(if v.is_known() {
        Value::bool(false)
    } else {
        Value::unknown(Type::Bool)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::lang::{Type, Value, ValueKind};

    #[test]
    fn conversions() {
        assert_eq!(show("tobool", vec![s("true")]), "true");
        assert_eq!(show("tobool", vec![b(false)]), "false");
        assert_eq!(show("tobool", vec![Value::null()]), "null");
        assert_eq!(
            show("tobool", vec![s("yes")]),
            r#"error: Invalid value for argument 1: cannot convert "yes" to bool; only the strings "true" or "false" are allowed"#
        );
        assert_eq!(
            show("tobool", vec![n(1.0)]),
            "error: Invalid value for argument 1: cannot convert number to bool"
        );
        assert_eq!(show("tonumber", vec![s("1")]), "1");
        assert_eq!(show("tonumber", vec![s("1.5e3")]), "1500");
        assert_eq!(
            show("tonumber", vec![s("0x10")]),
            r#"error: Invalid value for argument 1: cannot convert "0x10" to number; given string must be a decimal representation of a number"#
        );
        assert_eq!(
            show("tonumber", vec![b(true)]),
            "error: Invalid value for argument 1: cannot convert bool to number"
        );
        assert_eq!(show("tostring", vec![n(5.0)]), r#""5""#);
        assert_eq!(show("tostring", vec![b(true)]), r#""true""#);
        assert_eq!(show("tostring", vec![Value::null()]), "null");
        assert_eq!(
            show("tostring", vec![tup(vec![])]),
            "error: Invalid value for argument 1: cannot convert tuple to string"
        );
        assert_eq!(
            show("tolist", vec![tup(vec![s("a"), n(1.0)])]),
            r#"["a", "1"]"#
        );
        assert!(matches!(
            run("tolist", vec![strs(&["a"])]).unwrap().kind(),
            ValueKind::List(_)
        ));
        assert_eq!(
            show("tolist", vec![tup(vec![s("a"), tup(vec![])])]),
            "error: Invalid value for argument 1: cannot convert tuple to list of any single type"
        );
        assert_eq!(show("toset", vec![strs(&["c", "b", "b"])]), r#"["b", "c"]"#);
        assert!(matches!(
            run("toset", vec![strs(&["a"])]).unwrap().kind(),
            ValueKind::Set(_)
        ));
        assert_eq!(
            show("tomap", vec![obj(&[("a", n(1.0)), ("b", s("x"))])]),
            r#"{ a = "1", b = "x" }"#
        );
        assert_eq!(
            show("tomap", vec![obj(&[("a", n(1.0)), ("b", tup(vec![]))])]),
            "error: Invalid value for argument 1: cannot convert object to map of any single type"
        );
        assert_eq!(
            show("tomap", vec![s("x")]),
            "error: Invalid value for argument 1: cannot convert string to map of any single type"
        );
    }

    #[test]
    fn unknowns_and_marks() {
        assert_eq!(
            run("tostring", vec![unknown_str()]).unwrap(),
            Value::unknown(Type::String)
        );
        assert_eq!(
            run("tonumber", vec![Value::unknown(Type::Dynamic)]).unwrap(),
            Value::unknown(Type::Number)
        );
        let partly = run("tolist", vec![tup(vec![s("a"), unknown_str()])]).unwrap();
        assert_eq!(partly.to_string(), r#"["a", (known after apply)]"#);
        let v = run("tostring", vec![n(1.0).mark_sensitive()]).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(
            show("tonumber", vec![secret("x")]),
            "error: Invalid value for argument 1: cannot convert this sensitive string to number"
        );
        // Marks on elements stay on the elements.
        let l = run("tolist", vec![tup(vec![s("a"), secret("b")])]).unwrap();
        assert!(!l.is_sensitive() && l.as_seq().unwrap()[1].is_sensitive());
    }

    #[test]
    fn sensitivity_functions() {
        assert_eq!(show("sensitive", vec![s("x")]), "(sensitive value)");
        assert_eq!(show("nonsensitive", vec![secret("x")]), r#""x""#);
        assert_eq!(show("nonsensitive", vec![s("x")]), r#""x""#);
        assert_eq!(show("issensitive", vec![secret("x")]), "true");
        assert_eq!(show("issensitive", vec![s("x")]), "false");
        assert_eq!(
            show("issensitive", vec![unknown_str()]),
            "(known after apply)"
        );
    }
}
