//! `azure_resource_group` (Microsoft.Resources/resourceGroups).

use serde_json::{json, Value as Json};

use super::{id_attr, location_attr, tags_attr, tags_json, AzureResource, Checks};
use crate::lang::{Type, Value};
use crate::providers::azure::ids::{parse_import_id, ArmId};
use crate::providers::azure::json::{jmap, jstr, object, vstr};
use crate::providers::azure::validate::{check_pattern, RESOURCE_GROUP_RULE};
use crate::providers::schema::AttributeSchema;
use crate::providers::{AttrPath, ProviderError, Schema};

pub const API_VERSION: &str = "2025-04-01";

pub struct ResourceGroup;

impl AzureResource for ResourceGroup {
    fn type_name(&self) -> &'static str {
        "azure_resource_group"
    }

    fn api_version(&self) -> &'static str {
        API_VERSION
    }

    fn schema(&self) -> Schema {
        Schema::new("A resource group: the container of the other resources.")
            .attribute(
                "name",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe("The name. Changing it replaces the group."),
            )
            .attribute("location", location_attr())
            .attribute("tags", tags_attr())
            .attribute("id", id_attr())
    }

    fn validate(&self, config: &Value, checks: &Checks<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        check_pattern(
            config,
            AttrPath::attr("name"),
            "name",
            &checks.patterns.resource_group,
            RESOURCE_GROUP_RULE,
            &mut out,
        );
        out
    }

    fn id_from_names(&self, state: &Value, subscription: &str) -> Result<String, ProviderError> {
        let name = vstr(state, "name").ok_or_else(|| {
            ProviderError::invalid(
                AttrPath::attr("name"),
                "Missing value",
                "The resource group needs a known name.",
            )
        })?;
        Ok(ArmId::resource_group(subscription, name))
    }

    fn import(&self, id: &str) -> Result<Value, ProviderError> {
        let parsed = parse_import_id(
            self.type_name(),
            id,
            "",
            &[],
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-flink",
        )?;
        Ok(object([
            ("id", Value::string(id)),
            (
                "name",
                Value::string(parsed.resource_group.unwrap_or_default()),
            ),
        ]))
    }

    fn body(&self, planned: &Value, _existing: Option<&Json>) -> Json {
        json!({
            "location": vstr(planned, "location").unwrap_or_default(),
            "tags": tags_json(planned),
        })
    }

    fn parse(&self, remote: &Json, _reference: &Value) -> Value {
        object([
            ("id", jstr(remote, "/id")),
            ("name", jstr(remote, "/name")),
            ("location", jstr(remote, "/location")),
            ("tags", jmap(remote, "/tags")),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_and_ids() {
        let rg = ResourceGroup;
        let v = rg
            .import("/subscriptions/s/resourcegroups/RG-Flink")
            .unwrap();
        assert_eq!(vstr(&v, "name"), Some("RG-Flink"));
        assert!(rg
            .import(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
            )
            .is_err());
        let planned = object([("name", Value::string("rg"))]);
        assert_eq!(
            rg.id_from_names(&planned, "sub").unwrap(),
            "/subscriptions/sub/resourceGroups/rg"
        );
    }
}
