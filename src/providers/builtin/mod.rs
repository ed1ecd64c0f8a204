//! The built-in provider `flinkform`, which needs no remote system: `flinkform_data` (as
//! Terraform's `terraform_data`), and stand-ins for two widely used utility resources,
//! `time_sleep` (hashicorp/time) and `local_file` (hashicorp/local).

mod data;
mod duration;
mod local_file;
mod time_sleep;

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

use super::{
    plan_with_replacement, ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderError,
    ProviderSchema, ReadRequest, Schema,
};
use crate::lang::Value;

pub use duration::parse_duration;

/// Resource types served by this provider although their prefix names another provider.
pub const FOREIGN_PREFIX_TYPES: &[&str] = &["time_sleep", "local_file"];

const NAME: &str = "flinkform";

/// The resource types, for dispatching by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResourceType {
    Data,
    TimeSleep,
    LocalFile,
}

impl ResourceType {
    const ALL: [ResourceType; 3] = [
        ResourceType::Data,
        ResourceType::TimeSleep,
        ResourceType::LocalFile,
    ];

    fn name(self) -> &'static str {
        match self {
            ResourceType::Data => "flinkform_data",
            ResourceType::TimeSleep => "time_sleep",
            ResourceType::LocalFile => "local_file",
        }
    }

    fn from_name(name: &str) -> Option<ResourceType> {
        ResourceType::ALL.into_iter().find(|t| t.name() == name)
    }

    fn schema(self) -> Schema {
        match self {
            ResourceType::Data => data::schema(),
            ResourceType::TimeSleep => time_sleep::schema(),
            ResourceType::LocalFile => local_file::schema(),
        }
    }
}

/// The built-in provider. It has no configuration, but must be configured like any other.
pub struct BuiltinProvider {
    schema: ProviderSchema,
    configured: AtomicBool,
}

