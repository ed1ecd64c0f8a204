//! Moving values between ARM's JSON and flinkform values: reading response fields into typed
//! attribute values, and configuration values into request bodies.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::lang::{Type, Value};

/// The part of `j` at JSON pointer `ptr` (`/properties/dnsPrefix`).
pub fn at<'j>(j: &'j Json, ptr: &str) -> Option<&'j Json> {
    j.pointer(ptr).filter(|v| !v.is_null())
}

/// A string field, or a typed null.
pub fn jstr(j: &Json, ptr: &str) -> Value {
    match at(j, ptr).and_then(Json::as_str) {
        Some(s) => Value::string(s),
        None => Value::null_of(Type::String),
    }
}

pub fn jbool(j: &Json, ptr: &str) -> Value {
    match at(j, ptr).and_then(Json::as_bool) {
        Some(b) => Value::bool(b),
        None => Value::null_of(Type::Bool),
    }
}

pub fn jnum(j: &Json, ptr: &str) -> Value {
    match at(j, ptr).and_then(Json::as_f64) {
        Some(n) => Value::number(n),
        None => Value::null_of(Type::Number),
    }
}

/// A list of strings (empty when absent: ARM leaves out empty arrays as often as it sends them).
pub fn jstrings(j: &Json, ptr: &str) -> Value {
    let items = at(j, ptr)
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(Value::string)
                .collect()
        })
        .unwrap_or_default();
    Value::list(items)
}

/// A map of strings (tags, node labels), or a typed null when absent.
pub fn jmap(j: &Json, ptr: &str) -> Value {
    match at(j, ptr).and_then(Json::as_object) {
        Some(o) => Value::map(
            o.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), Value::string(s))))
                .collect(),
        ),
        None => Value::null_of(Type::map(Type::String)),
    }
}

/// An object value from attribute pairs.
pub fn object<'a>(pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    Value::object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

// ---- from configuration values ----

/// Attribute `name` when it is a known string.
pub fn vstr<'v>(v: &'v Value, name: &str) -> Option<&'v str> {
    v.get_attr(name).and_then(Value::as_str)
}

pub fn vbool(v: &Value, name: &str) -> Option<bool> {
    v.get_attr(name).and_then(Value::as_bool)
}

pub fn vnum(v: &Value, name: &str) -> Option<f64> {
    v.get_attr(name).and_then(Value::as_number)
}

/// A whole number as JSON (counts, sizes, priorities).
pub fn vint(v: &Value, name: &str) -> Option<Json> {
    vnum(v, name).map(crate::lang::value::number_to_json)
}

/// Known strings of a list or set attribute; `None` when null.
pub fn vstrings(v: &Value, name: &str) -> Option<Vec<String>> {
    let list = v.get_attr(name).filter(|l| !l.is_null())?;
    Some(
        list.as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    )
}

/// A map of strings as a JSON object; `None` when null.
pub fn vmap_json(v: &Value, name: &str) -> Option<Json> {
    let m = v.get_attr(name).filter(|m| !m.is_null())?.as_map()?;
    Some(Json::Object(
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), Json::String(s.to_string()))))
            .collect(),
    ))
}

/// The first element of a list block (`default_node_pool[0]`), if there is one.
pub fn block<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    let b = v.get_attr(name)?;
    match b.as_seq() {
        Some(seq) => seq.first().filter(|e| !e.is_null()),
        None => (!b.is_null()).then_some(b),
    }
}

/// Sets `key` in `obj` when `value` is `Some`.
pub fn set(obj: &mut Map<String, Json>, key: &str, value: Option<Json>) {
    if let Some(v) = value {
        obj.insert(key.to_string(), v);
    }
}

/// `Enabled`/`Disabled`, as ARM spells such switches.
pub fn enabled(b: bool) -> Json {
    Json::String(if b { "Enabled" } else { "Disabled" }.to_string())
}

/// A JSON `Enabled`/`Disabled` field as a bool.
pub fn jenabled(j: &Json, ptr: &str) -> Value {
    match at(j, ptr).and_then(Json::as_str) {
        Some(s) => Value::bool(s.eq_ignore_ascii_case("enabled")),
        None => Value::null_of(Type::Bool),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields() {
        let j = serde_json::json!({"properties": {"a": "x", "n": 3, "b": true, "l": ["p", "q"], "m": {"k": "v"}, "e": "Enabled"}});
        assert_eq!(jstr(&j, "/properties/a").as_str(), Some("x"));
        assert!(jstr(&j, "/properties/zz").is_null());
        assert_eq!(jnum(&j, "/properties/n").as_number(), Some(3.0));
        assert_eq!(jbool(&j, "/properties/b").as_bool(), Some(true));
        assert_eq!(jstrings(&j, "/properties/l").as_seq().unwrap().len(), 2);
        assert!(jstrings(&j, "/nope").as_seq().unwrap().is_empty());
        assert_eq!(
            jmap(&j, "/properties/m").to_json(),
            serde_json::json!({"k": "v"})
        );
        assert_eq!(jenabled(&j, "/properties/e").as_bool(), Some(true));
    }

    #[test]
    fn writes_fields() {
        let v = object([
            ("s", Value::string("x")),
            ("n", Value::number(30.0)),
            ("l", Value::list(vec![Value::string("a")])),
            (
                "m",
                Value::map([("k".to_string(), Value::string("v"))].into()),
            ),
            ("blk", Value::list(vec![object([("a", Value::bool(true))])])),
        ]);
        assert_eq!(vstr(&v, "s"), Some("x"));
        assert_eq!(vint(&v, "n"), Some(serde_json::json!(30)));
        assert_eq!(vstrings(&v, "l"), Some(vec!["a".to_string()]));
        assert_eq!(vmap_json(&v, "m"), Some(serde_json::json!({"k": "v"})));
        assert_eq!(vbool(block(&v, "blk").unwrap(), "a"), Some(true));
        assert!(block(&v, "nope").is_none());
    }
}
