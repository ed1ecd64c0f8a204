//! `azure_log_analytics_workspace` (Microsoft.OperationalInsights/workspaces), where the AKS
//! monitoring addon sends its logs.

use serde_json::{json, Map, Value as Json};

use super::virtual_network::resource_group_of;
use super::{
    id_attr, location_attr, name_attr, remote_error, resource_group_attr, tags_attr, tags_json,
    AzureResource, Checks, Env,
};
use crate::lang::value::with_attrs;
use crate::lang::{Type, Value};
use crate::providers::azure::json::{jmap, jnum, jstr, object, set, vint, vstr};
use crate::providers::azure::normalize::{Semantic, Semantics};
use crate::providers::azure::validate::{
    canonical, check_enum, check_pattern, check_range, WORKSPACE_RULE,
};
use crate::providers::schema::AttributeSchema;
use crate::providers::{AttrPath, ProviderError, Schema};

/// Microsoft.OperationalInsights' current stable version.
pub const API_VERSION: &str = "2023-09-01";

pub struct LogAnalyticsWorkspace;

const SEMANTICS: Semantics = &[
    ("name", Semantic::CaseInsensitive),
    ("resource_group_name", Semantic::CaseInsensitive),
    ("location", Semantic::Location),
    ("tags", Semantic::TagKeys),
    ("id", Semantic::ArmId),
    ("sku", Semantic::CaseInsensitive),
];

const SKUS: &[&str] = &[
    "Free",
    "PerNode",
    "Premium",
    "Standard",
    "Standalone",
    "Unlimited",
    "CapacityReservation",
    "PerGB2018",
];

#[async_trait::async_trait]
impl AzureResource for LogAnalyticsWorkspace {
    fn type_name(&self) -> &'static str {
        "azure_log_analytics_workspace"
    }

    fn api_version(&self) -> &'static str {
        API_VERSION
    }

    fn semantics(&self) -> Semantics {
        SEMANTICS
    }

    fn schema(&self) -> Schema {
        Schema::new("A Log Analytics workspace.")
            .attribute(
                "name",
                name_attr("The name. Changing it replaces the workspace."),
            )
            .attribute("resource_group_name", resource_group_attr())
            .attribute("location", location_attr())
            .attribute(
                "sku",
                AttributeSchema::optional_computed(Type::String)
                    .describe("The pricing tier; Azure's default is \"PerGB2018\"."),
            )
            .attribute(
                "retention_in_days",
                AttributeSchema::optional_computed(Type::Number)
                    .describe("How long data is kept: 30 to 730 days (Azure's default is 30)."),
            )
            .attribute("tags", tags_attr())
            .attribute("id", id_attr())
            .attribute(
                "workspace_id",
                AttributeSchema::computed(Type::String)
                    .describe("The workspace (customer) ID agents report to."),
            )
            .attribute(
                "primary_shared_key",
                AttributeSchema::computed(Type::String)
                    .sensitive()
                    .describe("The primary shared key."),
            )
            .attribute(
                "secondary_shared_key",
                AttributeSchema::computed(Type::String)
                    .sensitive()
                    .describe("The secondary shared key."),
            )
    }

    fn validate(&self, config: &Value, checks: &Checks<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        check_pattern(
            config,
            AttrPath::attr("name"),
            "name",
            &checks.patterns.workspace,
            WORKSPACE_RULE,
            &mut out,
        );
        check_enum(config, AttrPath::attr("sku"), "sku", SKUS, true, &mut out);
        let free = vstr(config, "sku").is_some_and(|s| s.eq_ignore_ascii_case("Free"));
        if free {
            check_range(
                config,
                AttrPath::attr("retention_in_days"),
                "retention_in_days",
                7.0,
                7.0,
                &mut out,
            );
        } else {
            check_range(
                config,
                AttrPath::attr("retention_in_days"),
                "retention_in_days",
                30.0,
                730.0,
                &mut out,
            );
        }
        out
    }

    fn arm_type(&self) -> Option<(&'static str, &'static str)> {
        Some(("Microsoft.OperationalInsights", "workspaces"))
    }

    fn body(&self, planned: &Value, _existing: Option<&Json>) -> Json {
        let mut props = Map::new();
        props.insert(
            "sku".into(),
            json!({ "name": canonical(vstr(planned, "sku").unwrap_or("PerGB2018"), SKUS) }),
        );
        set(
            &mut props,
            "retentionInDays",
            vint(planned, "retention_in_days"),
        );
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
            ("sku", jstr(remote, "/properties/sku/name")),
            (
                "retention_in_days",
                jnum(remote, "/properties/retentionInDays"),
            ),
            ("tags", jmap(remote, "/tags")),
            ("workspace_id", jstr(remote, "/properties/customerId")),
        ])
    }

    async fn extras(&self, env: &Env<'_>, id: &str, state: Value) -> Result<Value, ProviderError> {
        let keys = env
            .client
            .post(&format!("{id}/sharedKeys"), API_VERSION, None)
            .await
            .map_err(|e| remote_error("reading the shared keys of", &self.describe(&state), e))?;
        Ok(with_attrs(
            &state,
            [
                ("primary_shared_key", jstr(&keys, "/primarySharedKey")),
                ("secondary_shared_key", jstr(&keys, "/secondarySharedKey")),
            ],
        ))
    }
}
