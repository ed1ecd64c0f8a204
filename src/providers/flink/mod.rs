//! The provider `flink`: Flink clusters and the stateful jobs on them.
//!
//! - `flink_cluster` ([`cluster`]): a session cluster with a deployment target block. The
//!   target is an enum ([`cluster::Target`]); this provider implements `local` (processes on
//!   this machine, [`local`]); Kubernetes targets (standalone objects, or a `FlinkDeployment`
//!   for the Flink Kubernetes Operator) are further variants with their own block.
//! - `flink_job` ([`job`]): a jar run on a session cluster through its REST API, upgraded
//!   through savepoints, suspended and resumed, resubmitted when found dead.
//! - `data "flink_cluster"`: a cluster flinkform does not own, read by REST URL.
//!
//! The provider has no configuration. Its REST calls go through [`rest::Rest`] (plain http:
//! clusters are reached on localhost or through a port-forward).

pub mod cluster;
pub mod job;
pub mod local;
pub mod ops;
pub mod rest;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use async_trait::async_trait;

use super::{
    ApplyRequest, AttrPath, PlanRequest, PlanResponse, Provider, ProviderError, ProviderSchema,
    ReadRequest, Schema,
};
use crate::lang::Value;

const NAME: &str = "flink";
const CLUSTER: &str = "flink_cluster";
const JOB: &str = "flink_job";

/// The Flink provider.
pub struct FlinkProvider {
    schema: ProviderSchema,
    configured: AtomicBool,
    rest: OnceLock<rest::Rest>,
}

impl Default for FlinkProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl FlinkProvider {
    pub fn new() -> Self {
        let schema = ProviderSchema {
            provider: Schema::new("The Flink provider: it has no arguments."),
            resources: [
                (CLUSTER.to_string(), cluster::schema()),
                (JOB.to_string(), job::schema()),
            ]
            .into(),
            data_sources: [(CLUSTER.to_string(), cluster::data_schema())].into(),
        };
        FlinkProvider {
            schema,
            configured: AtomicBool::new(false),
            rest: OnceLock::new(),
        }
    }

    fn ensure_configured(&self) -> Result<&rest::Rest, ProviderError> {
        if !self.configured.load(Ordering::Acquire) {
            return Err(ProviderError::NotConfigured {
                provider: NAME.to_string(),
            });
        }
        self.rest.get().ok_or_else(|| ProviderError::NotConfigured {
            provider: NAME.to_string(),
        })
    }
}

#[async_trait]
impl Provider for FlinkProvider {
    fn name(&self) -> &str {
        NAME
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Vec<ProviderError> {
        match type_name {
            // Data sources are validated here too; only the resource has a target block.
            CLUSTER if config.get_attr("local").is_none() => cluster::validate_data(config),
            CLUSTER => cluster::validate(config),
            JOB => job::validate(config),
            _ => self.resource_schema(type_name).err().into_iter().collect(),
        }
    }

    async fn configure(&self, _config: &Value) -> Result<(), ProviderError> {
        if self.rest.get().is_none() {
            let client = rest::Rest::new().map_err(|e| ProviderError::Remote {
                message: format!("cannot create the HTTP client for Flink's REST API: {e}"),
            })?;
            let _ = self.rest.set(client);
        }
        self.configured.store(true, Ordering::Release);
        Ok(())
    }

    async fn read_resource(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let rest = self.ensure_configured()?;
        match req.type_name {
            CLUSTER => cluster::read(rest, req.prior_state, req.pending_operation).await,
            JOB => job::read(rest, req.prior_state, req.pending_operation).await,
            other => Err(self.unknown_type(other)),
        }
    }

    fn plan_resource_change(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        self.ensure_configured()?;
        self.resource_schema(req.type_name)?;
        let Some(proposed) = req.proposed_new_state else {
            let notes = match (req.type_name, req.prior_state) {
                (JOB, Some(prior)) => job::destroy_notes(prior),
                _ => BTreeMap::new(),
            };
            return Ok(PlanResponse {
                planned_state: None,
                requires_replace: Vec::new(),
                notes,
            });
        };
        let prior = req.prior_state.filter(|p| !p.is_null());
        let config = req.config.unwrap_or(proposed);
        let (planned, notes) = match req.type_name {
            CLUSTER => cluster::plan(prior, proposed, config)?,
            JOB => job::plan(prior, proposed, config)?,
            other => return Err(self.unknown_type(other)),
        };
        Ok(PlanResponse {
            planned_state: Some(planned),
            requires_replace: Vec::new(),
            notes,
        })
    }

    async fn apply_resource_change(
        &self,
        req: ApplyRequest<'_>,
    ) -> Result<Option<Value>, ProviderError> {
        let rest = self.ensure_configured()?;
        let prior = req.prior_state.filter(|p| !p.is_null());
        let planned = req.planned_state.filter(|p| !p.is_null());
        let no_checkpoint = |_: serde_json::Value| {};
        let checkpoint: &super::Checkpoint = match req.checkpoint {
            Some(c) => c,
            None => &no_checkpoint,
        };
        let no_report = |_: String| {};
        let report: &super::Report = match req.report {
            Some(r) => r,
            None => &no_report,
        };
        let state = match req.type_name {
            CLUSTER => cluster::apply(rest, prior, planned, checkpoint).await?,
            JOB => {
                let address = req.address.to_string();
                job::apply(rest, prior, planned, &address, checkpoint, report).await?
            }
            other => return Err(self.unknown_type(other)),
        };
        match state {
            Some(s) if !s.is_wholly_known() => Err(ProviderError::invalid(
                AttrPath::root(),
                "Provider produced invalid object",
                format!(
                    "The new state of a {} still has unknown values after apply. This is a bug in flinkform.",
                    req.type_name
                ),
            )),
            other => Ok(other),
        }
    }

    async fn import_resource(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        self.ensure_configured()?;
        self.resource_schema(type_name)?;
        Err(ProviderError::InvalidImportId {
            type_name: type_name.to_string(),
            id: id.to_string(),
            message: format!(
                "{type_name} cannot be imported yet: read a cluster flinkform does not own with a data \"flink_cluster\" source"
            ),
        })
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let rest = self.ensure_configured()?;
        self.data_source_schema(type_name)?;
        cluster::read_data(rest, config).await
    }
}

impl FlinkProvider {
    fn unknown_type(&self, type_name: &str) -> ProviderError {
        self.resource_schema(type_name).err().unwrap_or_else(|| {
            ProviderError::UnknownResourceType {
                provider: NAME.to_string(),
                type_name: type_name.to_string(),
                hint: String::new(),
            }
        })
    }
}

// ---- reading values ----

/// Attribute `name` when known and not null.
fn attr<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    value
        .get_attr(name)
        .filter(|v| v.is_known() && !v.is_null())
}

