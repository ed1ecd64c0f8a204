//! Values with Terraform's two marks: **unknown** ("known after apply") and **sensitive**.
//!
//! A [`Value`] is a [`ValueKind`] plus a sensitive mark. Unknown values are a kind of their own
//! (`ValueKind::Unknown(type)`), so every operation must decide what an unknown operand yields;
//! the convention is that any operation with an unknown operand yields an unknown result of the
//! result type. The sensitive mark is carried on the value it applies to; operations on a
//! sensitive operand mark their result sensitive (see [`Value::contains_sensitive`]).
//!
//! ```
//! use flinkform::lang::{Value, Type};
//! let secret = Value::string("hunter2").mark_sensitive();
//! assert_eq!(secret.to_string(), "(sensitive value)");
//! assert_eq!(Value::unknown(Type::String).to_string(), "(known after apply)");
//! assert_eq!(Value::list(vec![Value::number(1.0), Value::number(2.5)]).to_string(), "[1, 2.5]");
//! ```

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use super::types::Type;

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    kind: ValueKind,
    sensitive: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// A null of the given type (`Type::Dynamic` when untyped).
    Null(Type),
    /// A value not known until apply, of the given type (`Type::Dynamic` when not even that is known).
    Unknown(Type),
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    /// Elements kept in a canonical order with no duplicates (see [`Value::set`]).
    Set(Vec<Value>),
    Tuple(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
}

impl From<ValueKind> for Value {
    fn from(kind: ValueKind) -> Self {
        Value {
            kind,
            sensitive: false,
        }
    }
}

impl Value {
    pub fn null() -> Value {
        ValueKind::Null(Type::Dynamic).into()
    }
    pub fn null_of(ty: Type) -> Value {
        ValueKind::Null(ty).into()
    }
    pub fn unknown(ty: Type) -> Value {
        ValueKind::Unknown(ty).into()
    }
    pub fn bool(b: bool) -> Value {
        ValueKind::Bool(b).into()
    }
    pub fn number(n: f64) -> Value {
        ValueKind::Number(n).into()
    }
    pub fn string(s: impl Into<String>) -> Value {
        ValueKind::String(s.into()).into()
    }
    /// A list; the caller makes sure the elements share one type.
    pub fn list(elems: Vec<Value>) -> Value {
        ValueKind::List(elems).into()
    }
    /// A set: elements are sorted into canonical order and duplicates removed.
    /// Unknown elements are kept (they may or may not equal others).
    pub fn set(mut elems: Vec<Value>) -> Value {
        elems.sort_by(Value::canonical_cmp);
        elems.dedup_by(|a, b| a.is_wholly_known() && a == b);
        ValueKind::Set(elems).into()
    }
    pub fn tuple(elems: Vec<Value>) -> Value {
        ValueKind::Tuple(elems).into()
    }
    pub fn map(m: BTreeMap<String, Value>) -> Value {
        ValueKind::Map(m).into()
    }
    pub fn object(m: BTreeMap<String, Value>) -> Value {
        ValueKind::Object(m).into()
    }
    pub fn empty_object() -> Value {
        Value::object(BTreeMap::new())
    }

    pub fn kind(&self) -> &ValueKind {
        &self.kind
    }
    pub fn into_kind(self) -> ValueKind {
        self.kind
    }

    // ---- marks ----

