//! `azure_subnet_network_security_group_association`: the network security group of a subnet.
//! Not an ARM resource of its own: creating it sets the subnet's `networkSecurityGroup` (a
//! PUT of the subnet with everything else it has), deleting it clears it. Its ID is the
//! subnet's, as in azurerm.

use serde_json::{json, Value as Json};

use super::virtual_network::{network_lock_key, writable_subnet_properties, NETWORK_API_VERSION};
use super::{id_attr, remote_error, AzureResource, Checks, Env};
use crate::lang::{Type, Value};
use crate::providers::azure::ids::{parse_import_id, same_id, ArmId};
use crate::providers::azure::json::{at, jstr, object, vstr};
use crate::providers::azure::normalize::{Semantic, Semantics};
use crate::providers::schema::AttributeSchema;
use crate::providers::{AttrPath, Checkpoint, ProviderError, Schema};

pub struct SubnetNsgAssociation;

const SEMANTICS: Semantics = &[
    ("id", Semantic::ArmId),
    ("subnet_id", Semantic::ArmId),
    ("network_security_group_id", Semantic::ArmId),
];

fn check_id(config: &Value, attr: &str, types: &[&str], out: &mut Vec<ProviderError>) {
    let Some(v) = config.get_attr(attr) else {
        return;
    };
    let Some(id) = v.as_str() else { return };
    let ok = ArmId::parse(id)
        .map(|p| p.resource_group.is_some() && p.is_type("Microsoft.Network", types))
        .unwrap_or(false);
    if !ok {
        out.push(ProviderError::invalid(
            AttrPath::attr(attr),
            "Invalid resource ID",
            format!(
                "{attr} must be the ID of a {}, like /subscriptions/.../resourceGroups/rg/providers/Microsoft.Network/{}.",
                types.last().copied().unwrap_or_default(),
                types.iter().map(|t| format!("{t}/x")).collect::<Vec<_>>().join("/")
            ),
        ));
    }
}

impl SubnetNsgAssociation {
    fn subnet_id<'v>(&self, state: &'v Value) -> Result<&'v str, ProviderError> {
        vstr(state, "subnet_id").ok_or_else(|| {
            ProviderError::invalid(
                AttrPath::attr("subnet_id"),
                "Missing value",
                "The association needs a known subnet_id.",
            )
        })
    }

    /// PUTs the subnet with its network security group set to `nsg` (or none).
    async fn set_group(
        &self,
        env: &Env<'_>,
        subnet_id: &str,
        nsg: Option<&str>,
        creating: bool,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Option<Json>, ProviderError> {
        let what = format!("the network security group association of subnet {subnet_id:?}");
        let Some(subnet) = env
            .client
            .get(subnet_id, NETWORK_API_VERSION)
            .await
            .map_err(|e| remote_error("reading", &what, e))?
        else {
            if creating {
                return Err(ProviderError::Remote {
                    message: format!("Error creating {what}: the subnet does not exist."),
                });
            }
            return Ok(None);
        };
        if creating {
            if let Some(current) =
                at(&subnet, "/properties/networkSecurityGroup/id").and_then(Json::as_str)
            {
                return Err(ProviderError::Remote {
                    message: format!(
                        "The subnet {subnet_id:?} is already associated with the network security group {current:?}. To be managed by flinkform the association needs to be imported into the state: flinkform import ADDRESS {subnet_id:?}"
                    ),
                });
            }
        }
        let mut props = writable_subnet_properties(subnet.get("properties"));
        match nsg {
            Some(id) => {
                props.insert("networkSecurityGroup".into(), json!({ "id": id }));
            }
            None => {
                props.remove("networkSecurityGroup");
            }
        }
        let action = if creating { "creating" } else { "deleting" };
        env.client
            .put(
                subnet_id,
                NETWORK_API_VERSION,
                &json!({ "properties": props }),
                checkpoint,
            )
            .await
            .map(Some)
            .map_err(|e| remote_error(action, &what, e))
    }
}