fn str_of<'v>(value: &'v Value, name: &str) -> Option<&'v str> {
    attr(value, name).and_then(Value::as_str)
}

fn num_of(value: &Value, name: &str) -> Option<f64> {
    attr(value, name).and_then(Value::as_number)
}

fn bool_of(value: &Value, name: &str) -> Option<bool> {
    attr(value, name).and_then(Value::as_bool)
}

/// Whether attribute `name` is not yet known.
fn is_unknown(value: &Value, name: &str) -> bool {
    value.get_attr(name).is_some_and(|v| !v.is_known())
}

/// A map(string) attribute: empty when null, `None` when it or an element is unknown.
fn string_map(value: &Value, name: &str) -> Option<BTreeMap<String, String>> {
    let Some(v) = value.get_attr(name) else {
        return Some(BTreeMap::new());
    };
    if v.is_null() {
        return Some(BTreeMap::new());
    }
    if !v.is_wholly_known() {
        return None;
    }
    v.as_map().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    })
}

/// A list(string) attribute: empty when null, `None` when unknown.
fn string_list(value: &Value, name: &str) -> Option<Vec<String>> {
    let Some(v) = value.get_attr(name) else {
        return Some(Vec::new());
    };
    if v.is_null() {
        return Some(Vec::new());
    }
    if !v.is_wholly_known() {
        return None;
    }
    v.as_seq().map(|s| {
        s.iter()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect()
    })
}

/// Whether attribute `name` differs between two objects (a value not yet known counts as a
/// change).
fn changed(before: &Value, after: &Value, name: &str) -> bool {
    let null = Value::null();
    let b = before.get_attr(name).unwrap_or(&null);
    let a = after.get_attr(name).unwrap_or(&null);
    if b.is_null() && a.is_null() {
        return false;
    }
    b.equals(a) != Some(true)
}

/// A whole number in `[min, max]` from attribute `name`, or an error naming it.
fn whole_number(
    value: &Value,
    path: AttrPath,
    name: &str,
    min: f64,
    max: f64,
) -> Result<Option<u32>, ProviderError> {
    match num_of(value, name) {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && n >= min && n <= max => Ok(Some(n as u32)),
        Some(n) => Err(ProviderError::invalid(
            path,
            "Invalid number",
            format!(
                "{name} must be a whole number from {} to {}, not {}.",
                crate::lang::value::format_number(min),
                crate::lang::value::format_number(max),
                crate::lang::value::format_number(n)
            ),
        )),
    }
}

use crate::lang::value::with_attrs;

/// For tests: `config` as the caller passes a configuration, every attribute of the schema
/// present (null when not written).
#[cfg(test)]
fn as_config(schema: &Schema, config: Value) -> Value {
    let mut attrs = config.as_map().cloned().unwrap_or_default();
    for (name, a) in &schema.attributes {
        if a.is_computed_only() {
            attrs.insert(name.clone(), Value::null_of(a.ty.clone()));
        } else {
            attrs
                .entry(name.clone())
                .or_insert_with(|| Value::null_of(a.ty.clone()));
        }
    }
    for (name, b) in &schema.blocks {
        let v = match attrs.remove(name) {
            Some(v) if !v.is_null() => as_config(&b.block, v),
            _ => b.empty_value(),
        };
        attrs.insert(name.clone(), v);
    }
    Value::object(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_sound() {
        let p = FlinkProvider::new();
        assert_eq!(p.schema().internal_validate(), Vec::<String>::new());
        let names: Vec<&str> = p.schema().resources.keys().map(String::as_str).collect();
        assert_eq!(names, ["flink_cluster", "flink_job"]);
    }

    #[test]
    fn changes_compare_values() {
        let a = Value::object([("x".to_string(), Value::number(1.0))].into());
        let b = Value::object([("x".to_string(), Value::number(2.0))].into());
        let u =
            Value::object([("x".to_string(), Value::unknown(crate::lang::Type::Number))].into());
        assert!(changed(&a, &b, "x"));
        assert!(!changed(&a, &a, "x"));
        assert!(changed(&a, &u, "x"));
        assert!(!changed(&a, &a, "missing"));
    }
}
