//! Encoding functions: base64decode base64encode csvdecode jsondecode jsonencode urlencode
//! yamldecode yamlencode.

use std::collections::BTreeMap;

use base64::Engine;

use super::{err, ret_dynamic, ret_string, Args, FuncError, Spec, ANY, STR};
use crate::lang::value::format_number;
use crate::lang::{Type, Value, ValueKind};

pub(super) const SPECS: &[Spec] = &[
    Spec::new("base64encode", &[STR], ret_string, |a| {
        Ok(Value::string(BASE64.encode(a.str(0))))
    }),
    Spec::new("base64decode", &[STR], ret_string, base64decode),
    Spec::new("csvdecode", &[STR], ret_csv, csvdecode),
    Spec::new("jsonencode", &[ANY.null()], ret_string, |a| {
        Ok(Value::string(json_encode(a.get(0))))
    }),
    Spec::new("jsondecode", &[STR], ret_dynamic, jsondecode),
    Spec::new("urlencode", &[STR], ret_string, |a| {
        Ok(Value::string(url_query_escape(a.str(0))))
    }),
    Spec::new("yamlencode", &[ANY.null()], ret_string, |a| {
        Ok(Value::string(super::yaml::encode(a.get(0))))
    }),
    Spec::new("yamldecode", &[STR], ret_dynamic, yamldecode),
];

/// Go's `base64.StdEncoding`: padded on output; on input, padding required, trailing bits
/// tolerated.
pub(super) const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

fn ret_csv(_: &[Value]) -> Type {
    Type::list(Type::Dynamic)
}

fn base64decode(a: Args) -> Result<Value, FuncError> {
    let text = a.str(0);
    // Go's decoder skips line breaks.
    let cleaned: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    let bytes = BASE64
        .decode(cleaned.as_bytes())
        .map_err(|_| err(format!("failed to decode base64 data {}", a.quote(text))))?;
    let s = String::from_utf8(bytes)
        .map_err(|_| err("the result of decoding the provided string is not valid UTF-8"))?;
    Ok(Value::string(s))
}

fn csvdecode(a: Args) -> Result<Value, FuncError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(a.str(0).as_bytes());
    let mut records = reader.records();
    let headers = match records.next() {
        None => return Err(err("missing header line")),
        Some(r) => r.map_err(|e| csv_error(&e))?,
    };
    let headers: Vec<String> = headers.iter().map(str::to_string).collect();
    let mut seen = std::collections::BTreeSet::new();
    if let Some(h) = headers.iter().find(|h| !seen.insert(*h)) {
        return Err(err(format!("duplicate column name {}", a.quote(h))));
    }
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(&e))?;
        if record.len() != headers.len() {
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            return Err(err(format!(
                "CSV parse error on line {line}: wrong number of fields"
            )));
        }
        let row: BTreeMap<String, Value> = headers
            .iter()
            .cloned()
            .zip(record.iter().map(Value::string))
            .collect();
        rows.push(Value::object(row));
    }
    Ok(Value::list(rows))
}

fn csv_error(e: &csv::Error) -> FuncError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    err(format!("CSV parse error on line {line}: {e}"))
}

fn jsondecode(a: Args) -> Result<Value, FuncError> {
    let j: serde_json::Value = serde_json::from_str(a.str(0)).map_err(|e| err(json_error(&e)))?;
    Ok(Value::from_json(&j))
}

fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of JSON input".into(),
        _ => format!("invalid JSON: {e}"),
    }
}

/// Encodes as Terraform's `jsonencode`: object keys sorted, no spaces, `<`, `>` and `&`
/// escaped as `\u003c` etc.; unknown values (there are none by the time it runs) as null.
pub(super) fn json_encode(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v.kind() {
        ValueKind::Null(_) | ValueKind::Unknown(_) => out.push_str("null"),
        ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueKind::Number(n) => out.push_str(&format_number(*n)),
        ValueKind::String(s) => out.push_str(&json_quote(s)),
        ValueKind::List(items) | ValueKind::Set(items) | ValueKind::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        ValueKind::Map(m) | ValueKind::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_quote(k));
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string as Go's `encoding/json` writes it (with HTML-safe escapes).
pub(super) fn json_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `url.QueryEscape`.
fn url_query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn yamldecode(a: Args) -> Result<Value, FuncError> {
    let y: serde_yaml::Value = serde_yaml::from_str(a.str(0)).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        // The parser's message may quote the input.
        if a.sensitive {
            err(format!("on line {line}: invalid YAML"))
        } else {
            err(format!("on line {line}: {e}"))
        }
    })?;
    from_yaml(y).map_err(err)
}

