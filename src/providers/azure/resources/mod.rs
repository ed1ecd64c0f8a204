//! The Azure resource types. Each implements [`AzureResource`]: its schema, its checks, how its
//! ARM ID is made, the request body from the planned state, and the state from ARM's answer.
//! The default create, read, update and delete are ARM's plain PUT/GET/DELETE of one
//! resource; types with more to do (the AKS cluster's node pool rotation, the subnet
//! association that edits a subnet, the registry's replications) override them.
//!
//! What every type shares is done by the provider around these calls (see `super`):
//! normalising answers against the prior or planned state, completing values to the schema,
//! marking sensitive attributes, serialising operations on one virtual network.

pub mod container_registry;
pub mod kubernetes_cluster;
pub mod kubernetes_cluster_node_pool;
pub mod log_analytics_workspace;
pub mod network_security_group;
pub mod resource_group;
pub mod role_assignment;
pub mod subnet;
pub mod subnet_nsg_association;
pub mod virtual_network;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::Value as Json;

use super::arm::{ArmClient, ArmError};
use super::ids::{parse_import_id, ArmId};
use super::json::object;
use super::normalize::{Semantic, Semantics};
use super::validate::{NetworkRegistry, Patterns};
use crate::lang::{Type, Value};
use crate::providers::schema::AttributeSchema;
use crate::providers::{AttrPath, Checkpoint, ProviderError, Schema};

/// What operations need: the client, and the subscription of IDs built from names.
pub struct Env<'a> {
    pub client: &'a ArmClient,
    pub subscription: &'a str,
}

/// What checks need.
pub struct Checks<'a> {
    pub patterns: &'a Patterns,
    pub network: &'a NetworkRegistry,
}

/// A resource type's plan: the planned state and notes on how the change will run.
pub struct Planned {
    pub value: Value,
    pub notes: BTreeMap<AttrPath, String>,
}

impl Planned {
    pub fn plain(value: Value) -> Planned {
        Planned {
            value,
            notes: BTreeMap::new(),
        }
    }
}

/// Semantics every tracked resource shares.
pub const TRACKED: Semantics = &[
    ("name", Semantic::CaseInsensitive),
    ("resource_group_name", Semantic::CaseInsensitive),
    ("location", Semantic::Location),
    ("tags", Semantic::TagKeys),
    ("id", Semantic::ArmId),
];

