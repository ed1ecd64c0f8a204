//! The provider interface and the built-in provider.
//!
//! A provider manages the resource types of one platform (the built-in `flinkform`, later
//! `azure`, `kubernetes`, `flink`). The interface follows OpenTofu's `providers.Interface`; the
//! executor drives it through this lifecycle:
//!
//! 1. **GetSchema** ([`Provider::schema`]): the schemas of the provider's configuration, resource
//!    types and data sources. Bodies are decoded against them by the caller.
//! 2. **ValidateProviderConfig** ([`Provider::validate_provider_config`]) and
//!    **ValidateResourceConfig** ([`Provider::validate_resource_config`]): checks beyond the
//!    schema's types (formats, conflicting arguments). Unknown values must be accepted.
//! 3. **ConfigureProvider** ([`Provider::configure`]): once, before any operation below,
//!    also when the configuration has no `provider` block (with an empty object then).
//! 4. **ReadResource** ([`Provider::read_resource`]): refresh; the current remote object for a
//!    prior state, or `None` when it is gone.
//! 5. **PlanResourceChange** ([`Provider::plan_resource_change`]): from the prior state and the
//!    proposed new state ([`schema::Schema::proposed_new`] of prior and configuration), the
//!    planned state and the attribute paths that force replacement. A replacement's planned state
//!    is already that of the new object. Planning a destroy passes no proposed state.
//! 6. **ApplyResourceChange** ([`Provider::apply_resource_change`]): creates (no prior),
//!    updates, or deletes (no planned state) and returns the new state. A replacement is two
//!    applies: delete then create, or create then delete under `create_before_destroy`.
//!    A delete returns `None`, or what the destroyed object leaves behind (a Flink job stopped
//!    with a final savepoint): that object is removed from the state all the same, and kept in
//!    the state backup so that it can be recovered.
//!
//! Besides: **ImportResourceState** ([`Provider::import_resource`], followed by a read),
//! **ReadDataSource** ([`Provider::read_data_source`]), and **Close** (dropping the provider).
//!
//! Progress lines are the executor's; a provider tells the user what they must know of an
//! operation (where a savepoint was written) through [`ApplyRequest::report`].

pub mod azure;
pub mod builtin;
pub mod flink;
mod http;
pub mod schema;
pub mod testing;

use std::sync::Arc;

use async_trait::async_trait;

use crate::addrs::AbsResourceInstance;
use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::lang::Value;

pub use schema::{
    AttrPath, AttributeSchema, NestedBlockSchema, Nesting, PathStep, ProviderSchema, Schema,
};

/// A refresh: the state recorded for `type_name`, to compare with the remote object.
pub struct ReadRequest<'a> {
    pub type_name: &'a str,
    pub prior_state: &'a Value,
    /// What an interrupted apply recorded of an operation in flight (see
    /// [`ApplyRequest::checkpoint`]): the provider resumes it (e.g. polls the long-running
    /// operation to its end) and returns the object it produced, or `None` if there is none.
    pub pending_operation: Option<&'a serde_json::Value>,
}

/// Records what an operation in flight needs to be resumed (an Azure operation URL), before
/// waiting for it; flinkform stores it in the state at once, so that an interrupted apply
/// resumes the operation instead of starting it again.
pub type Checkpoint = dyn Fn(serde_json::Value) + Send + Sync;

/// Tells the user something they must know of an operation in flight (where a savepoint was
/// written); printed with the apply's progress, under the instance's address. Never pass it a
/// sensitive value.
pub type Report = dyn Fn(String) + Send + Sync;

/// A plan for one resource instance.
pub struct PlanRequest<'a> {
    pub type_name: &'a str,
    /// `None` when the object is to be created.
    pub prior_state: Option<&'a Value>,
    /// `None` when the object is to be destroyed.
    pub proposed_new_state: Option<&'a Value>,
    /// The configuration as evaluated (with unknowns and with `ignore_changes` already applied,
    /// as the proposed state was made from it); `None` when destroying.
    pub config: Option<&'a Value>,
}