    /// Whether this value itself is marked sensitive (not looking inside collections).
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }
    /// Whether this value or anything inside it is marked sensitive.
    pub fn contains_sensitive(&self) -> bool {
        self.sensitive || self.children().any(Value::contains_sensitive)
    }
    pub fn mark_sensitive(mut self) -> Value {
        self.sensitive = true;
        self
    }
    /// Sets the sensitive mark when `sensitive` is true; never clears it.
    pub fn mark_sensitive_if(self, sensitive: bool) -> Value {
        if sensitive {
            self.mark_sensitive()
        } else {
            self
        }
    }
    /// Removes the top-level sensitive mark, returning whether it was there.
    pub fn unmark(mut self) -> (Value, bool) {
        let was = self.sensitive;
        self.sensitive = false;
        (self, was)
    }
    /// Removes every sensitive mark, deeply, returning whether any was there.
    pub fn unmark_deep(self) -> (Value, bool) {
        let mut any = self.sensitive;
        let kind = match self.kind {
            ValueKind::List(v) => ValueKind::List(unmark_vec(v, &mut any)),
            ValueKind::Set(v) => ValueKind::Set(unmark_vec(v, &mut any)),
            ValueKind::Tuple(v) => ValueKind::Tuple(unmark_vec(v, &mut any)),
            ValueKind::Map(m) => ValueKind::Map(unmark_map(m, &mut any)),
            ValueKind::Object(m) => ValueKind::Object(unmark_map(m, &mut any)),
            other => other,
        };
        (
            Value {
                kind,
                sensitive: false,
            },
            any,
        )
    }

    // ---- knowledge ----

    pub fn is_null(&self) -> bool {
        matches!(self.kind, ValueKind::Null(_))
    }
    /// Whether this value itself is known (its elements may still be unknown).
    pub fn is_known(&self) -> bool {
        !matches!(self.kind, ValueKind::Unknown(_))
    }
    /// Whether this value and everything inside it is known.
    pub fn is_wholly_known(&self) -> bool {
        self.is_known() && self.children().all(Value::is_wholly_known)
    }

    /// Direct children of a collection or structural value.
    pub fn children(&self) -> Box<dyn Iterator<Item = &Value> + '_> {
        match &self.kind {
            ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => Box::new(v.iter()),
            ValueKind::Map(m) | ValueKind::Object(m) => Box::new(m.values()),
            _ => Box::new(std::iter::empty()),
        }
    }

    // ---- accessors ----

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_number(&self) -> Option<f64> {
        match self.kind {
            ValueKind::Number(n) => Some(n),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }
    /// Elements of a list, set or tuple.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => Some(v),
            _ => None,
        }
    }
    /// Attributes of a map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match &self.kind {
            ValueKind::Map(m) | ValueKind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Attribute `name` of an object or map value, if present.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(name))
    }

    /// The value's type. Lists, sets and maps take the type of their first element
    /// (`Dynamic` when empty); tuples and objects are structural.
    pub fn ty(&self) -> Type {
        match &self.kind {
            ValueKind::Null(t) | ValueKind::Unknown(t) => t.clone(),
            ValueKind::Bool(_) => Type::Bool,
            ValueKind::Number(_) => Type::Number,
            ValueKind::String(_) => Type::String,
            ValueKind::List(v) => Type::list(v.first().map(Value::ty).unwrap_or(Type::Dynamic)),
            ValueKind::Set(v) => Type::set(v.first().map(Value::ty).unwrap_or(Type::Dynamic)),
            ValueKind::Map(m) => {
                Type::map(m.values().next().map(Value::ty).unwrap_or(Type::Dynamic))
            }
            ValueKind::Tuple(v) => Type::Tuple(v.iter().map(Value::ty).collect()),
            ValueKind::Object(m) => {
                Type::Object(m.iter().map(|(k, v)| (k.clone(), v.ty())).collect())
            }
        }
    }

    /// A canonical total order, used to sort set elements: nulls and unknowns last, then by kind,
    /// strings lexically, numbers numerically, collections element-wise.
    pub fn canonical_cmp(a: &Value, b: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v.kind {
                ValueKind::Bool(_) => 0,
                ValueKind::Number(_) => 1,
                ValueKind::String(_) => 2,
                ValueKind::List(_) | ValueKind::Tuple(_) | ValueKind::Set(_) => 3,
                ValueKind::Map(_) | ValueKind::Object(_) => 4,
                ValueKind::Null(_) => 5,
                ValueKind::Unknown(_) => 6,
            }
        }
        match (&a.kind, &b.kind) {
            (ValueKind::Bool(x), ValueKind::Bool(y)) => x.cmp(y),
            (ValueKind::Number(x), ValueKind::Number(y)) => x.total_cmp(y),
            (ValueKind::String(x), ValueKind::String(y)) => x.cmp(y),
            (
                ValueKind::List(x) | ValueKind::Tuple(x) | ValueKind::Set(x),
                ValueKind::List(y) | ValueKind::Tuple(y) | ValueKind::Set(y),
            ) => cmp_seq(x.iter(), y.iter()),
            (
                ValueKind::Map(x) | ValueKind::Object(x),
                ValueKind::Map(y) | ValueKind::Object(y),
            ) => x
                .keys()
                .cmp(y.keys())
                .then_with(|| cmp_seq(x.values(), y.values())),
            _ => rank(a).cmp(&rank(b)),
        }
    }

    /// Equality as Terraform's `==` sees it: unknown if either side holds an unknown,
    /// otherwise a known bool; marks are ignored (the caller marks the result).
    pub fn equals(&self, other: &Value) -> Option<bool> {
        match (&self.kind, &other.kind) {
            (ValueKind::Unknown(_), _) | (_, ValueKind::Unknown(_)) => None,
            (ValueKind::Null(_), ValueKind::Null(_)) => Some(true),
            (ValueKind::Null(_), _) | (_, ValueKind::Null(_)) => Some(false),
            (ValueKind::Bool(x), ValueKind::Bool(y)) => Some(x == y),
            (ValueKind::Number(x), ValueKind::Number(y)) => Some(x == y),
            (ValueKind::String(x), ValueKind::String(y)) => Some(x == y),
            (ValueKind::List(x), ValueKind::List(y))
            | (ValueKind::Tuple(x), ValueKind::Tuple(y))
            | (ValueKind::Set(x), ValueKind::Set(y)) => {
                if x.len() != y.len() {
                    return Some(false);
                }
                let mut result = Some(true);
                for (a, b) in x.iter().zip(y) {
                    match a.equals(b) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            (ValueKind::Map(x), ValueKind::Map(y))
            | (ValueKind::Object(x), ValueKind::Object(y)) => {
                if x.len() != y.len() || x.keys().ne(y.keys()) {
                    return Some(false);
                }
                let mut result = Some(true);
                for (a, b) in x.values().zip(y.values()) {
                    match a.equals(b) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            _ => Some(false),
        }
    }

    // ---- JSON ----

    /// Converts a wholly known value to JSON; unknowns become null, marks are dropped.
    /// Callers that must not lose marks record them apart (see state's `sensitive_paths`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            ValueKind::Null(_) | ValueKind::Unknown(_) => J::Null,
            ValueKind::Bool(b) => J::Bool(*b),
            ValueKind::Number(n) => number_to_json(*n),
            ValueKind::String(s) => J::String(s.clone()),
            ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => {
                J::Array(v.iter().map(Value::to_json).collect())
            }
            ValueKind::Map(m) | ValueKind::Object(m) => {
                J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// Reads JSON the way `jsondecode` does: arrays become tuples, objects become objects.
    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::null(),
            J::Bool(b) => Value::bool(*b),
            J::Number(n) => Value::number(n.as_f64().unwrap_or(f64::NAN)),
            J::String(s) => Value::string(s.clone()),
            J::Array(a) => Value::tuple(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// `object` (an object or map) with some attributes replaced or added; its mark is kept.
pub fn with_attrs<'a>(
    object: &Value,
    updates: impl IntoIterator<Item = (&'a str, Value)>,
) -> Value {
    let mut attrs = object.as_map().cloned().unwrap_or_default();
    for (name, v) in updates {
        attrs.insert(name.to_string(), v);
    }
    Value::object(attrs).mark_sensitive_if(object.is_sensitive())
}

fn unmark_vec(v: Vec<Value>, any: &mut bool) -> Vec<Value> {
    v.into_iter()
        .map(|e| {
            let (e, m) = e.unmark_deep();
            *any |= m;
            e
        })
        .collect()
}

fn unmark_map(m: BTreeMap<String, Value>, any: &mut bool) -> BTreeMap<String, Value> {
    m.into_iter()
        .map(|(k, e)| {
            let (e, m) = e.unmark_deep();
            *any |= m;
            (k, e)
        })
        .collect()
}

fn cmp_seq<'a>(
    mut x: impl Iterator<Item = &'a Value>,
    mut y: impl Iterator<Item = &'a Value>,
) -> Ordering {
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) => match Value::canonical_cmp(a, b) {
                Ordering::Equal => continue,
                o => return o,
            },
        }
    }
}

/// Integers within f64's exact range are written without a fraction.
pub fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::Number((n as i64).into())
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Formats a number the way Terraform prints it: integers without a fraction, otherwise the
/// shortest decimal that round-trips.
pub fn format_number(n: f64) -> String {
    if n.is_infinite() {
        return if n > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if n == 0.0 {
        return "0".into();
    }
    format!("{n}")
}

/// Renders a value as an HCL literal, the way plan output and `output` show it.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sensitive {
            return f.write_str("(sensitive value)");
        }
        match &self.kind {
            ValueKind::Null(_) => f.write_str("null"),
            ValueKind::Unknown(_) => f.write_str("(known after apply)"),
            ValueKind::Bool(b) => write!(f, "{b}"),
            ValueKind::Number(n) => f.write_str(&format_number(*n)),
            ValueKind::String(s) => write!(f, "{}", quote_string(s)),
            ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => {
                f.write_str("[")?;
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str("]")
            }
            ValueKind::Map(m) | ValueKind::Object(m) => {
                if m.is_empty() {
                    return f.write_str("{}");
                }
                f.write_str("{ ")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if is_identifier(k) {
                        write!(f, "{k} = {v}")?;
                    } else {
                        write!(f, "{} = {v}", quote_string(k))?;
                    }
                }
                f.write_str(" }")
            }
        }
    }
}

