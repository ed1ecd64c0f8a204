//! `azure_virtual_network` (Microsoft.Network/virtualNetworks).
//!
//! Subnets are resources of their own (`azure_subnet`). A PUT of a virtual network replaces
//! its subnets with those in the body, so an update carries the subnets Azure has over, as
//! azurerm does; operations on a network and its subnets are serialised.

use serde_json::{json, Map, Value as Json};

use super::{
    id_attr, location_attr, name_attr, resource_group_attr, tags_attr, tags_json, AzureResource,
    Checks,
};
use crate::lang::{Type, Value};
use crate::providers::azure::ids::ArmId;
use crate::providers::azure::json::{at, jmap, jstr, jstrings, object, vstr, vstrings};
use crate::providers::azure::validate::{check_pattern, cidr_list, known_str, GENERIC_NAME_RULE};
use crate::providers::schema::AttributeSchema;
use crate::providers::{AttrPath, ProviderError, Schema};

/// Microsoft.Network's current stable version (used for every network resource here).
pub const NETWORK_API_VERSION: &str = "2024-05-01";

pub struct VirtualNetwork;

impl AzureResource for VirtualNetwork {
    fn type_name(&self) -> &'static str {
        "azure_virtual_network"
    }

    fn api_version(&self) -> &'static str {
        NETWORK_API_VERSION
    }

    fn schema(&self) -> Schema {
        Schema::new("A virtual network. Its subnets are azure_subnet resources.")
            .attribute(
                "name",
                name_attr("The name. Changing it replaces the network."),
            )
            .attribute("resource_group_name", resource_group_attr())
            .attribute("location", location_attr())
            .attribute(
                "address_space",
                AttributeSchema::required(Type::list(Type::String))
                    .describe("The address prefixes of the network, e.g. [\"10.1.0.0/16\"]."),
            )
            .attribute(
                "dns_servers",
                AttributeSchema::optional(Type::list(Type::String))
                    .describe("DNS servers for the network (Azure's when unset)."),
            )
            .attribute("tags", tags_attr())
            .attribute("id", id_attr())
            .attribute(
                "guid",
                AttributeSchema::computed(Type::String).describe("The network's resource GUID."),
            )
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
        let space = cidr_list(
            config,
            &AttrPath::attr("address_space"),
            "address_space",
            &mut out,
        );
        if let (Some(rg), Some(name), Some(space)) = (
            known_str(config, "resource_group_name"),
            known_str(config, "name"),
            space,
        ) {
            checks.network.network(rg, name, space);
        }
        out
    }

    fn arm_type(&self) -> Option<(&'static str, &'static str)> {
        Some(("Microsoft.Network", "virtualNetworks"))
    }

    fn update_reads_existing(&self) -> bool {
        true
    }

    fn lock_key(&self, state: &Value) -> Option<String> {
        network_lock_key(vstr(state, "resource_group_name")?, vstr(state, "name")?)
    }

    fn body(&self, planned: &Value, existing: Option<&Json>) -> Json {
        let mut props = Map::new();
        props.insert(
            "addressSpace".into(),
            json!({ "addressPrefixes": vstrings(planned, "address_space").unwrap_or_default() }),
        );
        if let Some(dns) = vstrings(planned, "dns_servers") {
            props.insert("dhcpOptions".into(), json!({ "dnsServers": dns }));
        }
        let subnets: Vec<Json> = existing
            .and_then(|e| at(e, "/properties/subnets"))
            .and_then(Json::as_array)
            .map(|subnets| subnets.iter().map(writable_subnet).collect())
            .unwrap_or_default();
        props.insert("subnets".into(), Json::Array(subnets));
        json!({
            "location": vstr(planned, "location").unwrap_or_default(),
            "tags": tags_json(planned),
            "properties": props,
        })
    }

    fn parse(&self, remote: &Json, _reference: &Value) -> Value {
        object([
            ("id", jstr(remote, "/id")),
            ("name", jstr(remote, "/name")),
            ("resource_group_name", resource_group_of(remote)),
            ("location", jstr(remote, "/location")),
            (
                "address_space",
                jstrings(remote, "/properties/addressSpace/addressPrefixes"),
            ),
            (
                "dns_servers",
                jstrings(remote, "/properties/dhcpOptions/dnsServers"),
            ),
            ("tags", jmap(remote, "/tags")),
            ("guid", jstr(remote, "/properties/resourceGuid")),
        ])
    }
}

