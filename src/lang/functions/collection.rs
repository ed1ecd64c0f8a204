//! Collection functions: alltrue anytrue chunklist coalesce coalescelist compact concat contains
//! distinct element flatten index keys length lookup matchkeys merge one range reverse
//! setintersection setproduct setsubtract setunion slice sort sum transpose values zipmap.

use std::collections::BTreeMap;

use super::{
    arg_err, err, ret_bool, ret_dynamic, ret_list_string, ret_number, Args, FuncError, Param, Spec,
    ANY, NUM, P,
};
use crate::lang::convert::{convert, unify, unify_values};
use crate::lang::{Type, Value, ValueKind};

const LIST_ANY: Param = Param::of(P::List(&P::Any));
const SET_ANY: Param = Param::of(P::Set(&P::Any));

/// Nested lists deeper than this are not flattened (values are bounded by the parser anyway).
const MAX_FLATTEN_DEPTH: usize = 256;
/// `setproduct` refuses results larger than this rather than exhausting memory.
const MAX_PRODUCT: usize = 1_000_000;

pub(super) const SPECS: &[Spec] = &[
    Spec::new(
        "alltrue",
        &[Param::of(P::List(&P::Bool)).unknown()],
        ret_bool,
        alltrue,
    ),
    Spec::new(
        "anytrue",
        &[Param::of(P::List(&P::Bool)).unknown()],
        ret_bool,
        anytrue,
    ),
    Spec::new(
        "chunklist",
        &[LIST_ANY.unknown(), NUM],
        ret_chunklist,
        chunklist,
    ),
    Spec::new("coalesce", &[], ret_dynamic, coalesce).variadic(ANY.null().unknown()),
    Spec::new("coalescelist", &[], ret_dynamic, coalescelist).variadic(ANY.null().unknown()),
    Spec::new(
        "compact",
        &[Param::of(P::List(&P::String))],
        ret_list_string,
        compact,
    ),
    Spec::new("concat", &[], ret_dynamic, concat).variadic(ANY.unknown().marked()),
    Spec::new(
        "contains",
        &[ANY.unknown(), ANY.unknown()],
        ret_bool,
        contains,
    ),
    Spec::new("distinct", &[LIST_ANY], ret_first_type, distinct),
    Spec::new("element", &[ANY.unknown(), NUM], ret_dynamic, element),
    Spec::new("flatten", &[ANY.unknown()], ret_dynamic, flatten),
    Spec::new("index", &[ANY.unknown(), ANY.unknown()], ret_number, index),
    Spec::new("keys", &[ANY.unknown().marked()], ret_keys, keys),
    Spec::new("length", &[ANY.unknown().marked()], ret_number, length),
    Spec::new(
        "lookup",
        &[ANY.marked(), Param::of(P::String).marked()],
        ret_dynamic,
        lookup,
    )
    .variadic(ANY.null().unknown().marked()),
    Spec::new(
        "matchkeys",
        &[LIST_ANY, LIST_ANY, LIST_ANY],
        ret_first_type,
        matchkeys,
    ),
    Spec::new("merge", &[], ret_dynamic, merge).variadic(ANY.null().unknown()),
    Spec::new("one", &[ANY.unknown()], ret_dynamic, one),
    Spec::new("range", &[], ret_list_number, range).variadic(Param::of(P::Number)),
    Spec::new("reverse", &[ANY.unknown()], ret_first_type, reverse),
    Spec::new("setintersection", &[SET_ANY], ret_dynamic, |a| {
        set_operation(a, SetOp::Intersection)
    })
    .variadic(SET_ANY),
    Spec::new("setsubtract", &[SET_ANY, SET_ANY], ret_dynamic, |a| {
        set_operation(a, SetOp::Subtract)
    }),
    Spec::new("setunion", &[SET_ANY], ret_dynamic, |a| {
        set_operation(a, SetOp::Union)
    })
    .variadic(SET_ANY),
    Spec::new("setproduct", &[], ret_dynamic, setproduct).variadic(ANY),
    Spec::new("slice", &[ANY.unknown(), NUM, NUM], ret_first_type, slice),
    Spec::new(
        "sort",
        &[Param::of(P::List(&P::String))],
        ret_list_string,
        sort,
    ),
    Spec::new("sum", &[ANY], ret_number, sum),
    Spec::new(
        "transpose",
        &[Param::of(P::Map(&P::List(&P::String)))],
        ret_transpose,
        transpose,
    ),
    Spec::new("values", &[ANY.unknown()], ret_dynamic, values),
    Spec::new(
        "zipmap",
        &[Param::of(P::List(&P::String)), ANY],
        ret_dynamic,
        zipmap,
    ),
];

fn ret_first_type(args: &[Value]) -> Type {
    args.first().map(Value::ty).unwrap_or(Type::Dynamic)
}
fn ret_chunklist(args: &[Value]) -> Type {
    Type::list(ret_first_type(args))
}
fn ret_keys(args: &[Value]) -> Type {
    match args.first().map(Value::ty) {
        Some(Type::Object(attrs)) => Type::Tuple(vec![Type::String; attrs.len()]),
        _ => Type::list(Type::String),
    }
}
fn ret_list_number(_: &[Value]) -> Type {
    Type::list(Type::Number)
}
fn ret_transpose(_: &[Value]) -> Type {
    Type::map(Type::list(Type::String))
}

fn seq(v: &Value) -> &[Value] {
    v.as_seq().unwrap_or_default()
}

fn alltrue(a: Args) -> Result<Value, FuncError> {
    if !a.get(0).is_known() {
        return Ok(Value::unknown(Type::Bool));
    }
    let mut any_unknown = false;
    for v in seq(a.get(0)) {
        match v.kind() {
            ValueKind::Unknown(_) => any_unknown = true,
            ValueKind::Bool(true) => {}
            _ => return Ok(Value::bool(false)),
        }
    }
    Ok(if any_unknown {
        Value::unknown(Type::Bool)
    } else {
        Value::bool(true)
    })
}

fn anytrue(a: Args) -> Result<Value, FuncError> {
    if !a.get(0).is_known() {
        return Ok(Value::unknown(Type::Bool));
    }
    let mut any_unknown = false;
    for v in seq(a.get(0)) {
        match v.kind() {
            ValueKind::Unknown(_) => any_unknown = true,
            ValueKind::Bool(true) => return Ok(Value::bool(true)),
            _ => {}
        }
    }
    Ok(if any_unknown {
        Value::unknown(Type::Bool)
    } else {
        Value::bool(false)
    })
}

