//! The plan for machines: a documented subset of Terraform's plan JSON (`docs/plan-json.md`).
//!
//! One deliberate difference: Terraform puts sensitive values in the JSON in clear; flinkform
//! writes `null` where a value is sensitive and marks the place in `before_sensitive` /
//! `after_sensitive`, so the JSON can be stored and shared like the human output.

use serde_json::{json, Map, Value as Json};

use super::diff::MAX_DEPTH;
use super::ordered_changes;
use crate::addrs::{InstanceKey, ResourceMode};
use crate::diagnostics::Diagnostic;
use crate::lang::{Type, Value, ValueKind};
use crate::plan::{ActionReason, OutputChange, Plan, ResourceChange};
use crate::providers::schema::{AttrPath, PathStep};

/// Bumped on any change a consumer could trip over (major) or notice (minor).
pub const FORMAT_VERSION: &str = "1.0";

/// The plan as JSON; `errors` are the diagnostics that stopped or accompanied planning, in the
/// shape `validate --json` uses.
pub fn plan_json(plan: &Plan, errors: &[Diagnostic]) -> Json {
    let mut outputs: Vec<&OutputChange> = plan.output_changes.iter().collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let output_changes: Map<String, Json> = outputs
        .into_iter()
        .map(|o| (o.name.clone(), output_change(o)))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "resource_drift": ordered_changes(&plan.drift).into_iter().map(resource_change).collect::<Vec<_>>(),
        "resource_changes": ordered_changes(&plan.changes).into_iter().map(resource_change).collect::<Vec<_>>(),
        "output_changes": output_changes,
        "errored": errors.iter().any(Diagnostic::is_error),
        "errors": serde_json::to_value(errors).unwrap_or_else(|_| json!([])),
    })
}

fn resource_change(rc: &ResourceChange) -> Json {
    let resource = &rc.addr.resource;
    let mut o = Map::new();
    o.insert("address".into(), json!(rc.addr.to_string()));
    if !resource.module.is_root() {
        o.insert("module_address".into(), json!(resource.module.to_string()));
    }
    let mode = match resource.resource.mode {
        ResourceMode::Managed => "managed",
        ResourceMode::Data => "data",
    };
    o.insert("mode".into(), json!(mode));
    o.insert("type".into(), json!(resource.resource.type_name));
    o.insert("name".into(), json!(resource.resource.name));
    match &rc.addr.key {
        InstanceKey::None => {}
        InstanceKey::Int(i) => {
            o.insert("index".into(), json!(i));
        }
        InstanceKey::Str(s) => {
            o.insert("index".into(), json!(s));
        }
    }
    o.insert("provider_name".into(), json!(provider_name(&rc.provider)));

    let mut change = Map::new();
    change.insert("actions".into(), json!(rc.action.json_actions()));
    change.insert("before".into(), encode_top(rc.before.as_ref()));
    change.insert("after".into(), encode_top(rc.after.as_ref()));
    let after_unknown = match &rc.after {
        Some(after) if !after.is_wholly_known() => unknown_tree(after, 0),
        _ => json!({}),
    };
    change.insert("after_unknown".into(), after_unknown);
    change.insert("before_sensitive".into(), sensitive_top(rc.before.as_ref()));
    change.insert("after_sensitive".into(), sensitive_top(rc.after.as_ref()));
    if !rc.replace_paths.is_empty() {
        let paths: Vec<Json> = rc.replace_paths.iter().map(path_json).collect();
        change.insert("replace_paths".into(), Json::Array(paths));
    }
    // As the human view: notes on the parts that change.
    let notes: Vec<Json> = rc
        .notes
        .iter()
        .filter(|(path, _)| part_at(rc.before.as_ref(), path) != part_at(rc.after.as_ref(), path))
        .map(|(path, note)| json!({"path": path_json(path), "note": note}))
        .collect();
    if !notes.is_empty() {
        change.insert("notes".into(), Json::Array(notes));
    }
    o.insert("change".into(), Json::Object(change));
    if let Some(reason) = &rc.reason {
        o.insert("action_reason".into(), json!(reason_name(reason)));
    }
    Json::Object(o)
}