/// The key serialising operations on one virtual network and its subnets.
pub fn network_lock_key(resource_group: &str, network: &str) -> Option<String> {
    Some(format!(
        "network/{}/{}",
        resource_group.to_lowercase(),
        network.to_lowercase()
    ))
}

/// The resource group named in a response's `id`.
pub fn resource_group_of(remote: &Json) -> Value {
    match at(remote, "/id")
        .and_then(Json::as_str)
        .and_then(|id| ArmId::parse(id).ok())
        .and_then(|p| p.resource_group)
    {
        Some(rg) => Value::string(rg),
        None => Value::null_of(Type::String),
    }
}

/// The properties of a subnet a PUT may carry (nothing read-only), to send a subnet back
/// unchanged: within a virtual network's PUT, or in a subnet's own PUT for what flinkform does
/// not manage there (its network security group, route table, NAT gateway, delegations).
pub fn writable_subnet_properties(props: Option<&Json>) -> Map<String, Json> {
    let mut out = Map::new();
    let Some(props) = props.and_then(Json::as_object) else {
        return out;
    };
    for key in [
        "addressPrefix",
        "addressPrefixes",
        "privateEndpointNetworkPolicies",
        "privateLinkServiceNetworkPolicies",
        "defaultOutboundAccess",
    ] {
        if let Some(v) = props.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    for key in ["networkSecurityGroup", "routeTable", "natGateway"] {
        if let Some(id) = props.get(key).and_then(|r| r.get("id")) {
            out.insert(key.to_string(), json!({ "id": id }));
        }
    }
    if let Some(eps) = props.get("serviceEndpoints").and_then(Json::as_array) {
        let eps: Vec<Json> = eps
            .iter()
            .filter_map(|e| e.get("service"))
            .map(|s| json!({ "service": s }))
            .collect();
        out.insert("serviceEndpoints".into(), Json::Array(eps));
    }
    if let Some(ds) = props.get("delegations").and_then(Json::as_array) {
        let ds: Vec<Json> = ds
            .iter()
            .map(|d| {
                json!({
                    "name": d.get("name").cloned().unwrap_or(Json::Null),
                    "properties": { "serviceName": d.pointer("/properties/serviceName").cloned().unwrap_or(Json::Null) },
                })
            })
            .collect();
        out.insert("delegations".into(), Json::Array(ds));
    }
    out
}

fn writable_subnet(subnet: &Json) -> Json {
    json!({
        "name": subnet.get("name").cloned().unwrap_or(Json::Null),
        "properties": writable_subnet_properties(subnet.get("properties")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_keeps_the_subnets_azure_has() {
        let planned = Value::from_json(&json!({
            "name": "v", "resource_group_name": "rg", "location": "westeurope",
            "address_space": ["10.1.0.0/16"], "dns_servers": null, "tags": {"a": "b"},
        }));
        let existing = json!({"properties": {"subnets": [{
            "name": "aks", "id": "/x", "etag": "W/1",
            "properties": {"addressPrefix": "10.1.0.0/22", "provisioningState": "Succeeded",
                "networkSecurityGroup": {"id": "/nsg", "etag": "x"}, "ipConfigurations": [{"id": "/ip"}]}
        }]}});
        let body = VirtualNetwork.body(&planned, Some(&existing));
        assert_eq!(
            body,
            json!({
                "location": "westeurope", "tags": {"a": "b"},
                "properties": {
                    "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                    "subnets": [{"name": "aks", "properties": {"addressPrefix": "10.1.0.0/22", "networkSecurityGroup": {"id": "/nsg"}}}]
                }
            })
        );
        let created = VirtualNetwork.body(&planned, None);
        assert_eq!(created["properties"]["subnets"], json!([]));
    }
}