fn chunklist(a: Args) -> Result<Value, FuncError> {
    let list = a.get(0);
    if !list.is_known() {
        return Ok(Value::unknown(ret_chunklist(&a.args)));
    }
    let elems = seq(list);
    if elems.is_empty() {
        return Ok(Value::list(vec![]));
    }
    let size = a.num(1);
    let size = super::whole_number(size).map_err(|m| err(format!("invalid index: {m}")))?;
    if size < 0 {
        return Err(err("the size argument must be positive"));
    }
    if size == 0 {
        return Ok(Value::list(vec![list.clone()]));
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::list(
        elems
            .chunks(size)
            .map(|c| Value::list(c.to_vec()))
            .collect(),
    ))
}

fn coalesce(a: Args) -> Result<Value, FuncError> {
    let ty = unify_values(&a.args).ok_or_else(|| err("all arguments must have the same type"))?;
    for arg in a.args {
        let arg = convert(arg, &ty).map_err(|e| err(e.to_string()))?;
        if !arg.is_known() {
            return Ok(Value::unknown(ty));
        }
        if arg.is_null() || (ty == Type::String && arg.as_str() == Some("")) {
            continue;
        }
        return Ok(arg);
    }
    Err(err("no non-null, non-empty-string arguments"))
}

fn coalescelist(a: Args) -> Result<Value, FuncError> {
    for arg in &a.args {
        match arg.kind() {
            ValueKind::Unknown(_) => return Ok(Value::unknown(Type::Dynamic)),
            ValueKind::Null(_) => continue,
            ValueKind::List(v) | ValueKind::Tuple(v) => {
                if !v.is_empty() {
                    return Ok(arg.clone());
                }
            }
            _ => return Err(err("coalescelist arguments must be lists or tuples")),
        }
    }
    Err(err("no non-null arguments"))
}

fn compact(a: Args) -> Result<Value, FuncError> {
    let kept = seq(a.get(0))
        .iter()
        .filter(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .collect();
    Ok(Value::list(kept))
}

fn concat(a: Args) -> Result<Value, FuncError> {
    if a.args.is_empty() {
        return Err(err("at least one argument is required"));
    }
    for (i, arg) in a.args.iter().enumerate() {
        match arg.kind() {
            ValueKind::List(_) | ValueKind::Tuple(_) => {}
            ValueKind::Unknown(Type::List(_) | Type::Tuple(_) | Type::Dynamic) => {}
            _ => {
                return Err(arg_err(
                    i,
                    format!(
                        "all arguments must be lists or tuples; got {}",
                        arg.ty().friendly_name()
                    ),
                ))
            }
        }
    }
    if a.args.iter().any(|v| !v.is_known()) {
        return Ok(Value::unknown(Type::Dynamic));
    }
    // All lists of one element type concatenate to a list; anything else to a tuple.
    let all_lists = a
        .args
        .iter()
        .all(|v| matches!(v.kind(), ValueKind::List(_)));
    if all_lists {
        let list_ty = unify(&a.args.iter().map(Value::ty).collect::<Vec<_>>());
        if let Some(list_ty @ Type::List(_)) = list_ty {
            let mut out = Vec::new();
            for (i, arg) in a.args.into_iter().enumerate() {
                let converted = convert(arg, &list_ty).map_err(|e| arg_err(i, e.to_string()))?;
                let (converted, marked) = converted.unmark();
                let elems = seq(&converted)
                    .iter()
                    .map(|e| e.clone().mark_sensitive_if(marked));
                out.extend(elems);
            }
            return Ok(Value::list(out));
        }
    }
    let mut out = Vec::new();
    for arg in a.args {
        out.extend(seq(&arg).iter().cloned());
    }
    Ok(Value::tuple(out))
}

fn contains(a: Args) -> Result<Value, FuncError> {
    let (list, value) = (a.get(0), a.get(1));
    let elems = match list.kind() {
        ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => v,
        ValueKind::Unknown(Type::List(_) | Type::Set(_) | Type::Tuple(_) | Type::Dynamic) => {
            return Ok(Value::unknown(Type::Bool))
        }
        _ => return Err(err("argument must be list, tuple, or set")),
    };
    if elems.is_empty() {
        return Ok(Value::bool(false));
    }
    if !value.is_known() {
        return Ok(Value::unknown(Type::Bool));
    }
    let mut any_unknown = false;
    for e in elems {
        match value.equals(e) {
            Some(true) => return Ok(Value::bool(true)),
            Some(false) => {}
            None => any_unknown = true,
        }
    }
    Ok(if any_unknown {
        Value::unknown(Type::Bool)
    } else {
        Value::bool(false)
    })
}

/// Indexes of `values` sorted canonically, for linear-time duplicate detection.
fn sorted_indexes(values: &[Value]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|x, y| Value::canonical_cmp(&values[*x], &values[*y]).then(x.cmp(y)));
    idx
}

fn distinct(a: Args) -> Result<Value, FuncError> {
    let elems = seq(a.get(0));
    // Equal values sort next to each other, earliest first; each run keeps its first member.
    let mut kept = vec![false; elems.len()];
    let mut run_start: Option<usize> = None;
    for i in sorted_indexes(elems) {
        match run_start {
            Some(r) if elems[r].equals(&elems[i]) == Some(true) => {}
            _ => {
                kept[i] = true;
                run_start = Some(i);
            }
        }
    }
    Ok(Value::list(
        elems
            .iter()
            .zip(kept)
            .filter(|(_, k)| *k)
            .map(|(v, _)| v.clone())
            .collect(),
    ))
}

fn element(a: Args) -> Result<Value, FuncError> {
    let list = a.get(0);
    let index = super::whole_number(a.num(1)).map_err(|m| err(format!("invalid index: {m}")))?;
    if index < 0 {
        return Err(err("cannot use element function with a negative index"));
    }
    let elems = match list.kind() {
        ValueKind::List(v) | ValueKind::Tuple(v) => v,
        ValueKind::Unknown(Type::List(t)) => return Ok(Value::unknown((**t).clone())),
        ValueKind::Unknown(Type::Tuple(_) | Type::Dynamic) => {
            return Ok(Value::unknown(Type::Dynamic))
        }
        _ => {
            return Err(err(format!(
                "cannot read elements from {}",
                list.ty().friendly_name()
            )))
        }
    };
    if elems.is_empty() {
        return Err(err("cannot use element function with an empty list"));
    }
    let i = usize::try_from(index).unwrap_or(0) % elems.len();
    Ok(elems.get(i).cloned().unwrap_or_else(Value::null))
}

fn flatten(a: Args) -> Result<Value, FuncError> {
    let list = a.get(0);
    match list.kind() {
        ValueKind::List(_) | ValueKind::Set(_) | ValueKind::Tuple(_) => {}
        ValueKind::Unknown(_) => return Ok(Value::unknown(Type::Dynamic)),
        _ => return Err(err("can only flatten lists, sets and tuples")),
    }
    let mut out = Vec::new();
    if !flatten_into(list, &mut out, 0)? {
        return Ok(Value::unknown(Type::Dynamic));
    }
    Ok(Value::tuple(out))
}