#[async_trait::async_trait]
impl AzureResource for SubnetNsgAssociation {
    fn type_name(&self) -> &'static str {
        "azure_subnet_network_security_group_association"
    }

    fn api_version(&self) -> &'static str {
        NETWORK_API_VERSION
    }

    fn semantics(&self) -> Semantics {
        SEMANTICS
    }

    fn schema(&self) -> Schema {
        Schema::new("Associates a network security group with a subnet.")
            .attribute(
                "subnet_id",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe("The subnet's ID. Changing it replaces the association."),
            )
            .attribute(
                "network_security_group_id",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe(
                        "The network security group's ID. Changing it replaces the association.",
                    ),
            )
            .attribute("id", id_attr())
    }

    fn validate(&self, config: &Value, _checks: &Checks<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        check_id(
            config,
            "subnet_id",
            &["virtualNetworks", "subnets"],
            &mut out,
        );
        check_id(
            config,
            "network_security_group_id",
            &["networkSecurityGroups"],
            &mut out,
        );
        out
    }

    fn arm_id(&self, state: &Value, _subscription: &str) -> Result<String, ProviderError> {
        self.subnet_id(state).map(str::to_string)
    }

    fn id_from_names(&self, state: &Value, _subscription: &str) -> Result<String, ProviderError> {
        self.subnet_id(state).map(str::to_string)
    }

    fn import(&self, id: &str) -> Result<Value, ProviderError> {
        parse_import_id(
            self.type_name(),
            id,
            "Microsoft.Network",
            &["virtualNetworks", "subnets"],
            "/subscriptions/.../resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks (the subnet's ID)",
        )?;
        Ok(object([
            ("id", Value::string(id)),
            ("subnet_id", Value::string(id)),
        ]))
    }

    fn lock_key(&self, state: &Value) -> Option<String> {
        let p = ArmId::parse(vstr(state, "subnet_id")?).ok()?;
        network_lock_key(p.resource_group.as_deref()?, p.name_of("virtualNetworks")?)
    }

    fn body(&self, planned: &Value, _existing: Option<&Json>) -> Json {
        json!({ "properties": { "networkSecurityGroup": { "id": vstr(planned, "network_security_group_id") } } })
    }

    fn parse(&self, remote: &Json, _reference: &Value) -> Value {
        object([
            ("id", jstr(remote, "/id")),
            ("subnet_id", jstr(remote, "/id")),
            (
                "network_security_group_id",
                jstr(remote, "/properties/networkSecurityGroup/id"),
            ),
        ])
    }

    async fn read(&self, env: &Env<'_>, prior: &Value) -> Result<Option<Value>, ProviderError> {
        let subnet_id = self.subnet_id(prior)?;
        let subnet = env
            .client
            .get(subnet_id, NETWORK_API_VERSION)
            .await
            .map_err(|e| remote_error("reading", &format!("subnet {subnet_id:?}"), e))?;
        // The association is gone when the subnet is, or has no group any more.
        Ok(subnet
            .filter(|s| at(s, "/properties/networkSecurityGroup/id").is_some())
            .map(|s| self.parse(&s, prior)))
    }

    async fn create(
        &self,
        env: &Env<'_>,
        planned: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Value, ProviderError> {
        let subnet_id = self.subnet_id(planned)?;
        let nsg = vstr(planned, "network_security_group_id");
        let remote = self
            .set_group(env, subnet_id, nsg, true, checkpoint)
            .await?
            .unwrap_or(Json::Null);
        Ok(self.parse(&remote, planned))
    }

    async fn update(
        &self,
        env: &Env<'_>,
        _prior: &Value,
        planned: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Value, ProviderError> {
        // Both arguments replace: nothing is updated in place.
        self.create(env, planned, checkpoint).await
    }

    async fn delete(
        &self,
        env: &Env<'_>,
        prior: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<(), ProviderError> {
        let subnet_id = self.subnet_id(prior)?;
        // Another group set since (outside flinkform) is not ours to remove.
        let current = env
            .client
            .get(subnet_id, NETWORK_API_VERSION)
            .await
            .map_err(|e| remote_error("reading", &format!("subnet {subnet_id:?}"), e))?;
        let ours = current
            .as_ref()
            .and_then(|s| at(s, "/properties/networkSecurityGroup/id"))
            .and_then(Json::as_str)
            .zip(vstr(prior, "network_security_group_id"))
            .is_some_and(|(a, b)| same_id(a, b));
        if ours {
            self.set_group(env, subnet_id, None, false, checkpoint)
                .await?;
        }
        Ok(())
    }
}