impl Default for BuiltinProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl BuiltinProvider {
    pub fn new() -> Self {
        let resources = ResourceType::ALL
            .into_iter()
            .map(|t| (t.name().to_string(), t.schema()))
            .collect();
        let schema = ProviderSchema {
            provider: Schema::new("The built-in provider: it has no arguments."),
            resources,
            data_sources: Default::default(),
        };
        BuiltinProvider {
            schema,
            configured: AtomicBool::new(false),
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

    /// The resource type and its schema, or an error with a hint.
    fn resource(&self, type_name: &str) -> Result<(ResourceType, &Schema), ProviderError> {
        let schema = self.resource_schema(type_name)?;
        let ty = ResourceType::from_name(type_name).ok_or_else(|| {
            ProviderError::UnknownResourceType {
                provider: NAME.to_string(),
                type_name: type_name.to_string(),
                hint: String::new(),
            }
        })?;
        Ok((ty, schema))
    }
}

/// A state returned by apply must be wholly known: an unknown left in it is a provider bug.
fn check_wholly_known(
    type_name: &str,
    state: Option<Value>,
) -> Result<Option<Value>, ProviderError> {
    match state {
        Some(s) if !s.is_wholly_known() => Err(ProviderError::invalid(
            super::AttrPath::root(),
            "Provider produced invalid object",
            format!("The new state of a {type_name} still has unknown values after apply. This is a bug in flinkform."),
        )),
        other => Ok(other),
    }
}

#[async_trait]
impl Provider for BuiltinProvider {
    fn name(&self) -> &str {
        NAME
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Vec<ProviderError> {
        match self.resource(type_name) {
            Err(e) => vec![e],
            Ok((ResourceType::Data, _)) => Vec::new(),
            Ok((ResourceType::TimeSleep, _)) => time_sleep::validate(config),
            Ok((ResourceType::LocalFile, _)) => local_file::validate(config),
        }
    }

    async fn configure(&self, _config: &Value) -> Result<(), ProviderError> {
        self.configured.store(true, Ordering::Release);
        Ok(())
    }

    async fn read_resource(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        self.ensure_configured()?;
        let (ty, schema) = self.resource(req.type_name)?;
        let state = match ty {
            // Nothing remote: the state is the object.
            ResourceType::Data | ResourceType::TimeSleep => Some(req.prior_state.clone()),
            ResourceType::LocalFile => local_file::read(req.prior_state).await?,
        };
        Ok(state.map(|s| schema.mark_sensitive_attributes(s)))
    }

    fn plan_resource_change(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        self.ensure_configured()?;
        let (ty, schema) = self.resource(req.type_name)?;
        let mut response =
            plan_with_replacement(schema, &req, |_prior, proposed, config| match ty {
                ResourceType::Data => Ok(data::plan(proposed)),
                // Nothing to decide at plan time: `id` is kept from the prior state or unknown.
                ResourceType::TimeSleep => Ok(proposed.clone()),
                ResourceType::LocalFile => Ok(local_file::plan(proposed, config)),
            })?;
        response.planned_state = response
            .planned_state
            .map(|s| schema.mark_sensitive_attributes(s));
        Ok(response)
    }

    async fn apply_resource_change(
        &self,
        req: ApplyRequest<'_>,
    ) -> Result<Option<Value>, ProviderError> {
        self.ensure_configured()?;
        let (ty, schema) = self.resource(req.type_name)?;
        let prior = req.prior_state.filter(|p| !p.is_null());
        let planned = req.planned_state.filter(|p| !p.is_null());
        let new_state = match (ty, prior, planned) {
            (_, None, None) => None,
            (ResourceType::Data, prior, Some(planned)) => Some(data::apply(prior, planned)),
            (ResourceType::Data, Some(_), None) => None,
            (ResourceType::TimeSleep, prior, Some(planned)) => {
                Some(time_sleep::apply(prior, planned).await?)
            }
            (ResourceType::TimeSleep, Some(prior), None) => {
                time_sleep::delete(prior).await?;
                None
            }
            (ResourceType::LocalFile, _, Some(planned)) => Some(local_file::write(planned).await?),
            (ResourceType::LocalFile, Some(prior), None) => {
                local_file::delete(prior).await?;
                None
            }
        };
        let new_state = check_wholly_known(req.type_name, new_state)?;
        Ok(new_state.map(|s| schema.mark_sensitive_attributes(s)))
    }

    async fn import_resource(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        self.ensure_configured()?;
        let (ty, schema) = self.resource(type_name)?;
        let state = match ty {
            ResourceType::Data => data::import(id),
            ResourceType::TimeSleep => time_sleep::import(id)?,
            ResourceType::LocalFile => local_file::import(id).await?,
        };
        Ok(schema.mark_sensitive_attributes(state))
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        _config: &Value,
    ) -> Result<Value, ProviderError> {
        self.ensure_configured()?;
        Err(self.data_source_schema(type_name).err().unwrap_or_else(|| {
            ProviderError::UnknownDataSource {
                provider: NAME.to_string(),
                type_name: type_name.to_string(),
                hint: String::new(),
            }
        }))
    }
}

// ---- helpers shared by the resource types ----

/// Attribute `name` of `value` when it is a known string.
fn known_str<'v>(value: &'v Value, name: &str) -> Option<&'v str> {
    value.get_attr(name).and_then(Value::as_str)
}

/// Whether attribute `name` is set: neither absent nor null (unknown counts as set).
fn is_set(value: &Value, name: &str) -> bool {
    value.get_attr(name).is_some_and(|v| !v.is_null())
}

/// Shared with the resource modules below.
use crate::lang::value::with_attrs;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_sound() {
        let p = BuiltinProvider::new();
        assert_eq!(p.schema().internal_validate(), Vec::<String>::new());
        let names: Vec<&str> = p.schema().resources.keys().map(String::as_str).collect();
        assert_eq!(names, ["flinkform_data", "local_file", "time_sleep"]);
    }
}