/// Appends the flattened elements; false when a nested sequence is unknown.
fn flatten_into(list: &Value, out: &mut Vec<Value>, depth: usize) -> Result<bool, FuncError> {
    if depth > MAX_FLATTEN_DEPTH {
        return Err(err("value is nested too deeply to flatten"));
    }
    for e in seq(list) {
        match e.kind() {
            ValueKind::List(_) | ValueKind::Set(_) | ValueKind::Tuple(_) => {
                if !flatten_into(e, out, depth + 1)? {
                    return Ok(false);
                }
            }
            ValueKind::Unknown(Type::List(_) | Type::Set(_) | Type::Tuple(_)) => return Ok(false),
            _ => out.push(e.clone()),
        }
    }
    Ok(true)
}

fn index(a: Args) -> Result<Value, FuncError> {
    let (list, value) = (a.get(0), a.get(1));
    let elems = match list.kind() {
        ValueKind::List(v) | ValueKind::Tuple(v) => v,
        ValueKind::Unknown(Type::List(_) | Type::Tuple(_) | Type::Dynamic) => {
            return Ok(Value::unknown(Type::Number))
        }
        _ => return Err(err("argument must be a list or tuple")),
    };
    if elems.is_empty() {
        return Err(err("cannot search an empty list"));
    }
    for (i, e) in elems.iter().enumerate() {
        match e.equals(value) {
            Some(true) => return Ok(Value::number(i as f64)),
            Some(false) => {}
            None => return Ok(Value::unknown(Type::Number)),
        }
    }
    Err(err("item not found"))
}

fn keys(a: Args) -> Result<Value, FuncError> {
    let m = a.get(0);
    let names: Vec<Value> = match m.kind() {
        ValueKind::Object(attrs) => {
            return Ok(Value::tuple(attrs.keys().map(Value::string).collect()))
        }
        ValueKind::Unknown(Type::Object(attrs)) => {
            return Ok(Value::tuple(attrs.keys().map(Value::string).collect()))
        }
        ValueKind::Map(entries) => entries.keys().map(Value::string).collect(),
        ValueKind::Unknown(Type::Map(_)) => return Ok(Value::unknown(Type::list(Type::String))),
        ValueKind::Unknown(Type::Dynamic) => return Ok(Value::unknown(Type::Dynamic)),
        _ => return Err(arg_err(0, "must have map or object type")),
    };
    Ok(Value::list(names))
}

fn length(a: Args) -> Result<Value, FuncError> {
    let v = a.get(0);
    let n = match v.kind() {
        ValueKind::Unknown(Type::Tuple(elems)) => elems.len(),
        ValueKind::Unknown(Type::Object(attrs)) => attrs.len(),
        ValueKind::Unknown(
            Type::Dynamic | Type::String | Type::List(_) | Type::Set(_) | Type::Map(_),
        ) => return Ok(Value::unknown(Type::Number)),
        ValueKind::String(s) => s.chars().count(),
        ValueKind::List(v) | ValueKind::Tuple(v) => v.len(),
        // A set holding unknowns may shrink once they are known.
        ValueKind::Set(v) if v.iter().any(|e| !e.is_wholly_known()) => {
            return Ok(Value::unknown(Type::Number))
        }
        ValueKind::Set(v) => v.len(),
        ValueKind::Map(m) | ValueKind::Object(m) => m.len(),
        _ => {
            return Err(err(
                "argument must be a string, a collection type, or a structural type",
            ))
        }
    };
    Ok(Value::number(n as f64))
}

fn lookup(a: Args) -> Result<Value, FuncError> {
    if a.args.len() > 3 {
        return Err(err(format!(
            "lookup() takes two or three arguments, got {}",
            a.args.len()
        )));
    }
    let (m, key) = (a.get(0), a.str(1));
    let default = a.args.get(2);
    match m.kind() {
        ValueKind::Object(attrs) => match (attrs.get(key), default) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(d)) => Ok(d.clone()),
            (None, None) => Err(arg_err(
                0,
                format!("the given object has no attribute {}", a.quote(key)),
            )),
        },
        ValueKind::Map(entries) => {
            if let Some(v) = entries.get(key) {
                return Ok(v.clone());
            }
            let Some(d) = default else {
                return Err(err(format!("lookup failed to find key {}", a.quote(key))));
            };
            let elem_ty = match m.ty() {
                Type::Map(t) => *t,
                _ => Type::Dynamic,
            };
            convert(d.clone(), &elem_ty).map_err(|_| {
                arg_err(
                    2,
                    "the default value must have the same type as the map elements",
                )
            })
        }
        _ => Err(arg_err(0, "lookup() requires a map as the first argument")),
    }
}

