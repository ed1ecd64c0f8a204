//! `azure_subnet` (Microsoft.Network/virtualNetworks/subnets).
//!
//! A subnet's PUT replaces all its properties, so every PUT keeps what Azure has that this
//! resource does not manage (its network security group association, route table, NAT
//! gateway, delegations), read just before.

use serde_json::{json, Value as Json};

use super::virtual_network::{
    network_lock_key, resource_group_of, writable_subnet_properties, NETWORK_API_VERSION,
};
use super::{id_attr, name_attr, remote_error, AzureResource, Checks, Env};
use crate::lang::{Type, Value};
use crate::providers::azure::ids::{parse_import_id, ArmId};
use crate::providers::azure::json::{at, jstr, object, vstr, vstrings};
use crate::providers::azure::normalize::{Semantic, Semantics};
use crate::providers::azure::validate::{
    canonical, check_enum, check_pattern, cidr_list, known_str, GENERIC_NAME_RULE,
};
use crate::providers::schema::AttributeSchema;
use crate::providers::{AttrPath, Checkpoint, ProviderError, Schema};

pub struct Subnet;

const ENDPOINT_POLICIES: &[&str] = &[
    "Disabled",
    "Enabled",
    "NetworkSecurityGroupEnabled",
    "RouteTableEnabled",
];

const SEMANTICS: Semantics = &[
    ("name", Semantic::CaseInsensitive),
    ("resource_group_name", Semantic::CaseInsensitive),
    ("virtual_network_name", Semantic::CaseInsensitive),
    ("id", Semantic::ArmId),
    (
        "private_endpoint_network_policies",
        Semantic::CaseInsensitive,
    ),
];

impl Subnet {
    fn parts<'v>(&self, state: &'v Value) -> Result<(&'v str, &'v str, &'v str), ProviderError> {
        let get = |attr: &str| {
            vstr(state, attr).ok_or_else(|| {
                ProviderError::invalid(
                    AttrPath::attr(attr),
                    "Missing value",
                    format!("The subnet needs a known {attr} to build its Azure ID."),
                )
            })
        };
        Ok((
            get("name")?,
            get("virtual_network_name")?,
            get("resource_group_name")?,
        ))
    }

    async fn put(
        &self,
        env: &Env<'_>,
        id: &str,
        planned: &Value,
        action: &str,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Value, ProviderError> {
        let what = self.describe(planned);
        let existing = env
            .client
            .get(id, NETWORK_API_VERSION)
            .await
            .map_err(|e| remote_error("reading", &what, e))?;
        if action == "creating" && existing.is_some() {
            return Err(ProviderError::Remote {
                message: format!(
                    "A {what} with the ID {id:?} already exists. To be managed by flinkform it needs to be imported into the state: flinkform import ADDRESS {id:?}"
                ),
            });
        }
        let body = self.body(planned, existing.as_ref());
        let remote = env
            .client
            .put(id, NETWORK_API_VERSION, &body, checkpoint)
            .await
            .map_err(|e| remote_error(action, &what, e))?;
        Ok(self.parse(&remote, planned))
    }
}