#[async_trait]
pub trait AzureResource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn api_version(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// How attributes compare when normalising (see `normalize`).
    fn semantics(&self) -> Semantics {
        TRACKED
    }
    /// ValidateResourceConfig beyond the schema; values may be unknown.
    fn validate(&self, config: &Value, checks: &Checks<'_>) -> Vec<ProviderError>;

    /// Attributes Azure does not keep (dotted paths): an imported object has them null, and a
    /// difference in them alone is no change.
    fn config_only(&self) -> &'static [&'static str] {
        &[]
    }
    /// The type's own plan step, after the proposed state was reconciled with the prior one.
    fn plan(
        &self,
        prior: Option<&Value>,
        planned: Value,
        config: &Value,
        subscription: &str,
    ) -> Result<Planned, ProviderError> {
        let _ = (prior, config, subscription);
        Ok(Planned::plain(planned))
    }
    /// Replacements the schema's force_new cannot express (conditional ones).
    fn requires_replace(&self, prior: &Value, planned: &Value) -> Vec<AttrPath> {
        let _ = (prior, planned);
        Vec::new()
    }

    /// The ARM ID of the object a state describes: its `id`, or one built from its names (a
    /// create, or an operation resumed before the ID was recorded).
    fn arm_id(&self, state: &Value, subscription: &str) -> Result<String, ProviderError> {
        match state.get_attr("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(id.to_string()),
            _ => self.id_from_names(state, subscription),
        }
    }
    /// For a resource that sits directly in a resource group: its provider namespace and type
    /// (`("Microsoft.ContainerRegistry", "registries")`), from which its ID and import follow.
    fn arm_type(&self) -> Option<(&'static str, &'static str)> {
        None
    }
    /// The ARM ID from the names in a (planned) state.
    fn id_from_names(&self, state: &Value, subscription: &str) -> Result<String, ProviderError> {
        let Some((namespace, ty)) = self.arm_type() else {
            return Err(ProviderError::Remote {
                message: format!("{}: no way to build an ARM ID", self.type_name()),
            });
        };
        let (name, rg) = names(state, self.type_name())?;
        Ok(ArmId::in_group(subscription, rg, namespace, &[(ty, name)]))
    }
    /// A state for an existing object's ID (names and `id`), to be completed by a read.
    fn import(&self, id: &str) -> Result<Value, ProviderError> {
        let Some((namespace, ty)) = self.arm_type() else {
            return Err(ProviderError::InvalidImportId {
                type_name: self.type_name().to_string(),
                id: id.to_string(),
                message: "this type cannot be imported".into(),
            });
        };
        let example =
            format!("/subscriptions/.../resourceGroups/rg/providers/{namespace}/{ty}/NAME");
        let p = parse_import_id(self.type_name(), id, namespace, &[ty], &example)?;
        Ok(object([
            ("id", Value::string(id)),
            ("name", Value::string(p.name_of(ty).unwrap_or_default())),
            (
                "resource_group_name",
                Value::string(p.resource_group.unwrap_or_default()),
            ),
        ]))
    }
    /// The request body for the planned state; `existing` is the object as it is now (an
    /// update), for what Azure keeps there that flinkform does not manage.
    fn body(&self, planned: &Value, existing: Option<&Json>) -> Json;
    /// The state from ARM's answer; `reference` is the prior or planned state (for what Azure
    /// does not return).
    fn parse(&self, remote: &Json, reference: &Value) -> Value;
    /// Whether an update needs the object as it is now (to keep what flinkform does not manage).
    fn update_reads_existing(&self) -> bool {
        false
    }
    /// Values read with further calls (secrets from list actions), added to a parsed state.
    async fn extras(&self, env: &Env<'_>, id: &str, state: Value) -> Result<Value, ProviderError> {
        let _ = (env, id);
        Ok(state)
    }
    /// Operations with the same key run one at a time (the subnets of one virtual network).
    fn lock_key(&self, state: &Value) -> Option<String> {
        let _ = state;
        None
    }
    /// The object in messages: `virtual network "v"`.
    fn describe(&self, state: &Value) -> String {
        let kind = self
            .type_name()
            .trim_start_matches("azure_")
            .replace('_', " ");
        match state.get_attr("name").and_then(Value::as_str) {
            Some(n) => format!("{kind} {n:?}"),
            None => kind,
        }
    }

    async fn read(&self, env: &Env<'_>, prior: &Value) -> Result<Option<Value>, ProviderError> {
        let id = self.arm_id(prior, env.subscription)?;
        let Some(remote) = env
            .client
            .get(&id, self.api_version())
            .await
            .map_err(|e| remote_error("reading", &self.describe(prior), e))?
        else {
            return Ok(None);
        };
        let state = self.parse(&remote, prior);
        self.extras(env, &id, state).await.map(Some)
    }

    async fn create(
        &self,
        env: &Env<'_>,
        planned: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Value, ProviderError> {
        let id = self.id_from_names(planned, env.subscription)?;
        let what = self.describe(planned);
        ensure_absent(env, &id, self.api_version(), &what).await?;
        let body = self.body(planned, None);
        let remote = env
            .client
            .put(&id, self.api_version(), &body, checkpoint)
            .await
            .map_err(|e| remote_error("creating", &what, e))?;
        let state = self.parse(&remote, planned);
        self.extras(env, &id, state).await
    }

    async fn update(
        &self,
        env: &Env<'_>,
        prior: &Value,
        planned: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Value, ProviderError> {
        let id = self.arm_id(prior, env.subscription)?;
        let what = self.describe(planned);
        let existing = if self.update_reads_existing() {
            env.client
                .get(&id, self.api_version())
                .await
                .map_err(|e| remote_error("reading", &what, e))?
        } else {
            None
        };
        let body = self.body(planned, existing.as_ref());
        let remote = env
            .client
            .put(&id, self.api_version(), &body, checkpoint)
            .await
            .map_err(|e| remote_error("updating", &what, e))?;
        let state = self.parse(&remote, planned);
        self.extras(env, &id, state).await
    }

    async fn delete(
        &self,
        env: &Env<'_>,
        prior: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<(), ProviderError> {
        let id = self.arm_id(prior, env.subscription)?;
        env.client
            .delete(&id, self.api_version(), checkpoint)
            .await
            .map_err(|e| remote_error("deleting", &self.describe(prior), e))
    }
}

/// An ARM error as the provider's, saying what was being done.
pub fn remote_error(action: &str, what: &str, e: ArmError) -> ProviderError {
    ProviderError::Remote {
        message: format!("Error {action} {what}: {e}."),
    }
}

/// Terraform's rule for creates: an object that already exists is not adopted silently.
pub async fn ensure_absent(
    env: &Env<'_>,
    id: &str,
    api_version: &str,
    what: &str,
) -> Result<(), ProviderError> {
    let existing = env
        .client
        .get(id, api_version)
        .await
        .map_err(|e| remote_error("checking for an existing", what, e))?;
    // A leftover of an earlier create that failed is provisioned again by the PUT, as ARM
    // allows; anything else is someone's object.
    let failed = |r: &Json| {
        super::arm::provisioning_state(r)
            .is_some_and(|s| s.eq_ignore_ascii_case("Failed") || s.eq_ignore_ascii_case("Canceled"))
    };
    match existing {
        None => Ok(()),
        Some(r) if failed(&r) => Ok(()),
        Some(_) => Err(ProviderError::Remote {
            message: format!(
                "A {what} with the ID {id:?} already exists. To be managed by flinkform it needs to be imported into the state: flinkform import ADDRESS {id:?}"
            ),
        }),
    }
}

/// The configuration's `name` and `resource_group_name`, which every resource in a group has.
pub fn names<'v>(state: &'v Value, type_name: &str) -> Result<(&'v str, &'v str), ProviderError> {
    let get = |attr: &str| {
        state.get_attr(attr).and_then(Value::as_str).ok_or_else(|| {
            ProviderError::invalid(
                AttrPath::attr(attr),
                "Missing value",
                format!("The {type_name} needs a known {attr} to build its Azure ID."),
            )
        })
    };
    Ok((get("name")?, get("resource_group_name")?))
}

// ---- schema pieces shared by the types ----

pub fn name_attr(description: &str) -> AttributeSchema {
    AttributeSchema::required(Type::String)
        .force_new()
        .describe(description)
}

pub fn resource_group_attr() -> AttributeSchema {
    AttributeSchema::required(Type::String)
        .force_new()
        .describe("The resource group the object is in. Changing it replaces the object.")
}

pub fn location_attr() -> AttributeSchema {
    AttributeSchema::required(Type::String)
        .force_new()
        .describe(
            "The Azure region (\"westeurope\", \"West Europe\"). Changing it replaces the object.",
        )
}

pub fn tags_attr() -> AttributeSchema {
    AttributeSchema::optional(Type::map(Type::String)).describe("Tags: a map of strings.")
}

pub fn id_attr() -> AttributeSchema {
    AttributeSchema::computed(Type::String).describe("The Azure resource ID.")
}

/// `value` completed to `schema`: every attribute present (null when missing), nested blocks
/// likewise, and nothing the schema does not have.
pub fn conform(schema: &Schema, value: &Value) -> Value {
    if value.is_null() || !value.is_known() {
        return value.clone();
    }
    let mut out = BTreeMap::new();
    for (name, a) in &schema.attributes {
        let v = value
            .get_attr(name)
            .cloned()
            .unwrap_or_else(|| Value::null_of(a.ty.clone()));
        out.insert(name.clone(), v);
    }
    for (name, b) in &schema.blocks {
        let v = match value.get_attr(name) {
            None => b.empty_value(),
            Some(v) if v.is_null() => b.empty_value(),
            Some(v) => match (b.nesting, v.as_seq()) {
                (crate::providers::Nesting::Single, _) => conform(&b.block, v),
                (crate::providers::Nesting::List, Some(elems)) => {
                    Value::list(elems.iter().map(|e| conform(&b.block, e)).collect())
                }
                (crate::providers::Nesting::Set, Some(elems)) => {
                    Value::set(elems.iter().map(|e| conform(&b.block, e)).collect())
                }
                _ => v.clone(),
            },
        };
        out.insert(name.clone(), v);
    }
    Value::object(out).mark_sensitive_if(value.is_sensitive())
}

/// `to` with the part at dotted `path` taken from `from` (through every element of lists).
pub fn copy_path(to: &Value, from: &Value, path: &[&str]) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return from.clone();
    };
    let (Some(to_attrs), Some(from_v)) = (to.as_map(), from.get_attr(first)) else {
        return to.clone();
    };
    let mut attrs = to_attrs.clone();
    let Some(current) = attrs.get(*first) else {
        return to.clone();
    };
    let new = if rest.is_empty() {
        from_v.clone()
    } else if let (Some(tos), Some(froms)) = (current.as_seq(), from_v.as_seq()) {
        let elems: Vec<Value> = tos
            .iter()
            .enumerate()
            .map(|(i, t)| match froms.get(i) {
                Some(f) => copy_path(t, f, rest),
                None => t.clone(),
            })
            .collect();
        match current.kind() {
            crate::lang::ValueKind::Set(_) => Value::set(elems),
            crate::lang::ValueKind::Tuple(_) => Value::tuple(elems),
            _ => Value::list(elems),
        }
    } else {
        copy_path(current, from_v, rest)
    };
    attrs.insert(first.to_string(), new);
    Value::object(attrs).mark_sensitive_if(to.is_sensitive())
}