fn matchkeys(a: Args) -> Result<Value, FuncError> {
    let key_ty = unify(&[a.get(1).ty(), a.get(2).ty()])
        .ok_or_else(|| err("keys and searchset must be of the same type"))?;
    let (values, keys) = (seq(a.get(0)), a.get(1));
    if values.len() != seq(keys).len() {
        return Err(err("length of keys and values should be equal"));
    }
    let keys = convert(keys.clone(), &key_ty).map_err(|e| err(e.to_string()))?;
    let search = convert(a.get(2).clone(), &key_ty).map_err(|e| err(e.to_string()))?;
    // Sorted canonically, so each key is looked up in logarithmic time.
    let mut search = seq(&search).to_vec();
    search.sort_by(Value::canonical_cmp);
    let mut out = Vec::new();
    for (v, k) in values.iter().zip(seq(&keys)) {
        let found = search
            .binary_search_by(|s| Value::canonical_cmp(s, k))
            .is_ok();
        if found {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn merge(a: Args) -> Result<Value, FuncError> {
    for arg in &a.args {
        match arg.kind() {
            ValueKind::Map(_) | ValueKind::Object(_) | ValueKind::Null(_) => {}
            ValueKind::Unknown(Type::Map(_) | Type::Object(_) | Type::Dynamic) => {
                return Ok(Value::unknown(Type::Dynamic))
            }
            _ => {
                return Err(err(format!(
                    "arguments must be maps or objects, got {}",
                    super::go_quote(&arg.ty().friendly_name())
                )))
            }
        }
    }
    if !a.args.is_empty() && a.args.iter().all(Value::is_null) {
        return Ok(Value::null());
    }
    // The result is a map only when every argument is a map of one type.
    let first_ty = a.args.first().map(Value::ty);
    let as_map = matches!(first_ty, Some(Type::Map(_)))
        && a.args
            .iter()
            .all(|v| matches!(v.kind(), ValueKind::Map(_)) && Some(v.ty()) == first_ty);
    let mut out = BTreeMap::new();
    for arg in &a.args {
        if let Some(m) = arg.as_map() {
            out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    Ok(if as_map {
        Value::map(out)
    } else {
        Value::object(out)
    })
}

fn one(a: Args) -> Result<Value, FuncError> {
    let v = a.get(0);
    let wrong = || {
        arg_err(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )
    };
    match v.kind() {
        ValueKind::Unknown(Type::List(t) | Type::Set(t)) => Ok(Value::unknown((**t).clone())),
        ValueKind::Unknown(Type::Tuple(_) | Type::Dynamic) => Ok(Value::unknown(Type::Dynamic)),
        ValueKind::Set(elems) if elems.iter().any(|e| !e.is_wholly_known()) => {
            Ok(Value::unknown(Type::Dynamic))
        }
        ValueKind::List(elems) | ValueKind::Set(elems) | ValueKind::Tuple(elems) => {
            match elems.as_slice() {
                [] => Ok(Value::null_of(match v.ty() {
                    Type::List(t) | Type::Set(t) => *t,
                    _ => Type::Dynamic,
                })),
                [only] => Ok(only.clone()),
                _ => Err(wrong()),
            }
        }
        _ => Err(wrong()),
    }
}

fn range(a: Args) -> Result<Value, FuncError> {
    let nums: Vec<f64> = a.args.iter().filter_map(Value::as_number).collect();
    let (start, end, step) = match nums.as_slice() {
        [limit] => (0.0, *limit, if *limit < 0.0 { -1.0 } else { 1.0 }),
        [start, end] => (*start, *end, if end < start { -1.0 } else { 1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => return Err(err("must have one, two, or three arguments")),
    };
    if step == 0.0 {
        return Err(arg_err(2, "step must not be zero"));
    }
    let down = step < 0.0;
    if down && end > start {
        return Err(arg_err(
            1,
            "end must be less than start when step is negative",
        ));
    }
    if !down && end < start {
        return Err(arg_err(
            1,
            "end must be greater than start when step is positive",
        ));
    }
    let mut out = Vec::new();
    loop {
        // start + i*step (not repeated addition), at 15 significant digits, so decimal steps
        // like 0.1 give 0.3 and not 0.30000000000000004, as Terraform's arbitrary precision does.
        let num = round_significant(start + out.len() as f64 * step);
        if (down && num <= end) || (!down && num >= end) {
            break;
        }
        if out.len() >= 1024 {
            return Err(err(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
            ));
        }
        out.push(Value::number(num));
    }
    Ok(Value::list(out))
}

fn round_significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.14e}").parse().unwrap_or(x)
}

fn reverse(a: Args) -> Result<Value, FuncError> {
    let v = a.get(0);
    match v.kind() {
        ValueKind::Tuple(elems) => Ok(Value::tuple(elems.iter().rev().cloned().collect())),
        ValueKind::List(elems) | ValueKind::Set(elems) => {
            Ok(Value::list(elems.iter().rev().cloned().collect()))
        }
        ValueKind::Unknown(_) => Ok(Value::unknown(Type::Dynamic)),
        _ => Err(arg_err(
            0,
            format!(
                "can only reverse list or tuple values, not {}",
                v.ty().friendly_name()
            ),
        )),
    }
}

#[derive(Clone, Copy)]
enum SetOp {
    Union,
    Intersection,
    Subtract,
}

fn set_operation(a: Args, op: SetOp) -> Result<Value, FuncError> {
    let types: Vec<Type> = a
        .args
        .iter()
        .filter(|s| !(seq(s).is_empty() && s.ty() == Type::set(Type::Dynamic)))
        .map(Value::ty)
        .collect();
    let set_ty = if types.is_empty() {
        Type::set(Type::Dynamic)
    } else {
        unify(&types).ok_or_else(|| err("given sets must all have compatible element types"))?
    };
    let mut sets = Vec::with_capacity(a.args.len());
    for (i, s) in a.args.into_iter().enumerate() {
        let converted = convert(s, &set_ty).map_err(|e| arg_err(i, e.to_string()))?;
        sets.push(seq(&converted).to_vec());
    }
    let mut sets = sets.into_iter();
    let first = sets.next().unwrap_or_default();
    let contains =
        |set: &[Value], v: &Value| set.binary_search_by(|e| Value::canonical_cmp(e, v)).is_ok();
    let result = match op {
        SetOp::Union => {
            let mut all = first;
            for s in sets {
                all.extend(s);
            }
            all
        }
        SetOp::Intersection => {
            let others: Vec<Vec<Value>> = sets.collect();
            first
                .into_iter()
                .filter(|v| others.iter().all(|o| contains(o, v)))
                .collect()
        }
        SetOp::Subtract => {
            let others: Vec<Vec<Value>> = sets.collect();
            first
                .into_iter()
                .filter(|v| !others.iter().any(|o| contains(o, v)))
                .collect()
        }
    };
    Ok(Value::set(result))
}

fn setproduct(a: Args) -> Result<Value, FuncError> {
    if a.args.len() < 2 {
        return Err(err("at least two arguments are required"));
    }
    let mut all_lists = true;
    let mut factors: Vec<Vec<Value>> = Vec::with_capacity(a.args.len());
    for (i, arg) in a.args.iter().enumerate() {
        let elems = match arg.kind() {
            ValueKind::Set(v) => {
                all_lists = false;
                v.clone()
            }
            ValueKind::List(v) => v.clone(),
            ValueKind::Tuple(v) => {
                let ety = unify_values(v)
                    .ok_or_else(|| arg_err(i, "all elements must be of the same type"))?;
                v.iter()
                    .map(|e| convert(e.clone(), &ety).map_err(|e| arg_err(i, e.to_string())))
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(arg_err(i, "a set or a list is required")),
        };
        factors.push(elems);
    }
    let total = factors
        .iter()
        .try_fold(1usize, |acc, f| acc.checked_mul(f.len()));
    let total = match total {
        Some(t) if t <= MAX_PRODUCT => t,
        _ => {
            return Err(err(format!(
                "the product would have more than {MAX_PRODUCT} elements"
            )))
        }
    };
    let mut out = Vec::with_capacity(total);
    let mut counters = vec![0usize; factors.len()];
    for _ in 0..total {
        out.push(Value::tuple(
            counters
                .iter()
                .zip(&factors)
                .filter_map(|(c, f)| f.get(*c).cloned())
                .collect(),
        ));
        for j in (0..counters.len()).rev() {
            counters[j] += 1;
            if counters[j] < factors[j].len() {
                break;
            }
            counters[j] = 0;
        }
    }
    Ok(if all_lists {
        Value::list(out)
    } else {
        Value::set(out)
    })
}

fn slice(a: Args) -> Result<Value, FuncError> {
    let list = a.get(0);
    let elems = match list.kind() {
        ValueKind::List(v) | ValueKind::Tuple(v) => v,
        ValueKind::Set(_) | ValueKind::Unknown(Type::Set(_)) => {
            return Err(arg_err(
                0,
                "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important",
            ))
        }
        ValueKind::Unknown(t) => return Ok(Value::unknown(t.clone())),
        _ => return Err(arg_err(0, "must be a list or tuple value")),
    };
    let len = elems.len() as i64;
    let start = super::whole_number(a.num(1))
        .map_err(|m| arg_err(1, format!("invalid start index: {m}")))?;
    if start < 0 {
        return Err(arg_err(1, "start index must not be less than zero"));
    }
    if start > len {
        return Err(arg_err(
            1,
            "start index must not be greater than the length of the list",
        ));
    }
    let end =
        super::whole_number(a.num(2)).map_err(|m| arg_err(2, format!("invalid end index: {m}")))?;
    if end < 0 {
        return Err(arg_err(2, "end index must not be less than zero"));
    }
    if end > len {
        return Err(arg_err(
            2,
            "end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(arg_err(1, "start index must not be greater than end index"));
    }
    let part = elems
        .get(start as usize..end as usize)
        .unwrap_or_default()
        .to_vec();
    Ok(match list.kind() {
        ValueKind::Tuple(_) => Value::tuple(part),
        _ => Value::list(part),
    })
}

fn sort(a: Args) -> Result<Value, FuncError> {
    let elems = seq(a.get(0));
    if let Some(i) = elems.iter().position(Value::is_null) {
        return Err(arg_err(
            0,
            format!("given list element {i} is null; a null string cannot be sorted"),
        ));
    }
    let mut strings: Vec<&str> = elems.iter().filter_map(Value::as_str).collect();
    strings.sort_unstable();
    Ok(Value::list(
        strings.into_iter().map(Value::string).collect(),
    ))
}

fn sum(a: Args) -> Result<Value, FuncError> {
    let v = a.get(0);
    let elems: Vec<&Value> = match v.kind() {
        ValueKind::List(e) | ValueKind::Set(e) | ValueKind::Tuple(e) => e.iter().collect(),
        ValueKind::Map(m) | ValueKind::Object(m) => m.values().collect(),
        _ => return Err(arg_err(0, "cannot sum noniterable")),
    };
    if elems.is_empty() {
        return Err(arg_err(0, "cannot sum an empty list"));
    }
    if !matches!(
        v.kind(),
        ValueKind::List(_) | ValueKind::Set(_) | ValueKind::Tuple(_)
    ) {
        return Err(arg_err(
            0,
            format!(
                "argument must be list, set, or tuple. Received {}",
                v.ty().friendly_name()
            ),
        ));
    }
    let mut total = 0.0;
    for e in elems {
        let n = convert(e.clone(), &Type::Number)
            .ok()
            .and_then(|n| n.as_number())
            .ok_or_else(|| arg_err(0, "argument must be list, set, or tuple of number values"))?;
        total += n;
    }
    if total.is_nan() {
        return Err(err("can't compute sum of opposing infinities"));
    }
    Ok(Value::number(total))
}

fn transpose(a: Args) -> Result<Value, FuncError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, list) in a.get(0).as_map().into_iter().flatten() {
        for v in seq(list) {
            let Some(s) = v.as_str() else {
                return Err(err("input must be a map of lists of strings"));
            };
            out.entry(s.to_string()).or_default().push(key.clone());
        }
    }
    Ok(Value::map(
        out.into_iter()
            .map(|(k, mut keys)| {
                keys.sort_unstable();
                (
                    k,
                    Value::list(keys.into_iter().map(Value::string).collect()),
                )
            })
            .collect(),
    ))
}

fn values(a: Args) -> Result<Value, FuncError> {
    let v = a.get(0);
    match v.kind() {
        ValueKind::Map(m) => Ok(Value::list(m.values().cloned().collect())),
        ValueKind::Object(m) => Ok(Value::tuple(m.values().cloned().collect())),
        ValueKind::Unknown(Type::Map(t)) => Ok(Value::unknown(Type::list((**t).clone()))),
        ValueKind::Unknown(Type::Object(attrs)) => Ok(Value::unknown(Type::Tuple(
            attrs.values().cloned().collect(),
        ))),
        ValueKind::Unknown(Type::Dynamic) => Ok(Value::unknown(Type::Dynamic)),
        _ => Err(err("values() requires a map as the first argument")),
    }
}

fn zipmap(a: Args) -> Result<Value, FuncError> {
    let keys = seq(a.get(0));
    let (vals, as_object) = match a.get(1).kind() {
        ValueKind::List(v) => (v, false),
        ValueKind::Tuple(v) => (v, true),
        _ => return Err(arg_err(1, "values argument must be a list or tuple value")),
    };
    if keys.len() != vals.len() {
        return Err(err(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            vals.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in keys.iter().zip(vals).enumerate() {
        let Some(k) = k.as_str() else {
            return Err(err(format!("keys list has null value at index {i}")));
        };
        out.insert(k.to_string(), v.clone());
    }
    Ok(if as_object {
        Value::object(out)
    } else {
        Value::map(out)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::lang::{Type, Value, ValueKind};

    fn unknown_list() -> Value {
        Value::unknown(Type::list(Type::String))
    }

    #[test]
    fn booleans() {
        assert_eq!(show("alltrue", vec![tup(vec![s("true"), b(true)])]), "true");
        assert_eq!(show("alltrue", vec![tup(vec![b(true), b(false)])]), "false");
        assert_eq!(show("alltrue", vec![tup(vec![])]), "true");
        assert_eq!(
            show(
                "alltrue",
                vec![tup(vec![b(false), Value::unknown(Type::Bool)])]
            ),
            "false"
        );
        assert_eq!(
            show(
                "alltrue",
                vec![tup(vec![b(true), Value::unknown(Type::Bool)])]
            ),
            "(known after apply)"
        );
        assert_eq!(show("anytrue", vec![tup(vec![s("true")])]), "true");
        assert_eq!(show("anytrue", vec![tup(vec![])]), "false");
        assert_eq!(
            show(
                "anytrue",
                vec![tup(vec![b(false), Value::unknown(Type::Bool)])]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "anytrue",
                vec![tup(vec![Value::unknown(Type::Bool), b(true)])]
            ),
            "true"
        );
        assert_eq!(
            show("alltrue", vec![tup(vec![s("x")])]),
            "error: Invalid value for argument 1: [0]: a bool is required"
        );
    }

    #[test]
    fn chunks_and_coalescing() {
        assert_eq!(
            show("chunklist", vec![strs(&["a", "b", "c", "d", "e"]), n(2.0)]),
            r#"[["a", "b"], ["c", "d"], ["e"]]"#
        );
        assert_eq!(
            show("chunklist", vec![strs(&["a", "b"]), n(0.0)]),
            r#"[["a", "b"]]"#
        );
        assert_eq!(show("chunklist", vec![strs(&[]), n(2.0)]), "[]");
        assert_eq!(
            show("chunklist", vec![strs(&["a"]), n(-1.0)]),
            "error: the size argument must be positive"
        );
        assert_eq!(
            show("chunklist", vec![unknown_list(), n(2.0)]),
            "(known after apply)"
        );
        assert_eq!(show("coalesce", vec![s("a"), s("b")]), r#""a""#);
        assert_eq!(show("coalesce", vec![s(""), s("b")]), r#""b""#);
        assert_eq!(show("coalesce", vec![n(1.0), n(2.0)]), "1");
        assert_eq!(
            show("coalesce", vec![Value::null(), s(""), s("c")]),
            r#""c""#
        );
        assert_eq!(show("coalesce", vec![n(1.0), s("x")]), r#""1""#);
        assert_eq!(
            show("coalesce", vec![Value::null(), s("")]),
            "error: no non-null, non-empty-string arguments"
        );
        assert_eq!(
            show("coalesce", vec![tup(vec![]), s("x")]),
            "error: all arguments must have the same type"
        );
        assert_eq!(
            show("coalesce", vec![unknown_str(), s("x")]),
            "(known after apply)"
        );
        assert_eq!(show("coalesce", vec![s("x"), unknown_str()]), r#""x""#);
        assert_eq!(
            show("coalescelist", vec![strs(&["a", "b"]), strs(&["c", "d"])]),
            r#"["a", "b"]"#
        );
        assert_eq!(
            show("coalescelist", vec![strs(&[]), strs(&["c", "d"])]),
            r#"["c", "d"]"#
        );
        assert_eq!(
            show("coalescelist", vec![strs(&[]), strs(&[])]),
            "error: no non-null arguments"
        );
        assert_eq!(
            show("coalescelist", vec![s("a")]),
            "error: coalescelist arguments must be lists or tuples"
        );
        assert_eq!(
            show(
                "compact",
                vec![tup(vec![s("a"), s(""), s("b"), Value::null(), s("c")])]
            ),
            r#"["a", "b", "c"]"#
        );
    }

    #[test]
    fn concat_keeps_list_or_makes_tuple() {
        assert_eq!(
            show("concat", vec![strs(&["a", ""]), strs(&["b", "c"])]),
            r#"["a", "", "b", "c"]"#
        );
        let lists = run(
            "concat",
            vec![Value::list(vec![s("a")]), Value::list(vec![n(1.0)])],
        )
        .unwrap();
        assert_eq!(lists, Value::list(vec![s("a"), s("1")]));
        let mixed = run("concat", vec![Value::list(vec![s("a")]), tup(vec![n(1.0)])]).unwrap();
        assert_eq!(mixed, Value::tuple(vec![s("a"), n(1.0)]));
        assert_eq!(show("concat", vec![s("a")]), "error: Invalid value for argument 1: all arguments must be lists or tuples; got string");
        assert_eq!(
            show("concat", vec![strs(&["a"]), unknown_list()]),
            "(known after apply)"
        );
        assert_eq!(
            show("concat", vec![tup(vec![unknown_str()]), strs(&["b"])]),
            r#"[(known after apply), "b"]"#
        );
        // Element marks move with the elements; the result itself is not sensitive.
        let v = run("concat", vec![tup(vec![secret("x")]), strs(&["b"])]).unwrap();
        assert!(!v.is_sensitive() && v.as_seq().unwrap()[0].is_sensitive());
        assert!(run("concat", vec![strs(&["x"]).mark_sensitive()])
            .unwrap()
            .is_sensitive());
    }

    #[test]
    fn searching() {
        assert_eq!(
            show("contains", vec![strs(&["a", "b", "c"]), s("a")]),
            "true"
        );
        assert_eq!(
            show("contains", vec![strs(&["a", "b", "c"]), s("d")]),
            "false"
        );
        assert_eq!(show("contains", vec![strs(&["1"]), n(1.0)]), "false");
        assert_eq!(
            show("contains", vec![tup(vec![s("a"), unknown_str()]), s("a")]),
            "true"
        );
        assert_eq!(
            show("contains", vec![tup(vec![s("a"), unknown_str()]), s("b")]),
            "(known after apply)"
        );
        assert_eq!(
            show("contains", vec![s("abc"), s("a")]),
            "error: argument must be list, tuple, or set"
        );
        assert_eq!(show("index", vec![strs(&["a", "b", "c"]), s("b")]), "1");
        assert_eq!(
            show("index", vec![strs(&["a", "b", "c"]), s("z")]),
            "error: item not found"
        );
        assert_eq!(
            show("index", vec![strs(&[]), s("z")]),
            "error: cannot search an empty list"
        );
        assert_eq!(
            show("index", vec![tup(vec![unknown_str(), s("b")]), s("b")]),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "matchkeys",
                vec![
                    strs(&["i-123", "i-abc", "i-def"]),
                    strs(&["us-west", "us-east", "us-east"]),
                    strs(&["us-east"])
                ]
            ),
            r#"["i-abc", "i-def"]"#
        );
        assert_eq!(
            show(
                "matchkeys",
                vec![strs(&["a"]), strs(&["x", "y"]), strs(&["x"])]
            ),
            "error: length of keys and values should be equal"
        );
    }

    #[test]
    fn distinct_element_flatten() {
        assert_eq!(
            show("distinct", vec![strs(&["a", "b", "a", "c", "d", "b"])]),
            r#"["a", "b", "c", "d"]"#
        );
        assert_eq!(
            show("distinct", vec![tup(vec![n(2.0), n(1.0), n(2.0)])]),
            "[2, 1]"
        );
        assert_eq!(
            show("element", vec![strs(&["a", "b", "c"]), n(1.0)]),
            r#""b""#
        );
        assert_eq!(
            show("element", vec![strs(&["a", "b", "c"]), n(3.0)]),
            r#""a""#
        );
        assert_eq!(
            show("element", vec![strs(&["a", "b", "c"]), n(-1.0)]),
            "error: cannot use element function with a negative index"
        );
        assert_eq!(
            show("element", vec![strs(&[]), n(0.0)]),
            "error: cannot use element function with an empty list"
        );
        assert_eq!(
            show("element", vec![strs(&["a"]), n(0.5)]),
            "error: invalid index: value must be a whole number"
        );
        assert_eq!(
            show("element", vec![tup(vec![unknown_str(), s("b")]), n(1.0)]),
            r#""b""#
        );
        assert_eq!(
            show("element", vec![unknown_list(), n(1.0)]),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "flatten",
                vec![tup(vec![strs(&["a", "b"]), strs(&[]), strs(&["c"])])]
            ),
            r#"["a", "b", "c"]"#
        );
        assert_eq!(
            show(
                "flatten",
                vec![tup(vec![
                    tup(vec![strs(&["a", "b"]), strs(&[])]),
                    strs(&["c"])
                ])]
            ),
            r#"["a", "b", "c"]"#
        );
        assert_eq!(
            show("flatten", vec![tup(vec![s("a"), strs(&["b"])])]),
            r#"["a", "b"]"#
        );
        assert_eq!(
            show("flatten", vec![tup(vec![strs(&["a"]), unknown_list()])]),
            "(known after apply)"
        );
        assert_eq!(
            show("flatten", vec![s("a")]),
            "error: can only flatten lists, sets and tuples"
        );
    }

    #[test]
    fn maps_and_objects() {
        let m = obj(&[("a", n(1.0)), ("c", n(2.0)), ("d", n(3.0))]);
        assert_eq!(show("keys", vec![m.clone()]), r#"["a", "c", "d"]"#);
        assert_eq!(show("values", vec![m.clone()]), "[1, 2, 3]");
        assert_eq!(
            show("keys", vec![s("x")]),
            "error: Invalid value for argument 1: must have map or object type"
        );
        assert_eq!(
            show("values", vec![s("x")]),
            "error: values() requires a map as the first argument"
        );
        assert_eq!(show("keys", vec![map(&[("a", unknown_str())])]), r#"["a"]"#);
        assert_eq!(
            show("values", vec![map(&[("a", unknown_str())])]),
            "[(known after apply)]"
        );
        assert_eq!(
            show("keys", vec![Value::unknown(Type::map(Type::String))]),
            "(known after apply)"
        );
        let v = run("keys", vec![map(&[("a", secret("x"))])]).unwrap();
        assert!(!v.contains_sensitive());
        let ab = map(&[("a", s("ay")), ("b", s("bee"))]);
        assert_eq!(
            show("lookup", vec![ab.clone(), s("a"), s("what?")]),
            r#""ay""#
        );
        assert_eq!(
            show("lookup", vec![ab.clone(), s("c"), s("what?")]),
            r#""what?""#
        );
        assert_eq!(
            show("lookup", vec![ab.clone(), s("c")]),
            r#"error: lookup failed to find key "c""#
        );
        assert_eq!(
            show("lookup", vec![obj(&[("a", n(1.0))]), s("b")]),
            r#"error: Invalid value for argument 1: the given object has no attribute "b""#
        );
        assert_eq!(
            show("lookup", vec![s("x"), s("b")]),
            "error: Invalid value for argument 1: lookup() requires a map as the first argument"
        );
        assert_eq!(show("lookup", vec![map(&[("a", n(1.0))]), s("b"), tup(vec![])]), "error: Invalid value for argument 3: the default value must have the same type as the map elements");
        let found = run(
            "lookup",
            vec![map(&[("a", secret("x")), ("b", s("y"))]), s("b")],
        )
        .unwrap();
        assert_eq!(found, s("y"));
        assert_eq!(
            show(
                "merge",
                vec![
                    map(&[("a", s("b")), ("c", s("d"))]),
                    map(&[("e", s("f")), ("c", s("z"))])
                ]
            ),
            r#"{ a = "b", c = "z", e = "f" }"#
        );
        let merged = run(
            "merge",
            vec![
                obj(&[("a", s("b"))]),
                obj(&[("a", nums(&[1.0, 2.0])), ("c", s("z"))]),
                obj(&[("d", n(3.0))]),
            ],
        )
        .unwrap();
        assert_eq!(merged.to_string(), r#"{ a = [1, 2], c = "z", d = 3 }"#);
        assert!(matches!(merged.kind(), ValueKind::Object(_)));
        let maps = run("merge", vec![map(&[("a", s("b"))]), map(&[("c", s("d"))])]).unwrap();
        assert!(matches!(maps.kind(), ValueKind::Map(_)));
        assert_eq!(show("merge", vec![]), "{}");
        assert_eq!(
            show("merge", vec![Value::null(), obj(&[("a", n(1.0))])]),
            "{ a = 1 }"
        );
        assert_eq!(
            show("merge", vec![s("x")]),
            r#"error: arguments must be maps or objects, got "string""#
        );
        assert_eq!(
            show(
                "merge",
                vec![obj(&[("a", unknown_str())]), obj(&[("b", n(1.0))])]
            ),
            "{ a = (known after apply), b = 1 }"
        );
        assert_eq!(
            show(
                "transpose",
                vec![obj(&[("a", strs(&["1", "2"])), ("b", strs(&["2", "3"]))])]
            ),
            r#"{ "1" = ["a"], "2" = ["a", "b"], "3" = ["b"] }"#
        );
        assert_eq!(
            show("zipmap", vec![strs(&["a", "b"]), nums(&[1.0, 2.0])]),
            "{ a = 1, b = 2 }"
        );
        assert_eq!(
            show("zipmap", vec![strs(&["a"]), nums(&[1.0, 2.0])]),
            "error: number of keys (1) does not match number of values (2)"
        );
        assert!(matches!(
            run("zipmap", vec![strs(&["a"]), Value::list(vec![n(1.0)])])
                .unwrap()
                .kind(),
            ValueKind::Map(_)
        ));
    }

    #[test]
    fn length_and_one() {
        assert_eq!(show("length", vec![tup(vec![])]), "0");
        assert_eq!(show("length", vec![strs(&["a", "b"])]), "2");
        assert_eq!(show("length", vec![map(&[("a", s("b"))])]), "1");
        assert_eq!(show("length", vec![s("hello")]), "5");
        assert_eq!(show("length", vec![s("🤔🤷")]), "2");
        assert_eq!(
            show("length", vec![n(5.0)]),
            "error: argument must be a string, a collection type, or a structural type"
        );
        assert_eq!(
            show("length", vec![Value::null()]),
            "error: Invalid value for argument 1: argument must not be null"
        );
        assert_eq!(show("length", vec![unknown_list()]), "(known after apply)");
        assert_eq!(show("length", vec![tup(vec![unknown_str(), s("a")])]), "2");
        assert_eq!(
            show("length", vec![Value::set(vec![unknown_str(), s("a")])]),
            "(known after apply)"
        );
        assert_eq!(show("length", vec![secret("s3cr3t")]), "(sensitive value)");
        assert_eq!(show("length", vec![tup(vec![secret("a")])]), "1");
        assert_eq!(show("one", vec![tup(vec![])]), "null");
        assert_eq!(show("one", vec![strs(&["hello"])]), r#""hello""#);
        assert_eq!(show("one", vec![strs(&["hello", "goodbye"])]), "error: Invalid value for argument 1: must be a list, set, or tuple value with either zero or one elements");
        assert_eq!(show("one", vec![Value::set(vec![])]), "null");
        assert_eq!(show("one", vec![s("x")]), "error: Invalid value for argument 1: must be a list, set, or tuple value with either zero or one elements");
    }

    #[test]
    fn ranges() {
        let r = |args: &[f64]| show("range", args.iter().map(|x| n(*x)).collect());
        assert_eq!(r(&[3.0]), "[0, 1, 2]");
        assert_eq!(r(&[1.0, 4.0]), "[1, 2, 3]");
        assert_eq!(r(&[1.0, 8.0, 2.0]), "[1, 3, 5, 7]");
        assert_eq!(r(&[1.0, 4.0, 0.5]), "[1, 1.5, 2, 2.5, 3, 3.5]");
        assert_eq!(r(&[4.0, 1.0]), "[4, 3, 2]");
        assert_eq!(r(&[10.0, 5.0, -2.0]), "[10, 8, 6]");
        assert_eq!(r(&[0.0]), "[]");
        assert_eq!(r(&[-3.0]), "[0, -1, -2]");
        assert_eq!(r(&[0.0, 0.5, 0.1]), "[0, 0.1, 0.2, 0.3, 0.4]");
        assert_eq!(
            r(&[1.0, 2.0, 0.0]),
            "error: Invalid value for argument 3: step must not be zero"
        );
        assert_eq!(r(&[1.0, 4.0, -1.0]), "error: Invalid value for argument 2: end must be less than start when step is negative");
        assert_eq!(r(&[4.0, 1.0, 1.0]), "error: Invalid value for argument 2: end must be greater than start when step is positive");
        assert_eq!(
            run("range", vec![n(1024.0)])
                .unwrap()
                .as_seq()
                .unwrap()
                .len(),
            1024
        );
        assert!(r(&[1025.0]).starts_with("error: more than 1024 values were generated"));
        assert_eq!(
            show("range", vec![]),
            "error: must have one, two, or three arguments"
        );
    }

    #[test]
    fn reorder_and_slice() {
        assert_eq!(show("reverse", vec![nums(&[1.0, 2.0, 3.0])]), "[3, 2, 1]");
        assert_eq!(show("reverse", vec![s("x")]), "error: Invalid value for argument 1: can only reverse list or tuple values, not string");
        assert_eq!(
            show("sort", vec![strs(&["e", "d", "a", "x"])]),
            r#"["a", "d", "e", "x"]"#
        );
        assert_eq!(show("sort", vec![nums(&[10.0, 9.0])]), r#"["10", "9"]"#);
        assert_eq!(show("sort", vec![tup(vec![s("a"), Value::null()])]), "error: Invalid value for argument 1: given list element 1 is null; a null string cannot be sorted");
        assert_eq!(
            show("sort", vec![tup(vec![s("b"), unknown_str()])]),
            "(known after apply)"
        );
        assert_eq!(
            show("slice", vec![strs(&["a", "b", "c", "d"]), n(1.0), n(3.0)]),
            r#"["b", "c"]"#
        );
        assert_eq!(show("slice", vec![strs(&["a"]), n(0.0), n(2.0)]), "error: Invalid value for argument 3: end index must not be greater than the length of the list");
        assert_eq!(
            show("slice", vec![strs(&["a", "b"]), n(2.0), n(1.0)]),
            "error: Invalid value for argument 2: start index must not be greater than end index"
        );
        assert!(
            show("slice", vec![Value::set(vec![s("a")]), n(0.0), n(1.0)])
                .contains("cannot slice a set")
        );
    }

    #[test]
    fn set_functions() {
        assert_eq!(
            show(
                "setintersection",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])]
            ),
            r#"["b"]"#
        );
        assert_eq!(
            show(
                "setsubtract",
                vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]
            ),
            r#"["b"]"#
        );
        assert_eq!(
            show(
                "setunion",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["d"])]
            ),
            r#"["a", "b", "c", "d"]"#
        );
        assert_eq!(
            show("setunion", vec![strs(&["a"]), nums(&[1.0])]),
            r#"["1", "a"]"#
        );
        assert_eq!(
            show("setunion", vec![strs(&["a"]), tup(vec![])]),
            r#"["a"]"#
        );
        assert_eq!(
            show("setunion", vec![strs(&["a"]), tup(vec![tup(vec![])])]),
            "error: given sets must all have compatible element types"
        );
        assert!(matches!(
            run("setunion", vec![strs(&["a"])]).unwrap().kind(),
            ValueKind::Set(_)
        ));
        assert_eq!(
            show(
                "setproduct",
                vec![
                    strs(&["development", "staging", "production"]),
                    strs(&["app1", "app2"])
                ]
            ),
            r#"[["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"], ["production", "app1"], ["production", "app2"]]"#
        );
        assert!(matches!(
            run("setproduct", vec![strs(&["a"]), strs(&["b"])])
                .unwrap()
                .kind(),
            ValueKind::List(_)
        ));
        assert!(matches!(
            run("setproduct", vec![Value::set(vec![s("a")]), strs(&["b"])])
                .unwrap()
                .kind(),
            ValueKind::Set(_)
        ));
        assert_eq!(show("setproduct", vec![strs(&["a"]), strs(&[])]), "[]");
        assert_eq!(
            show("setproduct", vec![strs(&["a"])]),
            "error: at least two arguments are required"
        );
        assert_eq!(
            show("setproduct", vec![strs(&["a"]), s("b")]),
            "error: Invalid value for argument 2: a set or a list is required"
        );
    }

    #[test]
    fn sums() {
        assert_eq!(show("sum", vec![nums(&[10.0, 13.0, 6.0, 4.5])]), "33.5");
        assert_eq!(show("sum", vec![tup(vec![s("1"), n(2.0)])]), "3");
        assert_eq!(
            show("sum", vec![tup(vec![])]),
            "error: Invalid value for argument 1: cannot sum an empty list"
        );
        assert_eq!(show("sum", vec![strs(&["a"])]), "error: Invalid value for argument 1: argument must be list, set, or tuple of number values");
        assert_eq!(
            show("sum", vec![s("a")]),
            "error: Invalid value for argument 1: cannot sum noniterable"
        );
        assert_eq!(show("sum", vec![map(&[("a", n(1.0))])]), "error: Invalid value for argument 1: argument must be list, set, or tuple. Received map of number");
        assert_eq!(
            show("sum", vec![tup(vec![n(1.0), Value::unknown(Type::Number)])]),
            "(known after apply)"
        );
    }
}
