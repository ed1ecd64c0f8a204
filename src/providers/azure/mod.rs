//! The Azure provider: the resources of a Flink-on-AKS platform managed through Azure Resource
//! Manager (see [`arm`] for the client).
//!
//! ```hcl
//! provider "azure" {
//!   subscription_id = "..."   # else ARM_SUBSCRIPTION_ID
//! }
//! ```
//!
//! Resource types (`resources`): `azure_resource_group`, `azure_virtual_network`,
//! `azure_subnet`, `azure_network_security_group`,
//! `azure_subnet_network_security_group_association`, `azure_log_analytics_workspace`,
//! `azure_container_registry`, `azure_kubernetes_cluster`,
//! `azure_kubernetes_cluster_node_pool`, `azure_role_assignment`.
//!
//! Around each type's own work, the provider
//! - checks arguments at validate time (`validate`), before any call to Azure;
//! - plans: reconciles the proposed state with the prior one (`normalize`), lets the type
//!   plan, finds what forces replacement, and treats a difference only in arguments Azure does
//!   not keep as no change;
//! - applies: serialises operations on one virtual network, passes the executor's checkpoint
//!   to every long-running operation, and reconciles the answer with the planned state;
//! - reads: resumes an operation an interrupted apply left in flight (polling it, never
//!   starting it again), then reads the object and reconciles it with the prior state.
//!
//! Sensitive attributes (keys, passwords, kubeconfigs) are marked as the schema says.

pub mod arm;
mod ids;
mod json;
mod kubeconfig;
mod normalize;
mod resources;
mod roles;
mod validate;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;

use self::arm::{ArmClient, ArmConfig, ArmError, ArmSettings, AzureEnvironment, Secret};
use self::normalize::{reconcile, Side};
use self::resources::{conform, copy_path, AzureResource, Checks, Env};
use self::validate::{check_enum, NetworkRegistry, Patterns};
use super::schema::AttributeSchema;
use super::{
    ApplyRequest, AttrPath, PlanRequest, PlanResponse, Provider, ProviderError, ProviderSchema,
    ReadRequest, Schema,
};
use crate::lang::{Type, Value};

const NAME: &str = "azure";

/// The Azure provider.
pub struct AzureProvider {
    schema: ProviderSchema,
    types: BTreeMap<&'static str, Box<dyn AzureResource>>,
    client: RwLock<Option<ArmClient>>,
    patterns: Patterns,
    network: NetworkRegistry,
    /// Locks serialising operations on one virtual network and its subnets.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for AzureProvider {
    fn default() -> Self {
        Self::new()
    }
}

fn provider_schema() -> Schema {
    let s = |d: &str| AttributeSchema::optional(Type::String).describe(d);
    let b = |d: &str| AttributeSchema::optional(Type::Bool).describe(d);
    Schema::new("Azure Resource Manager. Every argument falls back to the usual ARM_* / AZURE_* environment variables.")
        .attribute("subscription_id", s("The subscription (ARM_SUBSCRIPTION_ID)."))
        .attribute("tenant_id", s("The Entra ID tenant (ARM_TENANT_ID)."))
        .attribute("client_id", s("A service principal's or managed identity's client ID (ARM_CLIENT_ID)."))
        .attribute(
            "client_secret",
            AttributeSchema::optional(Type::String)
                .sensitive()
                .describe("The service principal's secret (ARM_CLIENT_SECRET)."),
        )
        .attribute("use_cli", b("Authenticate as the Azure CLI's logged-in account (default true, ARM_USE_CLI)."))
        .attribute("use_msi", b("Authenticate with the machine's managed identity (ARM_USE_MSI)."))
        .attribute("use_oidc", b("Authenticate with a federated OIDC token, e.g. from GitHub Actions (ARM_USE_OIDC)."))
        .attribute("environment", s("\"public\" (default), \"china\" or \"usgovernment\" (ARM_ENVIRONMENT)."))
        .attribute("resource_manager_endpoint", s("Another Resource Manager endpoint (https)."))
        .attribute("authority_host", s("Another Entra ID authority (https)."))
        .attribute("ca_cert_file", s("A PEM file of CA certificates to trust besides the system's."))
}

impl AzureProvider {
    pub fn new() -> Self {
        let types: BTreeMap<&'static str, Box<dyn AzureResource>> = resources::all()
            .into_iter()
            .map(|t| (t.type_name(), t))
            .collect();
        let schema = ProviderSchema {
            provider: provider_schema(),
            resources: types
                .iter()
                .map(|(name, t)| (name.to_string(), t.schema()))
                .collect(),
            data_sources: Default::default(),
        };
        AzureProvider {
            schema,
            types,
            client: RwLock::new(None),
            patterns: Patterns::new(),
            network: NetworkRegistry::default(),
            locks: Mutex::new(HashMap::new()),
        }
    }

