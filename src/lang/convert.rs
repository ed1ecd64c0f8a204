//! Type conversion with Terraform's (cty's) rules, and type unification.
//!
//! Conversion is driven by the value (our lists know their element types only through their
//! elements), but follows cty's conversion table and its two kinds of failure:
//! - *type* mismatches (no conversion exists between the kinds, e.g. a list where a string is
//!   wanted) are reported with cty's `MismatchMessage` wording, which names the nesting in the
//!   message itself: `element 1: string required`, `attribute "a": attribute "x" is required`;
//! - *value* failures (a conversion exists for the types but not for this value, e.g. `"abc"`
//!   to number) carry a path: `[1]`, `["key"]`, `.attr`, and messages like `a number is required`.

use std::collections::BTreeMap;
use std::fmt;

use super::value::{format_number, quote_string};
use super::{Type, Value, ValueKind};

/// Values nested deeper than this are refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ConvertError {
    /// Where inside the value the problem is, e.g. `["a"].b` (empty at the top).
    pub path: String,
    pub message: String,
}

/// Displays as Terraform does: `path: message`, or just the message when the path is empty.
impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Converts `value` to type `want` (which may contain `Dynamic`), as Terraform does for variable
/// type constraints and the `to*` functions. Unknowns convert to unknowns of the target type;
/// sensitive marks are kept. Object attributes absent from `want` are dropped; attributes of
/// `want` missing from the value are an error.
pub fn convert(value: Value, want: &Type) -> Result<Value, ConvertError> {
    conv(value, want, 0).map_err(|e| match e {
        Failure::Type(message) => ConvertError {
            path: String::new(),
            message,
        },
        Failure::Value { mut path, message } => {
            path.reverse();
            ConvertError {
                path: path.iter().map(Step::to_string).collect(),
                message,
            }
        }
    })
}

/// The single type all of `types` convert to, if there is one (used for conditionals,
/// list and map literals' elements, `concat`, ...).
///
/// As in cty: equal types unify to themselves; `Dynamic` absorbs everything; objects with the
/// same attribute names unify attribute-wise (otherwise to a map of the unified attribute
/// types); tuples of one length unify element-wise (otherwise to a list); lists, sets and maps
/// unify element-wise; otherwise the most general given type all others convert to (string
/// for mixed primitives that convert to it).
pub fn unify(types: &[Type]) -> Option<Type> {
    unify_depth(types, 0)
}

/// Why no conversion from type `from` to `to` exists, in cty's words; `None` when one exists.
/// Conversions that exist may still fail for particular values (`"abc"` to number).
pub fn type_mismatch(from: &Type, to: &Type) -> Option<String> {
    type_conv(from, to, 0).err()
}

/// cty's `FriendlyNameForConstraint`: "string", "list of number", "list of any single type",
/// "object", "any type".
pub fn friendly_constraint_name(ty: &Type) -> String {
    match ty {
        Type::Dynamic => "any type".into(),
        Type::String => "string".into(),
        Type::Number => "number".into(),
        Type::Bool => "bool".into(),
        Type::List(e) => format!("list of {}", elem_constraint_name(e)),
        Type::Set(e) => format!("set of {}", elem_constraint_name(e)),
        Type::Map(e) => format!("map of {}", elem_constraint_name(e)),
        Type::Object(_) => "object".into(),
        Type::Tuple(_) => "tuple".into(),
    }
}

fn elem_constraint_name(ty: &Type) -> String {
    match ty {
        Type::Dynamic => "any single type".into(),
        other => friendly_constraint_name(other),
    }
}

// ---- value conversion ----

#[derive(Debug)]
enum Step {
    Index(usize),
    Key(String),
    Attr(String),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Index(i) => write!(f, "[{i}]"),
            Step::Key(k) => write!(f, "[{}]", quote_string(k)),
            Step::Attr(a) => write!(f, ".{a}"),
        }
    }
}

#[derive(Debug)]
enum Failure {
    /// No conversion exists between the types; the message names the nesting itself.
    Type(String),
    /// This value cannot be converted; `path` is innermost-first while unwinding.
    Value { path: Vec<Step>, message: String },
}

