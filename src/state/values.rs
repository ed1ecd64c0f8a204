//! Between stored JSON and [`Value`]s: attributes with their sensitive paths, outputs with their
//! types, and the JSON forms of instance keys, paths and types.
//!
//! Stored JSON carries no types, so decoding needs one: a resource's attributes are decoded with
//! the type its schema implies, an output with the type stored next to it. Where the type is
//! `Dynamic`, JSON decodes as `jsondecode` does (arrays become tuples, objects objects); unlike
//! Terraform, no `{"value","type"}` wrapper is stored for dynamic attributes.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value as Json;

use crate::addrs::InstanceKey;
use crate::lang::value::format_number;
use crate::lang::{Type, Value, ValueKind};
use crate::providers::schema::{AttrPath, PathStep};

use super::model::{InstanceState, OutputState};
use super::StateError;

impl InstanceState {
    /// A ready instance holding `value`, whose sensitive marks become `sensitive_paths`.
    /// Fails if any part of `value` is unknown: state only holds what is known.
    pub fn from_value(value: &Value) -> Result<InstanceState, StateError> {
        check_known(value)?;
        let mut instance = InstanceState::new(value.to_json());
        instance.sensitive_paths = sensitive_paths(value);
        Ok(instance)
    }

    /// The attributes as a value of type `ty` (the schema's), with the parts named by
    /// `sensitive_paths` marked sensitive. Paths that no longer lead anywhere are ignored.
    pub fn value(&self, ty: &Type) -> Result<Value, StateError> {
        let value = value_from_json(&self.attributes, ty)?;
        Ok(mark_paths(value, &self.sensitive_paths))
    }
}

impl OutputState {
    /// An output holding `value`; it is sensitive if any part of `value` is.
    pub fn from_value(value: &Value) -> Result<OutputState, StateError> {
        check_known(value)?;
        Ok(OutputState {
            value: value.to_json(),
            ty: Some(type_to_json(&value.ty())),
            sensitive: value.contains_sensitive(),
        })
    }

    /// The output's value, decoded with its stored type (as `Dynamic` when none is stored) and
    /// marked sensitive as a whole if the output is.
    pub fn value(&self) -> Result<Value, StateError> {
        let ty = match &self.ty {
            Some(t) => type_from_json(t)?,
            None => Type::Dynamic,
        };
        Ok(value_from_json(&self.value, &ty)?.mark_sensitive_if(self.sensitive))
    }
}

fn check_known(value: &Value) -> Result<(), StateError> {
    match first_unknown(value) {
        None => Ok(()),
        Some(mut reversed) => {
            reversed.reverse();
            Err(StateError::UnknownValue {
                path: AttrPath(reversed).to_string(),
            })
        }
    }
}

/// The path to the first unknown part of `value`, steps in reverse order.
fn first_unknown(value: &Value) -> Option<Vec<PathStep>> {
    match value.kind() {
        ValueKind::Unknown(_) => Some(Vec::new()),
        ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => {
            v.iter().enumerate().find_map(|(i, e)| {
                let mut path = first_unknown(e)?;
                path.push(PathStep::Index(i as i64));
                Some(path)
            })
        }
        ValueKind::Object(m) | ValueKind::Map(m) => m.iter().find_map(|(k, e)| {
            let mut path = first_unknown(e)?;
            path.push(step_for(value, k));
            Some(path)
        }),
        _ => None,
    }
}

fn step_for(container: &Value, key: &str) -> PathStep {
    match container.kind() {
        ValueKind::Map(_) => PathStep::Key(key.to_string()),
        _ => PathStep::Attr(key.to_string()),
    }
}