fn output_change(oc: &OutputChange) -> Json {
    let after_unknown = match &oc.after {
        Some(after) if !after.is_wholly_known() => unknown_tree(after, 0),
        _ => json!(false),
    };
    // Terraform only knows whether the output as a whole is sensitive: before and after say
    // the same. A value with sensitive parts in an output not declared sensitive gets its trees.
    let (before, after, before_sensitive, after_sensitive) = if oc.sensitive {
        (Json::Null, Json::Null, json!(true), json!(true))
    } else {
        let marks = |v: Option<&Value>| match v {
            Some(v) if v.contains_sensitive() => sensitive_tree(v, 0),
            _ => json!(false),
        };
        (
            encode_top(oc.before.as_ref()),
            encode_top(oc.after.as_ref()),
            marks(oc.before.as_ref()),
            marks(oc.after.as_ref()),
        )
    };
    json!({
        "actions": oc.action.json_actions(),
        "before": before,
        "after": after,
        "after_unknown": after_unknown,
        "before_sensitive": before_sensitive,
        "after_sensitive": after_sensitive,
    })
}

/// Terraform's `action_reason` names.
pub fn reason_name(reason: &ActionReason) -> &'static str {
    match reason {
        ActionReason::Tainted => "replace_because_tainted",
        ActionReason::ReplaceByRequest => "replace_by_request",
        ActionReason::ReplaceByTriggers => "replace_by_triggers",
        ActionReason::DeleteBecauseNoResourceConfig => "delete_because_no_resource_config",
        ActionReason::DeleteBecauseCountIndex => "delete_because_count_index",
        ActionReason::DeleteBecauseEachKey => "delete_because_each_key",
        ActionReason::DeleteBecauseNoModule => "delete_because_no_module",
    }
}

/// The provider's type name from its configuration address: `azure` from
/// `module.x.provider.azure.eu`. The last `provider.` is the one: what follows it is the type
/// name and alias, plain identifiers.
fn provider_name(config_addr: &str) -> &str {
    let rest = match config_addr.rfind("provider.") {
        Some(at) => &config_addr[at + "provider.".len()..],
        None => config_addr,
    };
    rest.split('.').next().unwrap_or(rest)
}

/// `["rule", 0, "port"]`: attribute names and keys as strings, indexes as numbers.
/// The part of `value` at `path`, if there is one.
fn part_at<'a>(value: Option<&'a Value>, path: &AttrPath) -> Option<&'a Value> {
    path.steps().iter().try_fold(value?, |v, step| match step {
        PathStep::Attr(name) | PathStep::Key(name) => v.get_attr(name),
        PathStep::Index(i) => v.as_seq()?.get(usize::try_from(*i).ok()?),
    })
}

fn path_json(path: &AttrPath) -> Json {
    Json::Array(
        path.steps()
            .iter()
            .map(|step| match step {
                PathStep::Attr(s) | PathStep::Key(s) => json!(s),
                PathStep::Index(i) => json!(i),
            })
            .collect(),
    )
}

fn encode_top(v: Option<&Value>) -> Json {
    v.and_then(|v| encode(v, 0)).unwrap_or(Json::Null)
}

/// A value as plain JSON without what must not or cannot be shown: sensitive parts are null;
/// unknown parts are left out of objects and null in arrays (Terraform's `omitUnknowns`, so
/// array positions still line up with `after_unknown`). `None` for an unknown value.
fn encode(v: &Value, depth: usize) -> Option<Json> {
    if v.is_sensitive() || depth > MAX_DEPTH {
        return Some(Json::Null);
    }
    Some(match v.kind() {
        ValueKind::Unknown(_) => return None,
        ValueKind::List(items) | ValueKind::Tuple(items) | ValueKind::Set(items) => Json::Array(
            items
                .iter()
                .map(|e| encode(e, depth + 1).unwrap_or(Json::Null))
                .collect(),
        ),
        ValueKind::Map(m) | ValueKind::Object(m) => Json::Object(
            m.iter()
                .filter_map(|(k, e)| Some((k.clone(), encode(e, depth + 1)?)))
                .collect(),
        ),
        _ => v.to_json(),
    })
}

