//! The provider `testing`, for testing plan and apply: a resource type whose operations can be
//! made to fail, to be slow, and to leave a trace on disk, and a data source that echoes its
//! input.
//!
//! - `testing_resource` ([`resource`]): `value` (updated in place), `replace_value` (replaces),
//!   `fail_on` = "create" | "update" | "delete" | "read" | "plan" with `fail_times` (fail only
//!   the first N attempts, counted under `state_dir`), `delay` (a Go duration every create,
//!   update and delete waits), `state_dir` (a directory holding one `<id>.json` file per
//!   existing object and an append-only `creates.log`); computed `id` and `generation`.
//! - `testing_data`: `input`, computed `output` (= input).
//!
//! The provider is served only when the environment variable [`ENABLE_VAR`] is `1`: it exists
//! to test failure handling (injected failures, waits, objects on disk) and must never appear to
//! users, neither in the providers a configuration can use nor in suggestions.

mod faults;
mod resource;
mod store;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{
    plan_with_replacement, ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderError,
    ProviderSchema, ReadRequest, Schema,
};
use crate::lang::{Type, Value};
use crate::providers::schema::AttributeSchema;

/// Set to `1` to make the provider available.
pub const ENABLE_VAR: &str = "FLINKFORM_TESTING_PROVIDER";

const NAME: &str = "testing";
const RESOURCE_TYPE: &str = "testing_resource";
const DATA_SOURCE_TYPE: &str = "testing_data";

/// Whether the environment asks for the testing provider.
pub fn enabled() -> bool {
    std::env::var_os(ENABLE_VAR).is_some_and(|v| v == "1")
}

/// The testing provider. It has no configuration, but must be configured like any other.
pub struct TestingProvider {
    schema: ProviderSchema,
    configured: AtomicBool,
    /// Serialises the read-increment-write of attempt counters within this process.
    attempts: Mutex<()>,
}

impl Default for TestingProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl TestingProvider {
    pub fn new() -> Self {
        let schema = ProviderSchema {
            provider: Schema::new("The testing provider: it has no arguments."),
            resources: [(RESOURCE_TYPE.to_string(), resource::schema())].into(),
            data_sources: [(DATA_SOURCE_TYPE.to_string(), data_schema())].into(),
        };
        TestingProvider {
            schema,
            configured: AtomicBool::new(false),
            attempts: Mutex::new(()),
        }
    }

    fn ensure_configured(&self) -> Result<(), ProviderError> {
        if self.configured.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(ProviderError::NotConfigured {
                provider: NAME.to_string(),
            })
        }
    }
}

fn data_schema() -> Schema {
    Schema::new("Echoes `input` as `output`, to test data source reads.")
        .attribute(
            "input",
            AttributeSchema::optional(Type::Dynamic).describe("Any value."),
        )
        .attribute(
            "output",
            AttributeSchema::computed(Type::Dynamic).describe("The `input`."),
        )
}

#[async_trait]
impl Provider for TestingProvider {
    fn name(&self) -> &str {
        NAME
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Vec<ProviderError> {
        match type_name {
            RESOURCE_TYPE => resource::validate(config),
            DATA_SOURCE_TYPE => Vec::new(),
            _ => self.resource_schema(type_name).err().into_iter().collect(),
        }
    }

    async fn configure(&self, _config: &Value) -> Result<(), ProviderError> {
        self.configured.store(true, Ordering::Release);
        Ok(())
    }

    async fn read_resource(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        self.ensure_configured()?;
        self.resource_schema(req.type_name)?;
        resource::read(req.prior_state, &self.attempts).await
    }

    fn plan_resource_change(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        self.ensure_configured()?;
        let schema = self.resource_schema(req.type_name)?;
        if let Some(config) = req.config.or(req.proposed_new_state) {
            faults::inject(config, faults::Operation::Plan, &self.attempts)?;
        }
        plan_with_replacement(schema, &req, |prior, proposed, _config| {
            Ok(resource::plan(prior, proposed))
        })
    }

    async fn apply_resource_change(
        &self,
        req: ApplyRequest<'_>,
    ) -> Result<Option<Value>, ProviderError> {
        self.ensure_configured()?;
        self.resource_schema(req.type_name)?;
        let prior = req.prior_state.filter(|p| !p.is_null());
        let planned = req.planned_state.filter(|p| !p.is_null());
        match (prior, planned) {
            (None, None) => Ok(None),
            (None, Some(planned)) => resource::create(planned, &self.attempts).await.map(Some),
            (Some(prior), Some(planned)) => resource::update(prior, planned, &self.attempts)
                .await
                .map(Some),
            (Some(prior), None) => {
                resource::delete(prior, &self.attempts).await?;
                Ok(None)
            }
        }
    }

    async fn import_resource(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        self.ensure_configured()?;
        self.resource_schema(type_name)?;
        Ok(resource::import(id))
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        self.ensure_configured()?;
        self.data_source_schema(type_name)?;
        let input = config
            .get_attr("input")
            .cloned()
            .unwrap_or_else(Value::null);
        Ok(with_attrs(config, [("output", input)]))
    }
}

/// Shared with the resource modules below.
use crate::lang::value::with_attrs;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_sound() {
        let p = TestingProvider::new();
        assert_eq!(p.schema().internal_validate(), Vec::<String>::new());
    }
}