/// The provider's plan: the planned new state (`None` for a destroy) and, for an update, the
/// attribute paths whose change forces replacement (empty when it can be done in place).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanResponse {
    pub planned_state: Option<Value>,
    pub requires_replace: Vec<AttrPath>,
    /// How the change of an attribute will be carried out, shown after it in the plan
    /// (`parallelism`: "restart from savepoint"); empty when there is nothing to say.
    pub notes: std::collections::BTreeMap<AttrPath, String>,
}

/// An apply: create (no prior), update (both), or delete (no planned state).
pub struct ApplyRequest<'a> {
    pub type_name: &'a str,
    /// The resource instance's address (for identities the provider derives from it, such as
    /// Flink job ids).
    pub address: &'a AbsResourceInstance,
    pub prior_state: Option<&'a Value>,
    pub planned_state: Option<&'a Value>,
    /// The configuration as evaluated at apply time (wholly known); `None` when deleting.
    pub config: Option<&'a Value>,
    /// Called with what resuming the operation would need, once it is started remotely.
    pub checkpoint: Option<&'a Checkpoint>,
    /// Called with messages for the user (see [`Report`]).
    pub report: Option<&'a Report>,
}

/// Why a provider operation failed. Carries no values of resource attributes, so that neither
/// Display nor Debug can leak a sensitive one.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("provider \"{provider}\" was used before being configured")]
    NotConfigured { provider: String },
    #[error("the provider \"{provider}\" does not support resource type \"{type_name}\".{hint}")]
    UnknownResourceType {
        provider: String,
        type_name: String,
        /// " Did you mean \"x\"?" or "".
        hint: String,
    },
    #[error("the provider \"{provider}\" does not support data source \"{type_name}\".{hint}")]
    UnknownDataSource {
        provider: String,
        type_name: String,
        hint: String,
    },
    /// A value that cannot be used; `path` is empty when the problem is the block as a whole.
    #[error("{}{summary}: {detail}", path_prefix(.path))]
    Invalid {
        path: AttrPath,
        summary: String,
        detail: String,
    },
    #[error("cannot import {type_name} with ID {id:?}: {message}")]
    InvalidImportId {
        type_name: String,
        id: String,
        message: String,
    },
    /// The remote system refused or failed the operation.
    #[error("{message}")]
    Remote { message: String },
    /// A local I/O operation failed; `action` says which, e.g. `writing file "out/a.txt"`.
    #[error("error {action}: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },
}

fn path_prefix(path: &AttrPath) -> String {
    if path.is_root() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl ProviderError {
    pub fn invalid(path: AttrPath, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        ProviderError::Invalid {
            path,
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    pub fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        ProviderError::Io {
            action: action.into(),
            source,
        }
    }

    /// The attribute the error is about, for underlining its expression in the configuration.
    pub fn attribute_path(&self) -> Option<&AttrPath> {
        match self {
            ProviderError::Invalid { path, .. } if !path.is_root() => Some(path),
            _ => None,
        }
    }

    /// The error as a diagnostic; the caller adds the subject range, context and address.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            ProviderError::NotConfigured { provider } => Diagnostic::error(
                "Provider not configured",
                format!("The provider \"{provider}\" was used before being configured. This is a bug in flinkform."),
            ),
            ProviderError::UnknownResourceType { provider, type_name, hint } => Diagnostic::error(
                "Invalid resource type",
                format!("The provider \"{provider}\" does not support resource type \"{type_name}\".{hint}"),
            ),
            ProviderError::UnknownDataSource { provider, type_name, hint } => Diagnostic::error(
                "Invalid data source",
                format!("The provider \"{provider}\" does not support data source \"{type_name}\".{hint}"),
            ),
            ProviderError::Invalid { path, summary, detail } => {
                let detail = if path.is_root() { detail.clone() } else { format!("{detail} (at {path})") };
                Diagnostic::error(summary.clone(), detail)
            }
            ProviderError::InvalidImportId { type_name, id, message } => Diagnostic::error(
                "Invalid import ID",
                format!("Cannot import {type_name} with ID {}: {message}", crate::lang::value::quote_string(id)),
            ),
            ProviderError::Remote { message } => Diagnostic::error("Provider operation failed", message.clone()),
            ProviderError::Io { action, source } => {
                Diagnostic::error("Local operation failed", format!("Error {action}: {source}."))
            }
        }
    }
}

