//! `flinkform_data`: Terraform's `terraform_data`. It stores `input` as `output` and gives the
//! object an `id`; changing `triggers_replace` replaces it, which makes it a handle for
//! `replace_triggered_by` and for grouping dependencies.

use crate::lang::{Type, Value};
use crate::providers::schema::{AttributeSchema, Schema};

use super::with_attrs;

pub(super) fn schema() -> Schema {
    Schema::new("Stores a value in state and replaces itself when `triggers_replace` changes.")
        .attribute(
            "input",
            AttributeSchema::optional(Type::Dynamic)
                .describe("A value to store; it is reflected in `output`."),
        )
        .attribute(
            "output",
            AttributeSchema::computed(Type::Dynamic).describe("The stored `input`."),
        )
        .attribute(
            "triggers_replace",
            AttributeSchema::optional(Type::Dynamic)
                .force_new()
                .describe("A value whose every change replaces the resource."),
        )
        .attribute(
            "id",
            AttributeSchema::computed(Type::String).describe("A random UUID, chosen at creation."),
        )
}

/// `output` follows `input`, unknown while `input` is; `id` stays as proposed: kept on update,
/// unknown on create.
pub(super) fn plan(proposed: &Value) -> Value {
    let input = proposed
        .get_attr("input")
        .cloned()
        .unwrap_or_else(Value::null);
    with_attrs(proposed, [("output", input)])
}

pub(super) fn apply(prior: Option<&Value>, planned: &Value) -> Value {
    let input = planned
        .get_attr("input")
        .cloned()
        .unwrap_or_else(Value::null);
    let id = match (prior, planned.get_attr("id")) {
        (Some(_), Some(id)) if id.is_known() && !id.is_null() => id.clone(),
        _ => Value::string(uuid::Uuid::new_v4().to_string()),
    };
    with_attrs(planned, [("output", input), ("id", id)])
}

/// As `terraform_data`: the import ID becomes the `id`, everything else is null.
pub(super) fn import(id: &str) -> Value {
    with_attrs(
        &Value::empty_object(),
        [
            ("id", Value::string(id)),
            ("input", Value::null()),
            ("output", Value::null()),
            ("triggers_replace", Value::null()),
        ],
    )
}