impl Failure {
    fn value(message: impl Into<String>) -> Failure {
        Failure::Value {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// Adds the step to a value failure, or rewords a type failure with `wrap`.
    fn within(self, step: Step, wrap: impl FnOnce(String) -> String) -> Failure {
        match self {
            Failure::Type(m) => Failure::Type(wrap(m)),
            Failure::Value { mut path, message } => {
                path.push(step);
                Failure::Value { path, message }
            }
        }
    }
}

fn required(want: &Type) -> Failure {
    Failure::Type(format!("{} required", friendly_constraint_name(want)))
}

fn conv(value: Value, want: &Type, depth: usize) -> Result<Value, Failure> {
    if depth > MAX_DEPTH {
        return Err(Failure::value("value is nested too deeply"));
    }
    if *want == Type::Dynamic {
        return Ok(value);
    }
    let (value, marked) = value.unmark();
    let converted = match value.into_kind() {
        ValueKind::Unknown(t) => {
            type_conv(&t, want, depth).map_err(Failure::Type)?;
            Value::unknown(refine(want, &t))
        }
        ValueKind::Null(t) => {
            type_conv(&t, want, depth).map_err(Failure::Type)?;
            Value::null_of(refine(want, &t))
        }
        kind => conv_known(kind, want, depth)?,
    };
    Ok(converted.mark_sensitive_if(marked))
}

fn conv_known(kind: ValueKind, want: &Type, depth: usize) -> Result<Value, Failure> {
    match (kind, want) {
        (ValueKind::String(s), Type::String) => Ok(Value::string(s)),
        (ValueKind::Number(n), Type::String) => Ok(Value::string(format_number(n))),
        (ValueKind::Bool(b), Type::String) => Ok(Value::string(if b { "true" } else { "false" })),
        (ValueKind::Number(n), Type::Number) => Ok(Value::number(n)),
        (ValueKind::String(s), Type::Number) => parse_number(&s)
            .map(Value::number)
            .ok_or_else(|| Failure::value("a number is required")),
        (ValueKind::Bool(b), Type::Bool) => Ok(Value::bool(b)),
        (ValueKind::String(s), Type::Bool) => match s.as_str() {
            "true" | "1" => Ok(Value::bool(true)),
            "false" | "0" => Ok(Value::bool(false)),
            _ => Err(Failure::value("a bool is required")),
        },
        (ValueKind::List(elems) | ValueKind::Set(elems), Type::List(ety)) => {
            conv_seq(elems, ety, depth, |_, m| {
                format!("incorrect list element type: {m}")
            })
            .map(Value::list)
        }
        (ValueKind::Tuple(elems), Type::List(ety)) => {
            conv_tuple_elems(elems, ety, "list", depth).map(Value::list)
        }
        (ValueKind::List(elems) | ValueKind::Set(elems), Type::Set(ety)) => {
            conv_seq(elems, ety, depth, |_, m| {
                format!("incorrect set element type: {m}")
            })
            .map(Value::set)
        }
        (ValueKind::Tuple(elems), Type::Set(ety)) => {
            conv_tuple_elems(elems, ety, "set", depth).map(Value::set)
        }
        (ValueKind::Map(m), Type::Map(ety)) => conv_entries(m, ety, depth, |_, m| {
            format!("incorrect map element type: {m}")
        })
        .map(Value::map),
        (ValueKind::Object(m), Type::Map(ety)) => {
            let unify_fails = || Failure::Type("all map elements must have the same type".into());
            if **ety == Type::Dynamic && unify_values(m.values()).is_none() {
                return Err(unify_fails());
            }
            conv_entries(m, ety, depth, |k, m| {
                format!("element {}: {m}", quote_string(k))
            })
            .map(Value::map)
        }
        (ValueKind::Object(mut m), Type::Object(want_attrs)) => {
            let missing: Vec<&String> = want_attrs.keys().filter(|k| !m.contains_key(*k)).collect();
            if !missing.is_empty() {
                return Err(Failure::Type(missing_attrs_message(&missing)));
            }
            let mut out = BTreeMap::new();
            for (name, aty) in want_attrs {
                let v = m.remove(name).unwrap_or_else(Value::null);
                let v = conv(v, aty, depth + 1).map_err(|e| {
                    e.within(Step::Attr(name.clone()), |m| {
                        format!("attribute {}: {m}", quote_string(name))
                    })
                })?;
                out.insert(name.clone(), v);
            }
            Ok(Value::object(out))
        }
        (ValueKind::Map(mut m), Type::Object(want_attrs)) => {
            let mut out = BTreeMap::new();
            for (name, aty) in want_attrs {
                let Some(v) = m.remove(name) else {
                    return Err(Failure::Value {
                        path: Vec::new(),
                        message: format!(
                            "map has no element for required attribute {}",
                            quote_string(name)
                        ),
                    });
                };
                let v = conv(v, aty, depth + 1)
                    .map_err(|e| e.within(Step::Key(name.clone()), |_| "object required".into()))?;
                out.insert(name.clone(), v);
            }
            Ok(Value::object(out))
        }
        (ValueKind::Tuple(elems), Type::Tuple(want_elems)) => {
            if elems.len() != want_elems.len() {
                return Err(required(want));
            }
            let mut out = Vec::with_capacity(elems.len());
            for (i, (v, ety)) in elems.into_iter().zip(want_elems).enumerate() {
                out.push(
                    conv(v, ety, depth + 1)
                        .map_err(|e| e.within(Step::Index(i), |m| format!("element {i}: {m}")))?,
                );
            }
            Ok(Value::tuple(out))
        }
        _ => Err(required(want)),
    }
}

/// Converts list, set or tuple elements to `ety`, unifying them afterwards when `ety` has
/// `Dynamic`. `wrap` rewords an element's type failure, given its index.
fn conv_seq(
    elems: Vec<Value>,
    ety: &Type,
    depth: usize,
    wrap: impl Fn(usize, String) -> String,
) -> Result<Vec<Value>, Failure> {
    let mut out = Vec::with_capacity(elems.len());
    for (i, v) in elems.into_iter().enumerate() {
        out.push(conv(v, ety, depth + 1).map_err(|e| e.within(Step::Index(i), |m| wrap(i, m)))?);
    }
    if ety.has_dynamic() && out.len() > 1 {
        let Some(unified) = unify_values(&out) else {
            return Err(Failure::value("collection elements cannot be unified"));
        };
        let mut unified_out = Vec::with_capacity(out.len());
        for (i, v) in out.into_iter().enumerate() {
            if v.ty() == unified {
                unified_out.push(v);
            } else {
                unified_out.push(
                    conv(v, &unified, depth + 1)
                        .map_err(|e| e.within(Step::Index(i), |m| wrap(i, m)))?,
                );
            }
        }
        out = unified_out;
    }
    Ok(out)
}

/// Converts tuple elements to the element type of a list or set (`noun`).
fn conv_tuple_elems(
    elems: Vec<Value>,
    ety: &Type,
    noun: &str,
    depth: usize,
) -> Result<Vec<Value>, Failure> {
    if *ety == Type::Dynamic && unify_values(&elems).is_none() {
        return Err(Failure::Type(format!(
            "all {noun} elements must have the same type"
        )));
    }
    conv_seq(elems, ety, depth, |i, m| format!("element {i}: {m}"))
}

/// Converts map or object entries to `ety`, unifying them afterwards when `ety` has `Dynamic`.
/// `wrap` rewords an entry's type failure, given its key.
fn conv_entries(
    entries: BTreeMap<String, Value>,
    ety: &Type,
    depth: usize,
    wrap: impl Fn(&str, String) -> String,
) -> Result<BTreeMap<String, Value>, Failure> {
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let v = conv(v, ety, depth + 1).map_err(|e| {
            let reworded = |m| wrap(&k, m);
            e.within(Step::Key(k.clone()), reworded)
        })?;
        out.insert(k, v);
    }
    if ety.has_dynamic() && out.len() > 1 {
        let Some(unified) = unify_values(out.values()) else {
            return Err(Failure::value("collection elements cannot be unified"));
        };
        let mut unified_out = BTreeMap::new();
        for (k, v) in out {
            let v = if v.ty() == unified {
                v
            } else {
                conv(v, &unified, depth + 1).map_err(|e| {
                    let reworded = |m| wrap(&k, m);
                    e.within(Step::Key(k.clone()), reworded)
                })?
            };
            unified_out.insert(k, v);
        }
        out = unified_out;
    }
    Ok(out)
}

/// The type the elements of a collection unify to. Untyped nulls and unknowns (an omitted
/// attribute, `null` in a literal) fit any type, so they do not take part; only those gives
/// `Dynamic`.
pub fn unify_values<'a>(values: impl IntoIterator<Item = &'a Value>) -> Option<Type> {
    let typed = values.into_iter().filter(|v| {
        !matches!(
            v.kind(),
            ValueKind::Null(Type::Dynamic) | ValueKind::Unknown(Type::Dynamic)
        )
    });
    let types = distinct_types(typed.map(Value::ty).collect::<Vec<_>>().iter());
    if types.is_empty() {
        return Some(Type::Dynamic);
    }
    unify(&types)
}