/// Terraform's `after_unknown` encoding: `true` where unknown; arrays of the same length with
/// `false` for known elements; objects with only the keys that hold something unknown.
fn unknown_tree(v: &Value, depth: usize) -> Json {
    if depth > MAX_DEPTH {
        return json!(false);
    }
    match v.kind() {
        ValueKind::Unknown(_) => json!(true),
        ValueKind::List(items) | ValueKind::Tuple(items) | ValueKind::Set(items) => {
            Json::Array(items.iter().map(|e| unknown_tree(e, depth + 1)).collect())
        }
        ValueKind::Map(m) | ValueKind::Object(m) => Json::Object(
            m.iter()
                .map(|(k, e)| (k.clone(), unknown_tree(e, depth + 1)))
                .filter(|(_, t)| t != &json!(false))
                .collect(),
        ),
        _ => json!(false),
    }
}

fn sensitive_top(v: Option<&Value>) -> Json {
    v.map_or(json!(false), |v| sensitive_tree(v, 0))
}

/// Terraform's `*_sensitive` encoding: `true` where sensitive; for collections an array of
/// the same length, or an object with only the keys that hold something sensitive; `false`
/// for a known primitive or null.
fn sensitive_tree(v: &Value, depth: usize) -> Json {
    if v.is_sensitive() {
        return json!(true);
    }
    if depth > MAX_DEPTH {
        return json!(false);
    }
    match v.kind() {
        ValueKind::Unknown(ty) => match ty {
            Type::List(_) | Type::Set(_) | Type::Tuple(_) => json!([]),
            Type::Map(_) | Type::Object(_) => json!({}),
            _ => json!(false),
        },
        ValueKind::List(items) | ValueKind::Tuple(items) | ValueKind::Set(items) => {
            Json::Array(items.iter().map(|e| sensitive_tree(e, depth + 1)).collect())
        }
        ValueKind::Map(m) | ValueKind::Object(m) => Json::Object(
            m.iter()
                .map(|(k, e)| (k.clone(), sensitive_tree(e, depth + 1)))
                .filter(|(_, t)| t != &json!(false))
                .collect(),
        ),
        _ => json!(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;
    use std::collections::BTreeMap;

    #[test]
    fn provider_names_from_config_addresses() {
        assert_eq!(provider_name("provider.flinkform"), "flinkform");
        assert_eq!(provider_name("module.x.provider.azure.eu"), "azure");
        assert_eq!(provider_name("module.provider.provider.azure"), "azure");
        assert_eq!(provider_name("flinkform"), "flinkform");
    }

    #[test]
    fn notes_say_how_each_change_runs() {
        let obj = |p: f64| {
            Value::object(BTreeMap::from([(
                "parallelism".to_string(),
                Value::number(p),
            )]))
        };
        let mut rc = ResourceChange {
            addr: "flink_job.counter".parse().unwrap(),
            provider: "provider.flink".into(),
            action: Action::Update,
            before: Some(obj(1.0)),
            after: Some(obj(2.0)),
            replace_paths: Vec::new(),
            reason: None,
            notes: BTreeMap::new(),
        };
        assert!(resource_change(&rc)["change"].get("notes").is_none());
        rc.notes.insert(
            AttrPath::attr("parallelism"),
            "restart from savepoint".into(),
        );
        // A note on a part that does not change is not shown.
        rc.notes
            .insert(AttrPath::attr("checkpointing"), "never shown".into());
        assert_eq!(
            resource_change(&rc)["change"]["notes"],
            json!([{"path": ["parallelism"], "note": "restart from savepoint"}])
        );
        // On a delete, every part goes.
        rc.after = None;
        rc.notes = BTreeMap::from([(AttrPath::attr("parallelism"), "stop with savepoint".into())]);
        assert_eq!(
            resource_change(&rc)["change"]["notes"],
            json!([{"path": ["parallelism"], "note": "stop with savepoint"}])
        );
    }
}
