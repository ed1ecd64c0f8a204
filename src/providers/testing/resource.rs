//! `testing_resource`: an object with nothing remote but its optional trace under `state_dir`.
//! `value` is updated in place, `replace_value` replaces; `id` is a UUID chosen at create and
//! `generation` is 1 at create and grows by one with every update. Create, update and delete
//! first wait `delay`, then fail if `fail_on` says so, then act; delete and read take their
//! settings from the prior state, as they have no configuration.

use std::sync::Mutex;

use crate::lang::{Type, Value};
use crate::providers::builtin::parse_duration;
use crate::providers::schema::{AttrPath, AttributeSchema, Schema};
use crate::providers::ProviderError;

use super::faults::{self, Operation};
use super::{store, with_attrs, RESOURCE_TYPE};

/// The arguments: an update is a change in any of them.
const ARGUMENTS: [&str; 6] = [
    "value",
    "replace_value",
    "fail_on",
    "fail_times",
    "delay",
    "state_dir",
];

pub(super) fn schema() -> Schema {
    Schema::new("A test object whose operations can fail, wait, and leave files on disk.")
        .attribute(
            "value",
            AttributeSchema::optional(Type::Dynamic).describe("Any value; changes are updates in place."),
        )
        .attribute(
            "replace_value",
            AttributeSchema::optional(Type::Dynamic)
                .force_new()
                .describe("Any value; changes replace the object."),
        )
        .attribute(
            "fail_on",
            AttributeSchema::optional(Type::String).describe(
                "The operation that fails: \"create\", \"update\", \"delete\", \"read\" or \"plan\".",
            ),
        )
        .attribute(
            "fail_times",
            AttributeSchema::optional(Type::Number).describe(
                "Fail only the first N attempts of fail_on's operation, counted under state_dir.",
            ),
        )
        .attribute(
            "delay",
            AttributeSchema::optional(Type::String)
                .describe("How long every create, update and delete waits, e.g. \"100ms\"."),
        )
        .attribute(
            "state_dir",
            AttributeSchema::optional(Type::String).describe(
                "A directory with one <id>.json per object and creates.log, one line per create.",
            ),
        )
        .attribute(
            "id",
            AttributeSchema::computed(Type::String).describe("A random UUID, chosen at create."),
        )
        .attribute(
            "generation",
            AttributeSchema::computed(Type::Number)
                .describe("1 at create, one more with every update."),
        )
}

pub(super) fn validate(config: &Value) -> Vec<ProviderError> {
    let mut problems = faults::validate(config);
    if let Err(e) = delay(config) {
        problems.push(e);
    }
    if config.get_attr("state_dir").and_then(Value::as_str) == Some("") {
        problems.push(ProviderError::invalid(
            AttrPath::attr("state_dir"),
            "Invalid directory",
            "state_dir must not be empty.",
        ));
    }
    problems
}

/// The planned state: `generation` is known at plan time (1 for a new object, one more than
/// the prior one when any argument changes); `id` is as proposed, kept or unknown.
pub(super) fn plan(prior: Option<&Value>, proposed: &Value) -> Value {
    let Some(prior) = prior else {
        return with_attrs(proposed, [("generation", Value::number(1.0))]);
    };
    let changed = ARGUMENTS.iter().any(|name| {
        let before = prior.get_attr(name).cloned().unwrap_or_else(Value::null);
        let after = proposed.get_attr(name).cloned().unwrap_or_else(Value::null);
        before.equals(&after) != Some(true)
    });
    if changed {
        with_attrs(
            proposed,
            [("generation", Value::number(generation(prior) + 1.0))],
        )
    } else {
        proposed.clone()
    }
}

/// Creates the object. With `state_dir`, the object's identity comes from its arguments, the
/// way an Azure resource is named by its ID or a Flink job by a job ID derived from its
/// address: a create retried after an interrupted apply finds the object the first attempt
/// made and adopts it (no second line in `creates.log`), instead of making another.
pub(super) async fn create(planned: &Value, attempts: &Mutex<()>) -> Result<Value, ProviderError> {
    wait(planned).await?;
    faults::inject(planned, Operation::Create, attempts)?;
    let id = match store::state_dir(planned) {
        Some(_) => identity(planned),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let state = with_attrs(
        planned,
        [
            ("id", Value::string(id.clone())),
            ("generation", Value::number(1.0)),
        ],
    );
    let state = wholly_known(state)?;
    if let Some(dir) = store::state_dir(&state) {
        let existed = store::object_path(&dir, &id)?.exists();
        store::write_object(&dir, &state).await?;
        if !existed {
            let value = state.get_attr("value").cloned().unwrap_or_else(Value::null);
            store::log_create(&dir, &id, &value).await?;
        }
    }
    Ok(state)
}

/// A stable identity from the arguments that make the object what it is.
fn identity(planned: &Value) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for name in ["value", "replace_value"] {
        let v = planned
            .get_attr(name)
            .map(Value::to_json)
            .unwrap_or(serde_json::Value::Null);
        h.update(v.to_string().as_bytes());
        h.update([0]);
    }
    format!("{:x}", h.finalize())[..32].to_string()
}