/// The distinct types, in order of first appearance.
fn distinct_types<'a>(types: impl Iterator<Item = &'a Type>) -> Vec<Type> {
    let mut seen = std::collections::BTreeSet::new();
    types.filter(|t| seen.insert(*t)).cloned().collect()
}

fn missing_attrs_message(missing: &[&String]) -> String {
    let quoted: Vec<String> = missing.iter().map(|n| quote_string(n)).collect();
    match quoted.as_slice() {
        [one] => format!("attribute {one} is required"),
        [a, b] => format!("attributes {a} and {b} are required"),
        [init @ .., last] => format!("attributes {}, and {last} are required", init.join(", ")),
        [] => "incorrect object attributes".into(),
    }
}

/// Parses a decimal number as cty does (no hex, no `inf`/`nan`, no surrounding spaces).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let valid = !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if !valid {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The type to give a null or unknown of type `have` converted to `want`: `want`, with its
/// `Dynamic` parts taken from `have` where the shapes agree.
fn refine(want: &Type, have: &Type) -> Type {
    match (want, have) {
        (Type::Dynamic, _) => have.clone(),
        (Type::List(w), Type::List(h) | Type::Set(h)) => Type::list(refine(w, h)),
        (Type::Set(w), Type::Set(h) | Type::List(h)) => Type::set(refine(w, h)),
        (Type::Map(w), Type::Map(h)) => Type::map(refine(w, h)),
        (Type::Object(w), Type::Object(h)) => Type::Object(
            w.iter()
                .map(|(k, wt)| {
                    (
                        k.clone(),
                        h.get(k)
                            .map(|ht| refine(wt, ht))
                            .unwrap_or_else(|| wt.clone()),
                    )
                })
                .collect(),
        ),
        (Type::Tuple(w), Type::Tuple(h)) if w.len() == h.len() => {
            Type::Tuple(w.iter().zip(h).map(|(wt, ht)| refine(wt, ht)).collect())
        }
        _ => want.clone(),
    }
}