    fn resource(&self, type_name: &str) -> Result<(&dyn AzureResource, &Schema), ProviderError> {
        let schema = self.resource_schema(type_name)?;
        let ty = self
            .types
            .get(type_name)
            .ok_or_else(|| ProviderError::UnknownResourceType {
                provider: NAME.to_string(),
                type_name: type_name.to_string(),
                hint: String::new(),
            })?;
        Ok((ty.as_ref(), schema))
    }

    fn client(&self) -> Result<ArmClient, ProviderError> {
        self.client
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| ProviderError::NotConfigured {
                provider: NAME.to_string(),
            })
    }

    fn subscription(&self) -> String {
        self.client
            .read()
            .ok()
            .and_then(|c| c.as_ref().map(|c| c.subscription_id().to_string()))
            .unwrap_or_default()
    }

    fn lock_for(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        match self.locks.lock() {
            Ok(mut m) => m.entry(key.to_string()).or_default().clone(),
            Err(_) => Arc::default(),
        }
    }

    /// A state as the rest of flinkform sees it: reconciled with `reference`, completed to the
    /// schema, sensitive attributes marked.
    fn finish(
        &self,
        ty: &dyn AzureResource,
        schema: &Schema,
        state: Value,
        reference: Option<&Value>,
    ) -> Value {
        let state = match reference {
            Some(r) => reconcile(state, r, ty.semantics(), Side::ReferenceWanted),
            None => state,
        };
        schema.mark_sensitive_attributes(conform(schema, &state))
    }

    /// The type's plan for the proposed state, after reconciling it with the prior one.
    fn plan_one(
        &self,
        ty: &dyn AzureResource,
        prior: Option<&Value>,
        proposed: &Value,
        config: &Value,
    ) -> Result<resources::Planned, ProviderError> {
        let proposed = match prior {
            Some(p) => reconcile(proposed.clone(), p, ty.semantics(), Side::ValueWanted),
            None => proposed.clone(),
        };
        let mut planned = ty.plan(prior, proposed, config, &self.subscription())?;
        // A difference only in what Azure does not keep (after an import) is no change.
        if let Some(prior) = prior {
            let mut kept = planned.value.clone();
            for path in ty.config_only() {
                let steps: Vec<&str> = path.split('.').collect();
                kept = copy_path(&kept, prior, &steps);
            }
            if crate::plan::planner::same_object(prior, &kept) {
                planned.value = kept;
            }
        }
        Ok(planned)
    }
}