/// A tags map as a JSON object (empty when unset: a PUT without tags removes them).
pub fn tags_json(state: &Value) -> Json {
    super::json::vmap_json(state, "tags").unwrap_or_else(|| Json::Object(Default::default()))
}

/// Every type, for the provider's registry.
pub fn all() -> Vec<Box<dyn AzureResource>> {
    vec![
        Box::new(resource_group::ResourceGroup),
        Box::new(virtual_network::VirtualNetwork),
        Box::new(subnet::Subnet),
        Box::new(network_security_group::NetworkSecurityGroup),
        Box::new(subnet_nsg_association::SubnetNsgAssociation),
        Box::new(log_analytics_workspace::LogAnalyticsWorkspace),
        Box::new(container_registry::ContainerRegistry),
        Box::new(kubernetes_cluster::KubernetesCluster),
        Box::new(kubernetes_cluster_node_pool::KubernetesClusterNodePool),
        Box::new(role_assignment::RoleAssignment),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::schema::{NestedBlockSchema, Nesting};

    #[test]
    fn conform_completes_to_the_schema() {
        let schema = Schema::new("t")
            .attribute("a", AttributeSchema::optional(Type::String))
            .attribute("b", AttributeSchema::optional(Type::Number))
            .block(
                "blk",
                NestedBlockSchema::new(
                    Nesting::List,
                    Schema::new("b").attribute("x", AttributeSchema::optional(Type::Bool)),
                ),
            );
        let v = super::super::json::object([
            ("a", Value::string("s")),
            ("extra", Value::string("dropped")),
            ("blk", Value::list(vec![Value::empty_object()])),
        ]);
        let out = conform(&schema, &v);
        assert_eq!(
            out.to_json(),
            serde_json::json!({"a": "s", "b": null, "blk": [{"x": null}]})
        );
    }

    #[test]
    fn copy_path_reaches_into_list_blocks() {
        let j = |v: serde_json::Value| Value::from_json(&v);
        let to = j(serde_json::json!({"pool": [{"tmp": "new", "n": 1}], "x": 1}));
        let from = j(serde_json::json!({"pool": [{"tmp": null, "n": 2}], "x": 2}));
        let out = copy_path(&to, &from, &["pool", "tmp"]);
        assert_eq!(
            out.to_json(),
            serde_json::json!({"pool": [{"tmp": null, "n": 1}], "x": 1})
        );
    }
}