// ---- type-level conversion (cty's GetConversionUnsafe + MismatchMessage) ----

fn type_conv(from: &Type, to: &Type, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("type is nested too deeply".into());
    }
    if from == to || *to == Type::Dynamic || *from == Type::Dynamic {
        return Ok(());
    }
    let d = depth + 1;
    match (from, to) {
        (Type::Number | Type::Bool, Type::String) | (Type::String, Type::Number | Type::Bool) => {
            Ok(())
        }
        (Type::List(f) | Type::Set(f), Type::List(t)) => {
            type_conv(f, t, d).map_err(|m| format!("incorrect list element type: {m}"))
        }
        (Type::List(f) | Type::Set(f), Type::Set(t)) => {
            type_conv(f, t, d).map_err(|m| format!("incorrect set element type: {m}"))
        }
        (Type::Map(f), Type::Map(t)) => {
            type_conv(f, t, d).map_err(|m| format!("incorrect map element type: {m}"))
        }
        (Type::Tuple(elems), Type::List(t) | Type::Set(t)) => {
            let noun = if matches!(to, Type::List(_)) {
                "list"
            } else {
                "set"
            };
            let target = if **t == Type::Dynamic {
                match unify(elems) {
                    Some(u) => u,
                    None if elems.is_empty() => return Ok(()),
                    None => return Err(format!("all {noun} elements must have the same type")),
                }
            } else {
                (**t).clone()
            };
            for (i, e) in elems.iter().enumerate() {
                type_conv(e, &target, d).map_err(|m| format!("element {i}: {m}"))?;
            }
            Ok(())
        }
        (Type::Object(attrs), Type::Map(t)) => {
            let target = if **t == Type::Dynamic {
                let types: Vec<Type> = attrs.values().cloned().collect();
                match unify(&types) {
                    Some(u) => u,
                    None if types.is_empty() => return Ok(()),
                    None => return Err("all map elements must have the same type".into()),
                }
            } else {
                (**t).clone()
            };
            for (k, a) in attrs {
                type_conv(a, &target, d)
                    .map_err(|m| format!("element {}: {m}", quote_string(k)))?;
            }
            Ok(())
        }
        (Type::Object(have), Type::Object(want)) => {
            let missing: Vec<&String> = want.keys().filter(|k| !have.contains_key(*k)).collect();
            if !missing.is_empty() {
                return Err(missing_attrs_message(&missing));
            }
            for (k, w) in want {
                if let Some(h) = have.get(k) {
                    type_conv(h, w, d)
                        .map_err(|m| format!("attribute {}: {m}", quote_string(k)))?;
                }
            }
            Ok(())
        }
        (Type::Map(f), Type::Object(want)) => {
            if want.values().all(|w| type_conv(f, w, d).is_ok()) {
                Ok(())
            } else {
                Err("object required".into())
            }
        }
        (Type::Tuple(have), Type::Tuple(want)) => {
            if have.len() != want.len() {
                return Err("tuple required".into());
            }
            for (i, (h, w)) in have.iter().zip(want).enumerate() {
                type_conv(h, w, d).map_err(|m| format!("element {i}: {m}"))?;
            }
            Ok(())
        }
        _ => Err(format!("{} required", friendly_constraint_name(to))),
    }
}