/// YAML mappings become objects, sequences tuples (as Terraform's `yamldecode` does).
fn from_yaml(y: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match y {
        Y::Null => Value::null(),
        Y::Bool(b) => Value::bool(b),
        Y::Number(n) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.is_nan() {
                return Err("floating point NaN is not supported".into());
            }
            Value::number(f)
        }
        Y::String(s) => Value::string(s),
        Y::Sequence(items) => {
            Value::tuple(items.into_iter().map(from_yaml).collect::<Result<_, _>>()?)
        }
        Y::Mapping(m) => {
            let mut attrs = BTreeMap::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n
                        .as_f64()
                        .map(format_number)
                        .unwrap_or_else(|| n.to_string()),
                    _ => {
                        return Err("only string, number and bool mapping keys are supported".into())
                    }
                };
                attrs.insert(key, from_yaml(v)?);
            }
            Value::object(attrs)
        }
        Y::Tagged(t) => from_yaml(t.value)?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::lang::{Type, Value};

    #[test]
    fn base64_and_url() {
        assert_eq!(
            show("base64encode", vec![s("Hello World")]),
            r#""SGVsbG8gV29ybGQ=""#
        );
        assert_eq!(
            show("base64decode", vec![s("SGVsbG8gV29ybGQ=")]),
            r#""Hello World""#
        );
        assert_eq!(
            show("base64decode", vec![s("SGVsbG8g\nV29ybGQ=")]),
            r#""Hello World""#
        );
        assert_eq!(
            show("base64decode", vec![s("SGVsbG8gV29ybGQ")]),
            r#"error: failed to decode base64 data "SGVsbG8gV29ybGQ""#
        );
        assert_eq!(
            show("base64decode", vec![secret("!!")]),
            "error: failed to decode base64 data (sensitive value)"
        );
        assert_eq!(
            show("base64decode", vec![s("/w==")]),
            "error: the result of decoding the provided string is not valid UTF-8"
        );
        assert_eq!(
            show("urlencode", vec![s("Hello World!")]),
            r#""Hello+World%21""#
        );
        assert_eq!(show("urlencode", vec![s("☃")]), r#""%E2%98%83""#);
        assert_eq!(
            show("urlencode", vec![s("foo:bar@localhost?foo=bar&bar=baz")]),
            r#""foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz""#
        );
    }

    #[test]
    fn json() {
        assert_eq!(
            show("jsonencode", vec![obj(&[("hello", s("world"))])]),
            r#""{\"hello\":\"world\"}""#
        );
        assert_eq!(
            show(
                "jsonencode",
                vec![obj(&[
                    ("b", n(1.0)),
                    ("a", tup(vec![b(true), Value::null()]))
                ])]
            ),
            r#""{\"a\":[true,null],\"b\":1}""#
        );
        assert_eq!(
            show("jsonencode", vec![s("<x>&")]),
            r#""\"\\u003cx\\u003e\\u0026\"""#
        );
        assert_eq!(
            show("jsonencode", vec![n(1e21)]),
            r#""1000000000000000000000""#
        );
        assert_eq!(show("jsonencode", vec![n(0.5)]), r#""0.5""#);
        assert_eq!(show("jsonencode", vec![Value::null()]), r#""null""#);
        assert_eq!(
            show("jsonencode", vec![s("a\u{1}\tb")]),
            r#""\"a\\u0001\\tb\"""#
        );
        assert_eq!(
            show("jsondecode", vec![s(r#"{"hello": "world"}"#)]),
            r#"{ hello = "world" }"#
        );
        assert_eq!(show("jsondecode", vec![s("true")]), "true");
        assert_eq!(
            show("jsondecode", vec![s(r#"[1, "a", null]"#)]),
            r#"[1, "a", null]"#
        );
        assert!(matches!(
            run("jsondecode", vec![s("[1]")]).unwrap().kind(),
            crate::lang::ValueKind::Tuple(_)
        ));
        assert_eq!(
            show("jsondecode", vec![s("")]),
            "error: unexpected end of JSON input"
        );
        assert!(show("jsondecode", vec![s("{x")]).starts_with("error: invalid JSON"));
        assert_eq!(
            show("jsonencode", vec![tup(vec![unknown_str()])]),
            "(known after apply)"
        );
        assert_eq!(
            show("jsonencode", vec![obj(&[("k", secret("v"))])]),
            "(sensitive value)"
        );
    }

    #[test]
    fn csv() {
        assert_eq!(
            show("csvdecode", vec![s("a,b,c\n1,2,3\n4,5,6")]),
            r#"[{ a = "1", b = "2", c = "3" }, { a = "4", b = "5", c = "6" }]"#
        );
        assert_eq!(
            show("csvdecode", vec![s("a,b\n\"x,y\",\"q\"\"\"\n")]),
            r#"[{ a = "x,y", b = "q\"" }]"#
        );
        assert_eq!(show("csvdecode", vec![s("a,b\n")]), "[]");
        assert_eq!(show("csvdecode", vec![s("")]), "error: missing header line");
        assert_eq!(
            show("csvdecode", vec![s("a,a\n1,2")]),
            r#"error: duplicate column name "a""#
        );
        assert_eq!(
            show("csvdecode", vec![s("a,b\n1,2\n3")]),
            "error: CSV parse error on line 3: wrong number of fields"
        );
    }

    #[test]
    fn yaml_decode() {
        assert_eq!(
            show("yamldecode", vec![s("hello: world")]),
            r#"{ hello = "world" }"#
        );
        assert_eq!(show("yamldecode", vec![s("true")]), "true");
        assert_eq!(
            show("yamldecode", vec![s("{a: &a [1, 2], b: *a}")]),
            "{ a = [1, 2], b = [1, 2] }"
        );
        assert_eq!(
            show("yamldecode", vec![s("- 1\n- a\n- null\n- 1.5")]),
            r#"[1, "a", null, 1.5]"#
        );
        assert_eq!(show("yamldecode", vec![s("1: x")]), r#"{ "1" = "x" }"#);
        assert_eq!(show("yamldecode", vec![s("")]), "null");
        assert!(show("yamldecode", vec![s("a: [")]).starts_with("error:"));
        assert_eq!(
            run("yamldecode", vec![unknown_str()]).unwrap(),
            Value::unknown(Type::Dynamic)
        );
    }
}