/// Whether `s` is a valid HCL identifier (letters, digits, `_`, `-`, not starting with a digit or `-`).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Quotes a string as an HCL string literal, escaping `"`, `\`, control characters and `${`/`%{`.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_canonical() {
        let s = Value::set(vec![
            Value::string("b"),
            Value::string("a"),
            Value::string("b"),
        ]);
        assert_eq!(s.to_string(), r#"["a", "b"]"#);
    }

    #[test]
    fn equality_with_unknowns() {
        let a = Value::list(vec![Value::number(1.0), Value::unknown(Type::Number)]);
        let b = Value::list(vec![Value::number(1.0), Value::number(2.0)]);
        assert_eq!(a.equals(&b), None);
        let c = Value::list(vec![Value::number(3.0), Value::unknown(Type::Number)]);
        assert_eq!(c.equals(&b), Some(false));
    }

    #[test]
    fn deep_sensitivity() {
        let v = Value::list(vec![Value::string("a").mark_sensitive()]);
        assert!(!v.is_sensitive());
        assert!(v.contains_sensitive());
        let (plain, had) = v.unmark_deep();
        assert!(had && !plain.contains_sensitive());
    }

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(format_number(5.0), "5");
        assert_eq!(format_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(quote_string("a\"${x}"), r#""a\"$${x}""#);
    }
}