// ---- unification ----

fn unify_depth(types: &[Type], depth: usize) -> Option<Type> {
    let first = types.first()?;
    if types.iter().all(|t| t == first) {
        return Some(first.clone());
    }
    // Work on the distinct types only (a long list literal has few of them).
    let distinct = distinct_types(types.iter());
    if distinct.len() < types.len() {
        return unify_depth(&distinct, depth);
    }
    if depth > MAX_DEPTH || types.contains(&Type::Dynamic) {
        return (depth <= MAX_DEPTH).then_some(Type::Dynamic);
    }
    let d = depth + 1;
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let n = types.len();
    let objects = count(|t| matches!(t, Type::Object(_)));
    let tuples = count(|t| matches!(t, Type::Tuple(_)));
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let elems = |ts: &[Type]| -> Vec<Type> {
        ts.iter()
            .flat_map(|t| match t {
                Type::List(e) | Type::Set(e) | Type::Map(e) => vec![(**e).clone()],
                Type::Tuple(es) => es.clone(),
                Type::Object(attrs) => attrs.values().cloned().collect(),
                _ => Vec::new(),
            })
            .collect()
    };
    if objects > 0 && tuples > 0 {
        return None;
    }
    if maps == n || (maps > 0 && maps + objects == n) {
        if let Some(ety) = unify_depth(&elems(types), d) {
            let ty = Type::map(ety);
            if types.iter().all(|t| type_conv(t, &ty, d).is_ok()) {
                return Some(ty);
            }
        }
        if maps == n {
            return None;
        }
    }
    if lists == n || (lists > 0 && lists + tuples == n) {
        if let Some(ety) = unify_depth(&elems(types), d) {
            let ty = Type::list(ety);
            if types.iter().all(|t| type_conv(t, &ty, d).is_ok()) {
                return Some(ty);
            }
        }
        if lists == n {
            return None;
        }
    }
    if sets == n {
        return unify_depth(&elems(types), d).map(Type::set);
    }
    if objects == n {
        return unify_objects(types, d);
    }
    if tuples == n {
        return unify_tuples(types, d);
    }
    // The most general of the given types that all the others convert to.
    let mut candidates: Vec<&Type> = types.iter().collect();
    candidates.sort_by_key(|t| std::cmp::Reverse(generality(t)));
    candidates
        .into_iter()
        .find(|cand| types.iter().all(|t| type_conv(t, cand, d).is_ok()))
        .cloned()
}

/// A rough preference order among candidate result types (cty's `sortTypes`): strings over
/// other primitives, collections over the structural types they accept, sets over lists.
fn generality(t: &Type) -> u8 {
    match t {
        Type::Dynamic => 9,
        Type::String => 2,
        Type::Number | Type::Bool => 1,
        Type::Set(_) => 5,
        Type::List(_) | Type::Map(_) => 4,
        Type::Tuple(_) | Type::Object(_) => 3,
    }
}

fn unify_objects(types: &[Type], depth: usize) -> Option<Type> {
    let attr_sets: Vec<&BTreeMap<String, Type>> = types
        .iter()
        .filter_map(|t| match t {
            Type::Object(a) => Some(a),
            _ => None,
        })
        .collect();
    let first = attr_sets.first()?;
    let same_names = attr_sets
        .iter()
        .all(|a| a.len() == first.len() && a.keys().eq(first.keys()));
    if same_names {
        let mut out = BTreeMap::new();
        for name in first.keys() {
            let across: Vec<Type> = attr_sets
                .iter()
                .filter_map(|a| a.get(name).cloned())
                .collect();
            out.insert(name.clone(), unify_depth(&across, depth)?);
        }
        return Some(Type::Object(out));
    }
    let all: Vec<Type> = attr_sets.iter().flat_map(|a| a.values().cloned()).collect();
    let ety = if all.is_empty() {
        Type::Dynamic
    } else {
        unify_depth(&all, depth)?
    };
    Some(Type::map(ety))
}

