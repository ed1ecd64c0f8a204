//! `time_sleep`, as hashicorp/time's: waits `create_duration` after creating and
//! `destroy_duration` before deleting, so that dependent resources wait for eventual consistency
//! elsewhere. Changing a duration is an in-place update that does not wait; changing `triggers`
//! replaces the resource, waiting again.

use chrono::{SecondsFormat, Utc};

use crate::lang::{Type, Value};
use crate::providers::schema::{AttrPath, AttributeSchema, Schema};
use crate::providers::ProviderError;

use super::duration::parse_duration;
use super::{is_set, with_attrs};

const DURATION_HELP: &str = "A duration is a sequence of numbers with units, such as \"30s\", \"100ms\" \
                             or \"1m30s\"; the units are \"ns\", \"us\", \"ms\", \"s\", \"m\" and \"h\".";

pub(super) fn schema() -> Schema {
    Schema::new("Waits after creation and/or before destruction.")
        .attribute(
            "create_duration",
            AttributeSchema::optional(Type::String)
                .describe("How long to wait after creating, e.g. \"30s\"."),
        )
        .attribute(
            "destroy_duration",
            AttributeSchema::optional(Type::String)
                .describe("How long to wait before destroying, e.g. \"30s\"."),
        )
        .attribute(
            "triggers",
            AttributeSchema::optional(Type::map(Type::String))
                .force_new()
                .describe("Values whose every change replaces the resource, waiting again."),
        )
        .attribute(
            "id",
            AttributeSchema::computed(Type::String)
                .describe("The creation time, in RFC 3339 format."),
        )
}

pub(super) fn validate(config: &Value) -> Vec<ProviderError> {
    let mut problems = Vec::new();
    for name in ["create_duration", "destroy_duration"] {
        if let Err(e) = duration_attr(config, name) {
            problems.push(e);
        }
    }
    if !is_set(config, "create_duration") && !is_set(config, "destroy_duration") {
        problems.push(ProviderError::invalid(
            AttrPath::root(),
            "Missing duration",
            "At least one of \"create_duration\" or \"destroy_duration\" must be set.",
        ));
    }
    problems
}

/// The duration in attribute `name`: `None` when null or not yet known.
fn duration_attr(value: &Value, name: &str) -> Result<Option<std::time::Duration>, ProviderError> {
    let Some(v) = value
        .get_attr(name)
        .filter(|v| v.is_known() && !v.is_null())
    else {
        return Ok(None);
    };
    let Some(text) = v.as_str() else {
        return Err(ProviderError::invalid(
            AttrPath::attr(name),
            "Invalid duration",
            "A string is required.",
        ));
    };
    parse_duration(text).map(Some).map_err(|problem| {
        // The parser's message quotes the text, which a sensitive value must not show.
        let detail = if v.contains_sensitive() {
            format!("The value is not a valid duration. {DURATION_HELP}")
        } else {
            format!("The value is not a valid duration: {problem}. {DURATION_HELP}")
        };
        ProviderError::invalid(AttrPath::attr(name), "Invalid duration", detail)
    })
}

/// Create (no prior state): waits `create_duration`, then records the time as `id`.
/// Update: records the new arguments without waiting.
pub(super) async fn apply(prior: Option<&Value>, planned: &Value) -> Result<Value, ProviderError> {
    if prior.is_some() {
        return Ok(planned.clone());
    }
    if let Some(wait) = duration_attr(planned, "create_duration")? {
        tokio::time::sleep(wait).await;
    }
    let id = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    Ok(with_attrs(planned, [("id", Value::string(id))]))
}

/// Waits `destroy_duration` as recorded in the state.
pub(super) async fn delete(prior: &Value) -> Result<(), ProviderError> {
    if let Some(wait) = duration_attr(prior, "destroy_duration")? {
        tokio::time::sleep(wait).await;
    }
    Ok(())
}

/// As hashicorp/time: `CREATE_DURATION,DESTROY_DURATION[,KEY=VALUE...]`, one of the durations
/// possibly empty, e.g. `30s,` or `,1m,reason=dns`.
pub(super) fn import(id: &str) -> Result<Value, ProviderError> {
    let invalid = |message: String| ProviderError::InvalidImportId {
        type_name: "time_sleep".to_string(),
        id: id.to_string(),
        message,
    };
    let parts: Vec<&str> = id.split(',').collect();
    let (create, destroy, trigger_parts) = match parts.as_slice() {
        [create, destroy, triggers @ ..] if !(create.is_empty() && destroy.is_empty()) => {
            (*create, *destroy, triggers)
        }
        _ => return Err(invalid(
            "expected CREATE_DURATION,DESTROY_DURATION[,KEY=VALUE...] with at least one duration"
                .into(),
        )),
    };
    let mut attrs = vec![(
        "id",
        Value::string(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)),
    )];
    for (name, text) in [("create_duration", create), ("destroy_duration", destroy)] {
        let v = if text.is_empty() {
            Value::null_of(Type::String)
        } else {
            parse_duration(text).map_err(|problem| invalid(format!("{name}: {problem}")))?;
            Value::string(text)
        };
        attrs.push((name, v));
    }
    let mut triggers = std::collections::BTreeMap::new();
    for part in trigger_parts {
        let Some((key, value)) = part.split_once('=').filter(|(_, v)| !v.contains('=')) else {
            return Err(invalid(format!(
                "trigger entries must be KEY=VALUE, got {part:?}"
            )));
        };
        triggers.insert(key.to_string(), Value::string(value));
    }
    // No triggers import as null rather than an empty map, which would differ from a
    // configuration without `triggers` and so force a replacement.
    let triggers = if triggers.is_empty() {
        Value::null_of(Type::map(Type::String))
    } else {
        Value::map(triggers)
    };
    attrs.push(("triggers", triggers));
    Ok(with_attrs(&Value::empty_object(), attrs))
}