pub(super) async fn update(
    prior: &Value,
    planned: &Value,
    attempts: &Mutex<()>,
) -> Result<Value, ProviderError> {
    wait(planned).await?;
    faults::inject(planned, Operation::Update, attempts)?;
    let generation = match planned.get_attr("generation").and_then(Value::as_number) {
        Some(g) => g,
        None => generation(prior) + 1.0,
    };
    let id = match planned.get_attr("id") {
        Some(id) if id.is_known() && !id.is_null() => id.clone(),
        _ => prior.get_attr("id").cloned().unwrap_or_else(Value::null),
    };
    let state = with_attrs(
        planned,
        [("id", id), ("generation", Value::number(generation))],
    );
    let state = wholly_known(state)?;
    if let Some(dir) = store::state_dir(&state) {
        store::write_object(&dir, &state).await?;
    }
    Ok(state)
}

pub(super) async fn delete(prior: &Value, attempts: &Mutex<()>) -> Result<(), ProviderError> {
    wait(prior).await?;
    faults::inject(prior, Operation::Delete, attempts)?;
    if let (Some(dir), Some(id)) = (store::state_dir(prior), known_id(prior)) {
        store::remove_object(&dir, id).await?;
    }
    Ok(())
}

/// The prior state, or `None` when its file under `state_dir` is gone (deleted outside).
pub(super) async fn read(
    prior: &Value,
    attempts: &Mutex<()>,
) -> Result<Option<Value>, ProviderError> {
    faults::inject(prior, Operation::Read, attempts)?;
    if let (Some(dir), Some(id)) = (store::state_dir(prior), known_id(prior)) {
        if !store::object_exists(&dir, id).await? {
            return Ok(None);
        }
    }
    Ok(Some(prior.clone()))
}

/// The import ID becomes the `id`; everything else is null, to be set by the next apply.
pub(super) fn import(id: &str) -> Value {
    let schema = schema();
    let attrs = schema
        .attributes
        .iter()
        .map(|(name, a)| {
            let v = if name == "id" {
                Value::string(id)
            } else {
                Value::null_of(a.ty.clone())
            };
            (name.clone(), v)
        })
        .collect();
    Value::object(attrs)
}

fn known_id(state: &Value) -> Option<&str> {
    state.get_attr("id").and_then(Value::as_str)
}

/// The generation in a state; 0 when it has none (an imported object).
fn generation(state: &Value) -> f64 {
    state
        .get_attr("generation")
        .and_then(Value::as_number)
        .unwrap_or(0.0)
}

/// The `delay` argument: `None` when null or not yet known.
fn delay(settings: &Value) -> Result<Option<std::time::Duration>, ProviderError> {
    let Some(v) = settings.get_attr("delay") else {
        return Ok(None);
    };
    let Some(text) = v.as_str() else {
        return Ok(None);
    };
    parse_duration(text).map(Some).map_err(|problem| {
        // The parser's message quotes the text, which a sensitive value must not show.
        let detail = if v.is_sensitive() {
            "The value is not a valid duration.".to_string()
        } else {
            format!("The value is not a valid duration: {problem}.")
        };
        ProviderError::invalid(AttrPath::attr("delay"), "Invalid duration", detail)
    })
}

async fn wait(settings: &Value) -> Result<(), ProviderError> {
    if let Some(d) = delay(settings)? {
        tokio::time::sleep(d).await;
    }
    Ok(())
}

/// A state returned by apply must be wholly known: an unknown left in it is a bug upstream.
fn wholly_known(state: Value) -> Result<Value, ProviderError> {
    if state.is_wholly_known() {
        Ok(state)
    } else {
        Err(ProviderError::invalid(
            AttrPath::root(),
            "Provider produced invalid object",
            format!("The new state of a {RESOURCE_TYPE} still has unknown values after apply."),
        ))
    }
}