fn unify_tuples(types: &[Type], depth: usize) -> Option<Type> {
    let elem_lists: Vec<&Vec<Type>> = types
        .iter()
        .filter_map(|t| match t {
            Type::Tuple(e) => Some(e),
            _ => None,
        })
        .collect();
    let first = elem_lists.first()?;
    if elem_lists.iter().all(|e| e.len() == first.len()) {
        let mut out = Vec::with_capacity(first.len());
        for i in 0..first.len() {
            let across: Vec<Type> = elem_lists
                .iter()
                .filter_map(|e| e.get(i).cloned())
                .collect();
            out.push(unify_depth(&across, depth)?);
        }
        return Some(Type::Tuple(out));
    }
    let all: Vec<Type> = elem_lists.iter().flat_map(|e| e.iter().cloned()).collect();
    let ety = if all.is_empty() {
        Type::Dynamic
    } else {
        unify_depth(&all, depth)?
    };
    Some(Type::list(ety))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::string(v)
    }
    fn n(v: f64) -> Value {
        Value::number(v)
    }
    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
    fn obj_ty(pairs: &[(&str, Type)]) -> Type {
        Type::Object(
            pairs
                .iter()
                .map(|(k, t)| (k.to_string(), t.clone()))
                .collect(),
        )
    }
    fn err(v: Value, t: &Type) -> String {
        convert(v, t).unwrap_err().to_string()
    }

    #[test]
    fn primitives() {
        assert_eq!(convert(n(1.5), &Type::String).unwrap(), s("1.5"));
        assert_eq!(convert(n(5.0), &Type::String).unwrap(), s("5"));
        assert_eq!(
            convert(Value::bool(true), &Type::String).unwrap(),
            s("true")
        );
        assert_eq!(convert(s("12"), &Type::Number).unwrap(), n(12.0));
        assert_eq!(convert(s("-1.5e2"), &Type::Number).unwrap(), n(-150.0));
        assert_eq!(convert(s("true"), &Type::Bool).unwrap(), Value::bool(true));
        assert_eq!(convert(s("0"), &Type::Bool).unwrap(), Value::bool(false));
        assert_eq!(err(s("abc"), &Type::Number), "a number is required");
        assert_eq!(err(s("0x10"), &Type::Number), "a number is required");
        assert_eq!(err(s("inf"), &Type::Number), "a number is required");
        assert_eq!(err(s(" 1"), &Type::Number), "a number is required");
        assert_eq!(err(s("yes"), &Type::Bool), "a bool is required");
        assert_eq!(err(n(1.0), &Type::Bool), "bool required");
        assert_eq!(err(Value::bool(true), &Type::Number), "number required");
        assert_eq!(err(Value::tuple(vec![]), &Type::String), "string required");
        assert_eq!(
            err(s("a"), &Type::list(Type::String)),
            "list of string required"
        );
        assert_eq!(
            err(s("a"), &Type::map(Type::Dynamic)),
            "map of any single type required"
        );
    }

    #[test]
    fn tuples_to_lists_and_sets() {
        let t = Value::tuple(vec![s("a"), n(1.0)]);
        let l = convert(t.clone(), &Type::list(Type::Dynamic)).unwrap();
        assert_eq!(l, Value::list(vec![s("a"), s("1")]));
        let set = convert(
            Value::tuple(vec![s("b"), s("a"), s("b")]),
            &Type::set(Type::String),
        )
        .unwrap();
        assert_eq!(set.to_string(), r#"["a", "b"]"#);
        assert!(matches!(set.kind(), ValueKind::Set(_)));
        let nested = Value::tuple(vec![s("a"), Value::tuple(vec![n(1.0)])]);
        assert_eq!(
            err(nested.clone(), &Type::list(Type::String)),
            "element 1: string required"
        );
        assert_eq!(
            err(nested, &Type::list(Type::Dynamic)),
            "all list elements must have the same type"
        );
        assert_eq!(
            err(
                Value::tuple(vec![s("1"), s("x")]),
                &Type::list(Type::Number)
            ),
            "[1]: a number is required"
        );
        let empty = convert(Value::tuple(vec![]), &Type::list(Type::String)).unwrap();
        assert_eq!(empty, Value::list(vec![]));
        // A null in a literal takes the other elements' type.
        let with_null = convert(
            Value::tuple(vec![Value::null(), n(2.0)]),
            &Type::list(Type::Dynamic),
        )
        .unwrap();
        assert_eq!(
            with_null,
            Value::list(vec![Value::null_of(Type::Number), n(2.0)])
        );
    }

    #[test]
    fn lists_sets_maps() {
        let set = Value::set(vec![n(2.0), n(1.0)]);
        let l = convert(set, &Type::list(Type::String)).unwrap();
        assert_eq!(l, Value::list(vec![s("1"), s("2")]));
        let list = Value::list(vec![s("x")]);
        assert_eq!(
            err(list.clone(), &Type::list(Type::Number)),
            "[0]: a number is required"
        );
        assert_eq!(
            err(
                Value::list(vec![Value::list(vec![])]),
                &Type::list(Type::Number)
            ),
            "incorrect list element type: number required"
        );
        assert_eq!(
            err(list, &Type::map(Type::String)),
            "map of string required"
        );
        let o = obj(&[("a", s("x")), ("b", n(1.0)), ("c", Value::bool(true))]);
        let m = convert(o, &Type::map(Type::Dynamic)).unwrap();
        assert_eq!(m.to_string(), r#"{ a = "x", b = "1", c = "true" }"#);
        assert!(matches!(m.kind(), ValueKind::Map(_)));
        let mixed = obj(&[("a", s("x")), ("b", Value::tuple(vec![]))]);
        assert_eq!(
            err(mixed.clone(), &Type::map(Type::Dynamic)),
            "all map elements must have the same type"
        );
        assert_eq!(
            err(mixed, &Type::map(Type::String)),
            r#"element "b": string required"#
        );
        let m = Value::map([("k".to_string(), s("v"))].into());
        assert_eq!(
            err(m, &Type::map(Type::Number)),
            r#"["k"]: a number is required"#
        );
    }

    #[test]
    fn objects() {
        let want = obj_ty(&[("a", Type::String), ("b", Type::Number)]);
        let v = obj(&[("a", n(1.0)), ("b", s("2")), ("extra", Value::bool(true))]);
        assert_eq!(
            convert(v, &want).unwrap(),
            obj(&[("a", s("1")), ("b", n(2.0))])
        );
        assert_eq!(
            err(obj(&[("a", s("x"))]), &want),
            r#"attribute "b" is required"#
        );
        assert_eq!(
            err(obj(&[]), &want),
            r#"attributes "a" and "b" are required"#
        );
        let three = obj_ty(&[
            ("a", Type::String),
            ("b", Type::String),
            ("c", Type::String),
        ]);
        assert_eq!(
            err(obj(&[]), &three),
            r#"attributes "a", "b", and "c" are required"#
        );
        let nested = obj_ty(&[("a", obj_ty(&[("x", Type::String)]))]);
        assert_eq!(
            err(obj(&[("a", obj(&[]))]), &nested),
            r#"attribute "a": attribute "x" is required"#
        );
        let deep = obj_ty(&[("a", Type::list(Type::Number))]);
        assert_eq!(
            err(obj(&[("a", Value::tuple(vec![s("1"), s("x")]))]), &deep),
            ".a[1]: a number is required"
        );
        let e = convert(obj(&[("a", Value::tuple(vec![s("1"), s("x")]))]), &deep).unwrap_err();
        assert_eq!(e.path, ".a[1]");
        // Maps convert to objects when they have every attribute.
        let m = Value::map(
            [
                ("a".to_string(), s("1")),
                ("b".to_string(), s("2")),
                ("z".to_string(), s("3")),
            ]
            .into(),
        );
        assert_eq!(
            convert(m, &want).unwrap(),
            obj(&[("a", s("1")), ("b", n(2.0))])
        );
        let m = Value::map([("a".to_string(), s("1"))].into());
        assert_eq!(
            err(m, &want),
            r#"map has no element for required attribute "b""#
        );
        // Paths through map keys are quoted.
        let m = Value::map([("k".to_string(), obj(&[("n", s("x"))]))].into());
        assert_eq!(
            err(m, &Type::map(obj_ty(&[("n", Type::Number)]))),
            r#"["k"].n: a number is required"#
        );
    }

    #[test]
    fn tuples_to_tuples() {
        let want = Type::Tuple(vec![Type::String, Type::Number]);
        assert_eq!(
            convert(Value::tuple(vec![n(1.0), s("2")]), &want).unwrap(),
            Value::tuple(vec![s("1"), n(2.0)])
        );
        assert_eq!(err(Value::tuple(vec![n(1.0)]), &want), "tuple required");
    }

    #[test]
    fn dynamic_keeps_values_and_unifies_collections() {
        let v = obj(&[("a", n(1.0))]);
        assert_eq!(convert(v.clone(), &Type::Dynamic).unwrap(), v);
        let t = Value::tuple(vec![obj(&[("a", n(1.0))]), obj(&[("b", s("x"))])]);
        let l = convert(t, &Type::list(Type::Dynamic)).unwrap();
        assert_eq!(l.ty(), Type::list(Type::map(Type::String)));
        assert_eq!(l.to_string(), r#"[{ a = "1" }, { b = "x" }]"#);
        let want = Type::list(obj_ty(&[("a", Type::Dynamic)]));
        let t = Value::tuple(vec![obj(&[("a", n(1.0))]), obj(&[("a", s("x"))])]);
        let l = convert(t, &want).unwrap();
        assert_eq!(l.to_string(), r#"[{ a = "1" }, { a = "x" }]"#);
    }

    #[test]
    fn nulls_and_unknowns() {
        assert_eq!(
            convert(Value::null(), &Type::String).unwrap(),
            Value::null_of(Type::String)
        );
        assert_eq!(
            convert(Value::unknown(Type::Dynamic), &Type::list(Type::String)).unwrap(),
            Value::unknown(Type::list(Type::String))
        );
        assert_eq!(
            convert(Value::unknown(Type::Number), &Type::String).unwrap(),
            Value::unknown(Type::String)
        );
        assert_eq!(
            err(Value::unknown(Type::list(Type::String)), &Type::String),
            "string required"
        );
        assert_eq!(
            convert(
                Value::null_of(Type::list(Type::String)),
                &Type::list(Type::Dynamic)
            )
            .unwrap(),
            Value::null_of(Type::list(Type::String))
        );
        let partly = Value::tuple(vec![s("a"), Value::unknown(Type::String)]);
        let l = convert(partly, &Type::list(Type::String)).unwrap();
        assert_eq!(l, Value::list(vec![s("a"), Value::unknown(Type::String)]));
    }

    #[test]
    fn sensitive_marks_are_kept() {
        let v = convert(n(1.0).mark_sensitive(), &Type::String).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(v.unmark().0, s("1"));
        let t = Value::tuple(vec![s("a"), n(2.0).mark_sensitive()]);
        let l = convert(t, &Type::list(Type::String)).unwrap();
        assert!(!l.is_sensitive());
        let elems = l.as_seq().unwrap();
        assert!(!elems[0].is_sensitive() && elems[1].is_sensitive());
        assert_eq!(elems[1].clone().unmark().0, s("2"));
        let o = obj(&[("a", s("1").mark_sensitive())]).mark_sensitive();
        let m = convert(o, &Type::map(Type::Number)).unwrap();
        assert!(m.is_sensitive() && m.get_attr("a").unwrap().is_sensitive());
    }

    #[test]
    fn unification() {
        use Type::*;
        assert_eq!(unify(&[]), None);
        assert_eq!(unify(&[String, String]), Some(String));
        assert_eq!(unify(&[String, Number]), Some(String));
        assert_eq!(unify(&[Number, String, Bool]), Some(String));
        assert_eq!(unify(&[Number, Bool]), None);
        assert_eq!(unify(&[Dynamic, String]), Some(Dynamic));
        assert_eq!(
            unify(&[Type::list(Number), Type::list(String)]),
            Some(Type::list(String))
        );
        assert_eq!(
            unify(&[Type::list(Number), Tuple(vec![String])]),
            Some(Type::list(String))
        );
        assert_eq!(unify(&[Type::map(Number), obj_ty(&[("a", Bool)])]), None);
        assert_eq!(
            unify(&[Type::map(String), obj_ty(&[("a", Bool)])]),
            Some(Type::map(String))
        );
        assert_eq!(
            unify(&[obj_ty(&[("a", String)]), obj_ty(&[("a", Number)])]),
            Some(obj_ty(&[("a", String)]))
        );
        assert_eq!(
            unify(&[obj_ty(&[("a", String)]), obj_ty(&[("b", Number)])]),
            Some(Type::map(String))
        );
        assert_eq!(unify(&[obj_ty(&[("a", String)]), Tuple(vec![])]), None);
        assert_eq!(
            unify(&[Tuple(vec![String, Number]), Tuple(vec![Number, Number])]),
            Some(Tuple(vec![String, Number]))
        );
        assert_eq!(
            unify(&[Tuple(vec![String]), Tuple(vec![Number, Number])]),
            Some(Type::list(String))
        );
        assert_eq!(
            unify(&[Type::set(String), Type::set(Number)]),
            Some(Type::set(String))
        );
        assert_eq!(unify(&[Type::list(String), String]), None);
    }

    #[test]
    fn mismatch_messages_for_types() {
        assert_eq!(type_mismatch(&Type::String, &Type::Number), None);
        assert_eq!(
            type_mismatch(&Type::list(Type::String), &Type::map(Type::String)).as_deref(),
            Some("map of string required")
        );
        assert_eq!(
            friendly_constraint_name(&Type::list(Type::Dynamic)),
            "list of any single type"
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_crashed() {
        let mut v = s("x");
        for _ in 0..(MAX_DEPTH + 10) {
            v = Value::tuple(vec![v]);
        }
        let mut want = Type::String;
        for _ in 0..(MAX_DEPTH + 10) {
            want = Type::list(want);
        }
        assert!(convert(v, &want).is_err());
    }
}