/// What every provider implements. See the module documentation for the lifecycle.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's local name: `flinkform`, `azure`, ...
    fn name(&self) -> &str;

    /// GetSchema.
    fn schema(&self) -> &ProviderSchema;

    /// The schema of a resource type, or an error with a "Did you mean" hint.
    fn resource_schema(&self, type_name: &str) -> Result<&Schema, ProviderError> {
        let resources = &self.schema().resources;
        resources
            .get(type_name)
            .ok_or_else(|| ProviderError::UnknownResourceType {
                provider: self.name().to_string(),
                type_name: type_name.to_string(),
                hint: did_you_mean(type_name, resources.keys().map(String::as_str)),
            })
    }

    /// The schema of a data source, or an error with a "Did you mean" hint.
    fn data_source_schema(&self, type_name: &str) -> Result<&Schema, ProviderError> {
        let data_sources = &self.schema().data_sources;
        data_sources
            .get(type_name)
            .ok_or_else(|| ProviderError::UnknownDataSource {
                provider: self.name().to_string(),
                type_name: type_name.to_string(),
                hint: did_you_mean(type_name, data_sources.keys().map(String::as_str)),
            })
    }

    /// ValidateProviderConfig: problems in the provider's configuration beyond its schema.
    fn validate_provider_config(&self, config: &Value) -> Vec<ProviderError> {
        let _ = config;
        Vec::new()
    }

    /// ValidateResourceConfig: problems in a resource's configuration beyond its schema, each
    /// with the path of the attribute concerned. Values may be unknown.
    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Vec<ProviderError>;

    /// ConfigureProvider: takes the provider's configuration (wholly known).
    async fn configure(&self, config: &Value) -> Result<(), ProviderError>;

    /// ReadResource: the remote object's current state, or `None` when it no longer exists.
    async fn read_resource(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError>;

    /// PlanResourceChange.
    fn plan_resource_change(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError>;

    /// ApplyResourceChange: the new state; after a delete, `None` or what the destroyed object
    /// leaves behind (kept in the state backup, see the module documentation).
    async fn apply_resource_change(
        &self,
        req: ApplyRequest<'_>,
    ) -> Result<Option<Value>, ProviderError>;

    /// ImportResourceState: a state for an existing object, to be refreshed by a read.
    async fn import_resource(&self, type_name: &str, id: &str) -> Result<Value, ProviderError>;

    /// ReadDataSource: the data source's state for a wholly known configuration.
    async fn read_data_source(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Result<Value, ProviderError>;
}

/// A PlanResourceChange built from a resource type's own planning step, which fills in what the
/// provider knows at plan time given the prior state (`None` on create), the proposed new state
/// and the configuration. This adds what is the same for every provider: destroys plan to
/// `None`, force_new attributes that change are reported, and a replacement is planned again
/// as a create so that its computed attributes are those of a new object.
pub fn plan_with_replacement(
    schema: &Schema,
    req: &PlanRequest<'_>,
    plan: impl Fn(Option<&Value>, &Value, &Value) -> Result<Value, ProviderError>,
) -> Result<PlanResponse, ProviderError> {
    let Some(proposed) = req.proposed_new_state else {
        return Ok(PlanResponse {
            planned_state: None,
            requires_replace: Vec::new(),
            notes: Default::default(),
        });
    };
    let config = req.config.unwrap_or(proposed);
    let prior = req.prior_state.filter(|p| !p.is_null());
    let planned = plan(prior, proposed, config)?;
    let requires_replace = match prior {
        Some(prior) => schema.requires_replace(prior, &planned),
        None => Vec::new(),
    };
    if requires_replace.is_empty() {
        return Ok(PlanResponse {
            planned_state: Some(planned),
            requires_replace,
            notes: Default::default(),
        });
    }
    let fresh = schema.proposed_new(None, config);
    let planned = plan(None, &fresh, config)?;
    Ok(PlanResponse {
        planned_state: Some(planned),
        requires_replace,
        notes: Default::default(),
    })
}

/// The providers flinkform can instantiate, by local name.
/// The testing provider only when [`testing::ENABLE_VAR`] asks for it: it must not appear to users.
pub fn available() -> &'static [&'static str] {
    if testing::enabled() {
        &["flinkform", "azure", "flink", "testing"]
    } else {
        &["flinkform", "azure", "flink"]
    }
}

/// A new, unconfigured instance of the provider named `name`.
pub fn instantiate(name: &str) -> Option<Arc<dyn Provider>> {
    match name {
        "flinkform" => Some(Arc::new(builtin::BuiltinProvider::new())),
        "azure" => Some(Arc::new(azure::AzureProvider::new())),
        "flink" => Some(Arc::new(flink::FlinkProvider::new())),
        "testing" if testing::enabled() => Some(Arc::new(testing::TestingProvider::new())),
        _ => None,
    }
}

/// The provider that serves a resource type: the part of the name before the first `_`, except
/// for the types the built-in provider serves under other prefixes (`time_sleep`, `local_file`).
pub fn provider_for_type(type_name: &str) -> &str {
    if type_name.starts_with("flinkform_") || builtin::FOREIGN_PREFIX_TYPES.contains(&type_name) {
        return "flinkform";
    }
    type_name.split('_').next().unwrap_or(type_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_by_type_prefix() {
        assert_eq!(provider_for_type("flinkform_data"), "flinkform");
        assert_eq!(provider_for_type("time_sleep"), "flinkform");
        assert_eq!(provider_for_type("local_file"), "flinkform");
        assert_eq!(provider_for_type("time_static"), "time");
        assert_eq!(provider_for_type("local_sensitive_file"), "local");
        assert_eq!(provider_for_type("azure_kubernetes_cluster"), "azure");
        assert_eq!(provider_for_type("flink"), "flink");
    }

    #[test]
    fn registry() {
        assert_eq!(available(), ["flinkform", "azure", "flink"]);
        let p = instantiate("flinkform").expect("built-in provider");
        assert_eq!(p.name(), "flinkform");
        assert_eq!(
            instantiate("azure").expect("azure provider").name(),
            "azure"
        );
        assert!(instantiate("kubernetes").is_none());
    }

    #[test]
    fn error_rendering() {
        let e = ProviderError::invalid(
            AttrPath::attr("tags").child_key("x"),
            "Invalid tag",
            "Tags must be short.",
        );
        assert_eq!(
            e.to_string(),
            "tags[\"x\"]: Invalid tag: Tags must be short."
        );
        assert_eq!(
            e.attribute_path().map(ToString::to_string).as_deref(),
            Some("tags[\"x\"]")
        );
        let d = e.to_diagnostic();
        assert_eq!(d.summary, "Invalid tag");
        assert_eq!(d.detail, "Tags must be short. (at tags[\"x\"])");

        let whole = ProviderError::invalid(AttrPath::root(), "Missing file content", "Set one.");
        assert_eq!(whole.to_string(), "Missing file content: Set one.");
        assert_eq!(whole.attribute_path(), None);

        let p = instantiate("flinkform").expect("built-in provider");
        let e = p.resource_schema("flinkform_dat").unwrap_err();
        assert_eq!(
            e.to_diagnostic().detail,
            "The provider \"flinkform\" does not support resource type \"flinkform_dat\". Did you mean \"flinkform_data\"?"
        );
    }
}