/// The paths of the parts of `value` marked sensitive (the outermost marked part of each
/// branch; the empty path if `value` itself is marked).
pub fn sensitive_paths(value: &Value) -> Vec<AttrPath> {
    fn walk(value: &Value, path: &mut Vec<PathStep>, out: &mut Vec<AttrPath>) {
        if value.is_sensitive() {
            out.push(AttrPath(path.clone()));
            return;
        }
        match value.kind() {
            ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => {
                for (i, e) in v.iter().enumerate() {
                    path.push(PathStep::Index(i as i64));
                    walk(e, path, out);
                    path.pop();
                }
            }
            ValueKind::Object(m) | ValueKind::Map(m) => {
                for (k, e) in m {
                    path.push(step_for(value, k));
                    walk(e, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// `value` with the parts at `paths` marked sensitive.
pub fn mark_paths(value: Value, paths: &[AttrPath]) -> Value {
    paths.iter().fold(value, |v, p| mark_at(v, p.steps()))
}

/// Marks the part at `steps`; recursion follows the value, so its depth is bounded by the
/// value's nesting however long the path is.
fn mark_at(value: Value, steps: &[PathStep]) -> Value {
    let Some((step, rest)) = steps.split_first() else {
        return value.mark_sensitive();
    };
    let was_sensitive = value.is_sensitive();
    let kind = match (value.into_kind(), step) {
        (ValueKind::Object(mut m), PathStep::Attr(k) | PathStep::Key(k)) => {
            if let Some(child) = m.remove(k) {
                m.insert(k.clone(), mark_at(child, rest));
            }
            ValueKind::Object(m)
        }
        (ValueKind::Map(mut m), PathStep::Attr(k) | PathStep::Key(k)) => {
            if let Some(child) = m.remove(k) {
                m.insert(k.clone(), mark_at(child, rest));
            }
            ValueKind::Map(m)
        }
        (ValueKind::List(mut v), PathStep::Index(i)) => {
            mark_element(&mut v, *i, rest);
            ValueKind::List(v)
        }
        (ValueKind::Tuple(mut v), PathStep::Index(i)) => {
            mark_element(&mut v, *i, rest);
            ValueKind::Tuple(v)
        }
        // Marks do not take part in the canonical order, so the set stays sorted.
        (ValueKind::Set(mut v), PathStep::Index(i)) => {
            mark_element(&mut v, *i, rest);
            ValueKind::Set(v)
        }
        (kind, _) => kind,
    };
    Value::from(kind).mark_sensitive_if(was_sensitive)
}

fn mark_element(elements: &mut [Value], index: i64, rest: &[PathStep]) {
    if let Some(slot) = usize::try_from(index)
        .ok()
        .and_then(|i| elements.get_mut(i))
    {
        let child = std::mem::replace(slot, Value::null());
        *slot = mark_at(child, rest);
    }
}

/// Decodes stored JSON as a value of type `ty`. `null` is a null of the type anywhere; object
/// attributes missing from the JSON are null; JSON attributes the type does not have are
/// dropped (they belong to an older schema). Primitive types accept the JSON forms of each other
/// where cty's conversion would (`"1"` for a number, `true` for a string).
pub fn value_from_json(json: &Json, ty: &Type) -> Result<Value, StateError> {
    decode(json, ty).map_err(|mut e| {
        e.reversed_path.reverse();
        StateError::Decode {
            path: AttrPath(e.reversed_path).to_string(),
            message: e.message,
        }
    })
}

struct DecodeError {
    reversed_path: Vec<PathStep>,
    message: String,
}

fn mismatch(json: &Json, ty: &Type) -> DecodeError {
    let found = match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    };
    DecodeError {
        reversed_path: Vec::new(),
        message: format!("expected {}, found {found}", ty.friendly_name()),
    }
}

fn at(step: PathStep) -> impl FnOnce(DecodeError) -> DecodeError {
    move |mut e| {
        e.reversed_path.push(step);
        e
    }
}

fn decode(json: &Json, ty: &Type) -> Result<Value, DecodeError> {
    if json.is_null() {
        return Ok(Value::null_of(ty.clone()));
    }
    match (ty, json) {
        (Type::Dynamic, _) => Ok(Value::from_json(json)),
        (Type::String, Json::String(s)) => Ok(Value::string(s.clone())),
        (Type::String, Json::Bool(b)) => Ok(Value::string(b.to_string())),
        (Type::String, Json::Number(n)) => {
            Ok(Value::string(format_number(n.as_f64().unwrap_or(f64::NAN))))
        }
        (Type::Number, Json::Number(n)) => Ok(Value::number(n.as_f64().unwrap_or(f64::NAN))),
        (Type::Number, Json::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Value::number)
            .map_err(|_| mismatch(json, ty)),
        (Type::Bool, Json::Bool(b)) => Ok(Value::bool(*b)),
        (Type::Bool, Json::String(s)) if s == "true" || s == "false" => {
            Ok(Value::bool(s == "true"))
        }
        (Type::List(t), Json::Array(a)) => Ok(Value::list(decode_elements(a, t)?)),
        (Type::Set(t), Json::Array(a)) => Ok(Value::set(decode_elements(a, t)?)),
        (Type::Tuple(ts), Json::Array(a)) => {
            if ts.len() != a.len() {
                return Err(DecodeError {
                    reversed_path: Vec::new(),
                    message: format!(
                        "expected a tuple of {} elements, found {}",
                        ts.len(),
                        a.len()
                    ),
                });
            }
            let elements = a
                .iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (j, t))| decode(j, t).map_err(at(PathStep::Index(i as i64))))
                .collect::<Result<_, _>>()?;
            Ok(Value::tuple(elements))
        }
        (Type::Map(t), Json::Object(o)) => {
            let mut m = BTreeMap::new();
            for (k, j) in o {
                m.insert(
                    k.clone(),
                    decode(j, t).map_err(at(PathStep::Key(k.clone())))?,
                );
            }
            Ok(Value::map(m))
        }
        (Type::Object(attrs), Json::Object(o)) => {
            let mut m = BTreeMap::new();
            for (k, t) in attrs {
                let v = match o.get(k) {
                    Some(j) => decode(j, t).map_err(at(PathStep::Attr(k.clone())))?,
                    None => Value::null_of(t.clone()),
                };
                m.insert(k.clone(), v);
            }
            Ok(Value::object(m))
        }
        _ => Err(mismatch(json, ty)),
    }
}

fn decode_elements(array: &[Json], ty: &Type) -> Result<Vec<Value>, DecodeError> {
    array
        .iter()
        .enumerate()
        .map(|(i, j)| decode(j, ty).map_err(at(PathStep::Index(i as i64))))
        .collect()
}

/// A type in cty's JSON type syntax, as Terraform stores output types: `"string"`, `"number"`,
/// `"bool"`, `"dynamic"`, `["list", T]`, `["set", T]`, `["map", T]`, `["object", {NAME: T}]`,
/// `["tuple", [T, ...]]`.
pub fn type_to_json(ty: &Type) -> Json {
    match ty {
        Type::Dynamic => Json::from("dynamic"),
        Type::String => Json::from("string"),
        Type::Number => Json::from("number"),
        Type::Bool => Json::from("bool"),
        Type::List(t) => serde_json::json!(["list", type_to_json(t)]),
        Type::Set(t) => serde_json::json!(["set", type_to_json(t)]),
        Type::Map(t) => serde_json::json!(["map", type_to_json(t)]),
        Type::Object(attrs) => {
            let attrs: serde_json::Map<String, Json> = attrs
                .iter()
                .map(|(k, t)| (k.clone(), type_to_json(t)))
                .collect();
            serde_json::json!(["object", attrs])
        }
        Type::Tuple(ts) => {
            serde_json::json!(["tuple", ts.iter().map(type_to_json).collect::<Vec<_>>()])
        }
    }
}

/// Reads a type written by [`type_to_json`].
pub fn type_from_json(json: &Json) -> Result<Type, StateError> {
    parse_type(json).map_err(|message| StateError::Decode {
        path: String::new(),
        message: format!("invalid type {json}: {message}"),
    })
}

fn parse_type(json: &Json) -> Result<Type, String> {
    match json {
        Json::String(s) => match s.as_str() {
            "dynamic" => Ok(Type::Dynamic),
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            other => Err(format!("unknown primitive type {other:?}")),
        },
        Json::Array(parts) => match parts.as_slice() {
            [Json::String(kind), inner] => match (kind.as_str(), inner) {
                ("list", t) => Ok(Type::list(parse_type(t)?)),
                ("set", t) => Ok(Type::set(parse_type(t)?)),
                ("map", t) => Ok(Type::map(parse_type(t)?)),
                ("object", Json::Object(attrs)) => Ok(Type::Object(
                    attrs
                        .iter()
                        .map(|(k, t)| Ok((k.clone(), parse_type(t)?)))
                        .collect::<Result<_, String>>()?,
                )),
                ("tuple", Json::Array(ts)) => Ok(Type::Tuple(
                    ts.iter().map(parse_type).collect::<Result<_, _>>()?,
                )),
                (other, _) => Err(format!("unknown type kind {other:?}")),
            },
            _ => Err("expected [KIND, ELEMENT]".into()),
        },
        _ => Err("expected a string or an array".into()),
    }
}

/// Instance keys as JSON: `null`, a number or a string.
pub(crate) mod key_serde {
    use std::borrow::Borrow;

    use super::*;

    pub fn serialize<K: Borrow<InstanceKey>, S: Serializer>(
        key: &K,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match key.borrow() {
            InstanceKey::None => s.serialize_none(),
            InstanceKey::Int(i) => s.serialize_i64(*i),
            InstanceKey::Str(k) => s.serialize_str(k),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<InstanceKey, D::Error> {
        match Json::deserialize(d)? {
            Json::Null => Ok(InstanceKey::None),
            Json::String(s) => Ok(InstanceKey::Str(s)),
            Json::Number(n) => n
                .as_i64()
                .filter(|i| *i >= 0)
                .map(InstanceKey::Int)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!("index_key {n} is not a whole number >= 0"))
                }),
            other => Err(serde::de::Error::custom(format!(
                "index_key must be null, a number or a string, not {other}"
            ))),
        }
    }
}

/// Sensitive paths as JSON arrays of `{"attr"|"key"|"index": ...}` steps.
pub(crate) mod paths_serde {
    use super::*;

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Step {
        Attr(String),
        Key(String),
        Index(i64),
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum StepRef<'a> {
        Attr(&'a str),
        Key(&'a str),
        Index(i64),
    }

    struct PathRef<'a>(&'a AttrPath);

    impl Serialize for PathRef<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.steps().iter().map(|step| match step {
                PathStep::Attr(a) => StepRef::Attr(a),
                PathStep::Key(k) => StepRef::Key(k),
                PathStep::Index(i) => StepRef::Index(*i),
            }))
        }
    }

    pub fn serialize<S: Serializer>(paths: &[AttrPath], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(paths.iter().map(PathRef))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<AttrPath>, D::Error> {
        let paths = Vec::<Vec<Step>>::deserialize(d)?;
        Ok(paths
            .into_iter()
            .map(|steps| {
                AttrPath(
                    steps
                        .into_iter()
                        .map(|step| match step {
                            Step::Attr(a) => PathStep::Attr(a),
                            Step::Key(k) => PathStep::Key(k),
                            Step::Index(i) => PathStep::Index(i),
                        })
                        .collect(),
                )
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn sensitive_marks_survive_a_round_trip_through_stored_json() {
        let value = obj(vec![
            ("id", Value::string("x")),
            ("password", Value::string("hunter2").mark_sensitive()),
            (
                "tags",
                Value::map(
                    [
                        ("a".to_string(), Value::string("1")),
                        ("b".to_string(), Value::string("2").mark_sensitive()),
                    ]
                    .into(),
                ),
            ),
            (
                "ports",
                Value::list(vec![
                    Value::number(80.0),
                    Value::number(443.0).mark_sensitive(),
                ]),
            ),
        ]);
        let instance = InstanceState::from_value(&value).unwrap();
        assert_eq!(
            instance
                .sensitive_paths
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["password", "ports[1]", "tags[\"b\"]"]
        );
        let ty = Type::Object(
            [
                ("id".to_string(), Type::String),
                ("password".to_string(), Type::String),
                ("tags".to_string(), Type::map(Type::String)),
                ("ports".to_string(), Type::list(Type::Number)),
            ]
            .into(),
        );
        let back = instance.value(&ty).unwrap();
        assert_eq!(back, value);
        assert_eq!(
            back.get_attr("password").unwrap().to_string(),
            "(sensitive value)"
        );
    }

    #[test]
    fn unknown_values_cannot_be_stored() {
        let value = obj(vec![(
            "a",
            Value::list(vec![Value::string("x"), Value::unknown(Type::String)]),
        )]);
        let err = InstanceState::from_value(&value).unwrap_err();
        assert_eq!(err.to_string(), "cannot store an unknown value at a[1]");
    }

    #[test]
    fn decode_errors_name_the_path() {
        let ty = Type::Object([("tags".to_string(), Type::map(Type::Number))].into());
        let err = value_from_json(&serde_json::json!({"tags": {"x": [1]}}), &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "stored value does not match its type at tags[\"x\"]: expected number, found an array"
        );
    }

    #[test]
    fn missing_object_attributes_decode_as_typed_nulls() {
        let ty = Type::Object(
            [
                ("a".to_string(), Type::String),
                ("b".to_string(), Type::Number),
            ]
            .into(),
        );
        let v = value_from_json(&serde_json::json!({"a": "x", "old": 1}), &ty).unwrap();
        assert_eq!(
            v,
            obj(vec![
                ("a", Value::string("x")),
                ("b", Value::null_of(Type::Number))
            ])
        );
    }

    #[test]
    fn types_round_trip_through_cty_json() {
        let ty = Type::Object(
            [
                ("a".to_string(), Type::list(Type::set(Type::Number))),
                (
                    "b".to_string(),
                    Type::Tuple(vec![Type::Bool, Type::map(Type::Dynamic)]),
                ),
            ]
            .into(),
        );
        let json = type_to_json(&ty);
        assert_eq!(
            json,
            serde_json::json!(["object", {"a": ["list", ["set", "number"]], "b": ["tuple", ["bool", ["map", "dynamic"]]]}])
        );
        assert_eq!(type_from_json(&json).unwrap(), ty);
        assert!(type_from_json(&serde_json::json!(["list"])).is_err());
        assert!(type_from_json(&serde_json::json!("str")).is_err());
    }

    #[test]
    fn outputs_keep_their_type_and_sensitivity() {
        let value = Value::list(vec![
            Value::string("a"),
            Value::string("b").mark_sensitive(),
        ]);
        let output = OutputState::from_value(&value).unwrap();
        assert!(output.sensitive);
        assert_eq!(output.ty, Some(serde_json::json!(["list", "string"])));
        let back = output.value().unwrap();
        assert!(back.is_sensitive());
        assert_eq!(
            back.unmark_deep().0,
            Value::list(vec![Value::string("a"), Value::string("b")])
        );
    }

    #[test]
    fn a_path_longer_than_the_value_is_ignored() {
        let steps: Vec<PathStep> = (0..100_000).map(|_| PathStep::Index(0)).collect();
        let value = Value::list(vec![Value::list(vec![Value::string("x")])]);
        let marked = mark_paths(value.clone(), &[AttrPath(steps)]);
        assert_eq!(marked, value);
    }
}