/// A string argument of the provider block, `None` when null.
fn setting(config: &Value, name: &str) -> Option<String> {
    config
        .get_attr(name)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn flag(config: &Value, name: &str) -> Option<bool> {
    config.get_attr(name).and_then(Value::as_bool)
}

fn config_error(e: ArmError) -> ProviderError {
    let detail = match e {
        ArmError::Config(message) => format!("{message}."),
        other => format!("{other}."),
    };
    ProviderError::invalid(
        AttrPath::root(),
        "Invalid Azure provider configuration",
        detail,
    )
}

#[async_trait]
impl Provider for AzureProvider {
    fn name(&self) -> &str {
        NAME
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_provider_config(&self, config: &Value) -> Vec<ProviderError> {
        let mut out = Vec::new();
        check_enum(
            config,
            AttrPath::attr("environment"),
            "environment",
            &AzureEnvironment::NAMES,
            true,
            &mut out,
        );
        for name in ["resource_manager_endpoint", "authority_host"] {
            if let Some(url) = config.get_attr(name).and_then(Value::as_str) {
                if !url.starts_with("https://") {
                    out.push(ProviderError::invalid(
                        AttrPath::attr(name),
                        "Insecure endpoint",
                        format!("{name} must be an https:// URL: tokens are never sent in clear."),
                    ));
                }
            }
        }
        out
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Vec<ProviderError> {
        match self.resource(type_name) {
            Err(e) => vec![e],
            Ok((ty, _)) => ty.validate(
                config,
                &Checks {
                    patterns: &self.patterns,
                    network: &self.network,
                },
            ),
        }
    }

    async fn configure(&self, config: &Value) -> Result<(), ProviderError> {
        let settings = ArmSettings {
            subscription_id: setting(config, "subscription_id"),
            tenant_id: setting(config, "tenant_id"),
            client_id: setting(config, "client_id"),
            client_secret: setting(config, "client_secret").map(Secret::new),
            use_cli: flag(config, "use_cli"),
            use_msi: flag(config, "use_msi"),
            use_oidc: flag(config, "use_oidc"),
            environment: setting(config, "environment"),
            resource_manager_endpoint: setting(config, "resource_manager_endpoint"),
            authority_host: setting(config, "authority_host"),
            ca_cert_file: setting(config, "ca_cert_file").map(Into::into),
            ..ArmSettings::default()
        };
        let arm_config = ArmConfig::from_env_and(settings).map_err(config_error)?;
        let client = ArmClient::new(arm_config).await.map_err(config_error)?;
        if let Ok(mut slot) = self.client.write() {
            *slot = Some(client);
        }
        Ok(())
    }

    async fn read_resource(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let (ty, schema) = self.resource(req.type_name)?;
        let client = self.client()?;
        let subscription = client.subscription_id().to_string();
        let env = Env {
            client: &client,
            subscription: &subscription,
        };
        if let Some(pending) = req.pending_operation {
            // Finish what an interrupted apply started; never start it again.
            if let Err(e) = client.resume(pending).await {
                let failed = matches!(e, ArmError::OperationFailed { .. });
                let deleting = pending.get("method").and_then(|m| m.as_str()) == Some("DELETE");
                if !failed {
                    return Err(resources::remote_error(
                        "resuming the operation on",
                        &ty.describe(req.prior_state),
                        e,
                    ));
                }
                if !deleting {
                    // The create or update failed: there is no object the state can describe
                    // (the next apply creates it again; a failed leftover is provisioned anew).
                    return Ok(None);
                }
            }
        }
        let state = ty.read(&env, req.prior_state).await?;
        Ok(state.map(|s| self.finish(ty, schema, s, Some(req.prior_state))))
    }

    fn plan_resource_change(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let (ty, schema) = self.resource(req.type_name)?;
        let Some(proposed) = req.proposed_new_state else {
            return Ok(PlanResponse {
                planned_state: None,
                requires_replace: Vec::new(),
                notes: Default::default(),
            });
        };
        let config = req.config.unwrap_or(proposed);
        let prior = req.prior_state.filter(|p| !p.is_null());
        let mut planned = self.plan_one(ty, prior, proposed, config)?;
        let mut requires_replace = match prior {
            Some(prior) => {
                let mut paths = schema.requires_replace(prior, &planned.value);
                paths.extend(ty.requires_replace(prior, &planned.value));
                paths.sort();
                paths.dedup();
                paths
            }
            None => Vec::new(),
        };
        if !requires_replace.is_empty() {
            // A replacement is planned as the create it will be.
            let fresh = schema.proposed_new(None, config);
            planned = self.plan_one(ty, None, &fresh, config)?;
            requires_replace.sort();
        }
        Ok(PlanResponse {
            planned_state: Some(schema.mark_sensitive_attributes(planned.value)),
            requires_replace,
            notes: planned.notes,
        })
    }

    async fn apply_resource_change(
        &self,
        req: ApplyRequest<'_>,
    ) -> Result<Option<Value>, ProviderError> {
        let (ty, schema) = self.resource(req.type_name)?;
        let client = self.client()?;
        let subscription = client.subscription_id().to_string();
        let env = Env {
            client: &client,
            subscription: &subscription,
        };
        let prior = req.prior_state.filter(|p| !p.is_null());
        let planned = req.planned_state.filter(|p| !p.is_null());
        let key = planned.or(prior).and_then(|s| ty.lock_key(s));
        let lock = key.map(|k| self.lock_for(&k));
        let _guard = match &lock {
            Some(l) => Some(l.lock().await),
            None => None,
        };
        let state = match (prior, planned) {
            (None, None) => return Ok(None),
            (None, Some(planned)) => ty.create(&env, planned, req.checkpoint).await?,
            (Some(prior), Some(planned)) => ty.update(&env, prior, planned, req.checkpoint).await?,
            (Some(prior), None) => {
                ty.delete(&env, prior, req.checkpoint).await?;
                return Ok(None);
            }
        };
        let state = self.finish(ty, schema, state, planned);
        if !state.is_wholly_known() {
            return Err(ProviderError::invalid(
                AttrPath::root(),
                "Provider produced invalid object",
                format!(
                    "The new state of a {} still has unknown values after apply. This is a bug in flinkform.",
                    req.type_name
                ),
            ));
        }
        Ok(Some(state))
    }

    async fn import_resource(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        let (ty, schema) = self.resource(type_name)?;
        let state = ty.import(id)?;
        Ok(self.finish(ty, schema, state, None))
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        _config: &Value,
    ) -> Result<Value, ProviderError> {
        Err(self.data_source_schema(type_name).err().unwrap_or_else(|| {
            ProviderError::UnknownDataSource {
                provider: NAME.to_string(),
                type_name: type_name.to_string(),
                hint: String::new(),
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_sound() {
        let p = AzureProvider::new();
        assert_eq!(p.schema().internal_validate(), Vec::<String>::new());
        let names: Vec<&str> = p.schema().resources.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "azure_container_registry",
                "azure_kubernetes_cluster",
                "azure_kubernetes_cluster_node_pool",
                "azure_log_analytics_workspace",
                "azure_network_security_group",
                "azure_resource_group",
                "azure_role_assignment",
                "azure_subnet",
                "azure_subnet_network_security_group_association",
                "azure_virtual_network",
            ]
        );
        assert!(p.schema().provider.attributes["client_secret"].sensitive);
    }
}