#[async_trait::async_trait]
impl AzureResource for Subnet {
    fn type_name(&self) -> &'static str {
        "azure_subnet"
    }

    fn api_version(&self) -> &'static str {
        NETWORK_API_VERSION
    }

    fn semantics(&self) -> Semantics {
        SEMANTICS
    }

    fn schema(&self) -> Schema {
        Schema::new("A subnet of a virtual network.")
            .attribute("name", name_attr("The name. Changing it replaces the subnet."))
            .attribute(
                "resource_group_name",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe("The resource group of the virtual network."),
            )
            .attribute(
                "virtual_network_name",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe("The virtual network. Changing it replaces the subnet."),
            )
            .attribute(
                "address_prefixes",
                AttributeSchema::required(Type::list(Type::String)).describe(
                    "The subnet's prefixes, inside the network's address space and overlapping no other subnet of it.",
                ),
            )
            .attribute(
                "service_endpoints",
                AttributeSchema::optional(Type::set(Type::String))
                    .describe("Service endpoints, e.g. [\"Microsoft.Storage\"]."),
            )
            .attribute(
                "private_endpoint_network_policies",
                AttributeSchema::optional_computed(Type::String).describe(
                    "\"Disabled\" (Azure's default), \"Enabled\", \"NetworkSecurityGroupEnabled\" or \"RouteTableEnabled\".",
                ),
            )
            .attribute(
                "default_outbound_access_enabled",
                AttributeSchema::optional_computed(Type::Bool)
                    .describe("Whether machines in the subnet get default outbound access."),
            )
            .attribute("id", id_attr())
    }

    fn validate(&self, config: &Value, checks: &Checks<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        check_pattern(
            config,
            AttrPath::attr("name"),
            "name",
            &checks.patterns.generic_name,
            GENERIC_NAME_RULE,
            &mut out,
        );
        check_enum(
            config,
            AttrPath::attr("private_endpoint_network_policies"),
            "private_endpoint_network_policies",
            ENDPOINT_POLICIES,
            true,
            &mut out,
        );
        let path = AttrPath::attr("address_prefixes");
        if let Some(prefixes) = cidr_list(config, &path, "address_prefixes", &mut out) {
            if prefixes.is_empty() {
                out.push(ProviderError::invalid(
                    path.clone(),
                    "Missing address prefix",
                    "A subnet needs at least one address prefix.",
                ));
            }
            if let (Some(rg), Some(vnet), Some(name)) = (
                known_str(config, "resource_group_name"),
                known_str(config, "virtual_network_name"),
                known_str(config, "name"),
            ) {
                out.extend(checks.network.subnet(rg, vnet, name, prefixes, &path));
            }
        }
        out
    }

    fn id_from_names(&self, state: &Value, subscription: &str) -> Result<String, ProviderError> {
        let (name, vnet, rg) = self.parts(state)?;
        Ok(ArmId::in_group(
            subscription,
            rg,
            "Microsoft.Network",
            &[("virtualNetworks", vnet), ("subnets", name)],
        ))
    }

    fn import(&self, id: &str) -> Result<Value, ProviderError> {
        let p = parse_import_id(
            self.type_name(),
            id,
            "Microsoft.Network",
            &["virtualNetworks", "subnets"],
            "/subscriptions/.../resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks",
        )?;
        Ok(object([
            ("id", Value::string(id)),
            (
                "name",
                Value::string(p.name_of("subnets").unwrap_or_default()),
            ),
            (
                "virtual_network_name",
                Value::string(p.name_of("virtualNetworks").unwrap_or_default()),
            ),
            (
                "resource_group_name",
                Value::string(p.resource_group.unwrap_or_default()),
            ),
        ]))
    }

    fn lock_key(&self, state: &Value) -> Option<String> {
        network_lock_key(
            vstr(state, "resource_group_name")?,
            vstr(state, "virtual_network_name")?,
        )
    }

    fn body(&self, planned: &Value, existing: Option<&Json>) -> Json {
        let mut props = writable_subnet_properties(existing.and_then(|e| e.get("properties")));
        props.remove("addressPrefix");
        props.insert(
            "addressPrefixes".into(),
            json!(vstrings(planned, "address_prefixes").unwrap_or_default()),
        );
        let endpoints: Vec<Json> = vstrings(planned, "service_endpoints")
            .unwrap_or_default()
            .into_iter()
            .map(|s| json!({ "service": s }))
            .collect();
        props.insert("serviceEndpoints".into(), Json::Array(endpoints));
        if let Some(p) = vstr(planned, "private_endpoint_network_policies") {
            props.insert(
                "privateEndpointNetworkPolicies".into(),
                json!(canonical(p, ENDPOINT_POLICIES)),
            );
        }
        if let Some(b) = planned
            .get_attr("default_outbound_access_enabled")
            .and_then(Value::as_bool)
        {
            props.insert("defaultOutboundAccess".into(), json!(b));
        }
        json!({ "properties": props })
    }

    fn parse(&self, remote: &Json, _reference: &Value) -> Value {
        let prefixes = match at(remote, "/properties/addressPrefixes").and_then(Json::as_array) {
            Some(a) if !a.is_empty() => a
                .iter()
                .filter_map(Json::as_str)
                .map(Value::string)
                .collect(),
            // ARM answers a single prefix as `addressPrefix` alone.
            _ => at(remote, "/properties/addressPrefix")
                .and_then(Json::as_str)
                .map(|s| vec![Value::string(s)])
                .unwrap_or_default(),
        };
        let endpoints: Vec<Value> = at(remote, "/properties/serviceEndpoints")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get("service").and_then(Json::as_str))
                    .map(Value::string)
                    .collect()
            })
            .unwrap_or_default();
        let vnet = at(remote, "/id")
            .and_then(Json::as_str)
            .and_then(|id| ArmId::parse(id).ok())
            .and_then(|p| p.name_of("virtualNetworks").map(str::to_string));
        object([
            ("id", jstr(remote, "/id")),
            ("name", jstr(remote, "/name")),
            ("resource_group_name", resource_group_of(remote)),
            (
                "virtual_network_name",
                vnet.map(Value::string)
                    .unwrap_or_else(|| Value::null_of(Type::String)),
            ),
            ("address_prefixes", Value::list(prefixes)),
            ("service_endpoints", Value::set(endpoints)),
            (
                "private_endpoint_network_policies",
                jstr(remote, "/properties/privateEndpointNetworkPolicies"),
            ),
            (
                "default_outbound_access_enabled",
                crate::providers::azure::json::jbool(remote, "/properties/defaultOutboundAccess"),
            ),
        ])
    }

    async fn create(
        &self,
        env: &Env<'_>,
        planned: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Value, ProviderError> {
        let id = self.id_from_names(planned, env.subscription)?;
        self.put(env, &id, planned, "creating", checkpoint).await
    }

    async fn update(
        &self,
        env: &Env<'_>,
        prior: &Value,
        planned: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Value, ProviderError> {
        let id = self.arm_id(prior, env.subscription)?;
        self.put(env, &id, planned, "updating", checkpoint).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_keeps_the_association_and_parse_reads_a_single_prefix() {
        let planned = Value::from_json(&json!({
            "name": "aks", "resource_group_name": "rg", "virtual_network_name": "v",
            "address_prefixes": ["10.1.0.0/22"], "service_endpoints": ["Microsoft.Storage"],
            "private_endpoint_network_policies": null, "default_outbound_access_enabled": null,
        }));
        let existing = json!({"properties": {"addressPrefix": "10.1.0.0/24",
            "networkSecurityGroup": {"id": "/nsg"}, "provisioningState": "Succeeded"}});
        let body = Subnet.body(&planned, Some(&existing));
        assert_eq!(
            body,
            json!({"properties": {"networkSecurityGroup": {"id": "/nsg"},
                "addressPrefixes": ["10.1.0.0/22"], "serviceEndpoints": [{"service": "Microsoft.Storage"}]}})
        );
        let remote = json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aks",
            "name": "aks",
            "properties": {"addressPrefix": "10.1.0.0/22", "privateEndpointNetworkPolicies": "Disabled"}
        });
        let state = Subnet.parse(&remote, &planned);
        assert_eq!(
            state.get_attr("address_prefixes").unwrap().to_json(),
            json!(["10.1.0.0/22"])
        );
        assert_eq!(vstr(&state, "virtual_network_name"), Some("v"));
        assert_eq!(vstr(&state, "resource_group_name"), Some("rg"));
    }
}
