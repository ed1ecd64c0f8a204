//! `azure_container_registry` (Microsoft.ContainerRegistry/registries), with its
//! `georeplications` as the registry's `replications` child resources (Premium only).

use std::collections::HashMap;

use serde_json::{json, Map, Value as Json};

use super::virtual_network::resource_group_of;
use super::{
    ensure_absent, id_attr, location_attr, name_attr, remote_error, resource_group_attr, tags_attr,
    tags_json, AzureResource, Checks, Env,
};
use crate::lang::value::with_attrs;
use crate::lang::{Type, Value};
use crate::providers::azure::json::{
    at, enabled, jbool, jenabled, jmap, jnum, jstr, object, set, vbool, vint, vmap_json, vstr,
};
use crate::providers::azure::normalize::{normalize_location, Semantic, Semantics};
use crate::providers::azure::validate::{
    canonical, check_enum, check_pattern, check_range, REGISTRY_RULE,
};
use crate::providers::schema::{AttributeSchema, NestedBlockSchema, Nesting};
use crate::providers::{AttrPath, Checkpoint, ProviderError, Schema};

pub const API_VERSION: &str = "2025-11-01";

pub struct ContainerRegistry;

const SEMANTICS: Semantics = &[
    ("name", Semantic::CaseInsensitive),
    ("resource_group_name", Semantic::CaseInsensitive),
    ("location", Semantic::Location),
    ("tags", Semantic::TagKeys),
    ("id", Semantic::ArmId),
    ("sku", Semantic::CaseInsensitive),
    ("login_server", Semantic::CaseInsensitive),
    ("georeplications.location", Semantic::Location),
    ("georeplications.tags", Semantic::TagKeys),
];

const SKUS: &[&str] = &["Basic", "Standard", "Premium"];

/// Arguments only the Premium tier accepts, with when they count as used.
const PREMIUM_ONLY: &[(&str, &str)] = &[
    ("georeplications", "geo-replication"),
    ("zone_redundancy_enabled", "zone redundancy"),
    ("data_endpoint_enabled", "dedicated data endpoints"),
    (
        "retention_policy_in_days",
        "a retention policy for untagged manifests",
    ),
    ("export_policy_enabled", "disabling export"),
];

fn premium_option_used(config: &Value, name: &str) -> bool {
    let Some(v) = config.get_attr(name) else {
        return false;
    };
    match name {
        "georeplications" => v.as_seq().is_some_and(|s| !s.is_empty()),
        "zone_redundancy_enabled" | "data_endpoint_enabled" => v.as_bool() == Some(true),
        "export_policy_enabled" => v.as_bool() == Some(false),
        _ => !v.is_null(),
    }
}

fn replication_schema() -> Schema {
    Schema::new("A replica of the registry in another region (Premium).")
        .attribute(
            "location",
            AttributeSchema::required(Type::String).describe("The region of the replica."),
        )
        .attribute(
            "zone_redundancy_enabled",
            AttributeSchema::optional_computed(Type::Bool)
                .describe("Zone redundancy of the replica (default false; changing it re-creates the replica)."),
        )
        .attribute(
            "regional_endpoint_enabled",
            AttributeSchema::optional_computed(Type::Bool)
                .describe("Whether the replica has its own endpoint (default true)."),
        )
        .attribute("tags", tags_attr())
}

impl ContainerRegistry {
    fn replication_id(registry_id: &str, location: &str) -> String {
        format!(
            "{registry_id}/replications/{}",
            normalize_location(location)
        )
    }

    fn replication_body(r: &Value) -> Json {
        let mut props = Map::new();
        set(
            &mut props,
            "zoneRedundancy",
            vbool(r, "zone_redundancy_enabled").map(enabled),
        );
        set(
            &mut props,
            "regionEndpointEnabled",
            vbool(r, "regional_endpoint_enabled").map(Json::Bool),
        );
        json!({
            "location": vstr(r, "location").unwrap_or_default(),
            "tags": vmap_json(r, "tags").unwrap_or_else(|| json!({})),
            "properties": props,
        })
    }

    /// Makes the registry's replications those of `planned`, given those of `prior`.
    async fn sync_replications(
        &self,
        env: &Env<'_>,
        id: &str,
        prior: Option<&Value>,
        planned: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<(), ProviderError> {
        let what = self.describe(planned);
        let by_location = |v: Option<&Value>| -> HashMap<String, Value> {
            v.and_then(|v| v.get_attr("georeplications"))
                .and_then(Value::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|r| vstr(r, "location").map(|l| (normalize_location(l), r.clone())))
                .collect()
        };
        let before = by_location(prior);
        let after = by_location(Some(planned));
        let mut gone: Vec<&String> = before.keys().filter(|l| !after.contains_key(*l)).collect();
        gone.sort();
        for location in gone {
            env.client
                .delete(&Self::replication_id(id, location), API_VERSION, checkpoint)
                .await
                .map_err(|e| {
                    remote_error(&format!("deleting the {location} replica of"), &what, e)
                })?;
        }
        let mut wanted: Vec<(&String, &Value)> = after.iter().collect();
        wanted.sort_by(|a, b| a.0.cmp(b.0));
        for (location, r) in wanted {
            let old = before.get(location);
            if old.is_some_and(|o| o.to_json() == r.to_json()) {
                continue;
            }
            let rid = Self::replication_id(id, location);
            // Zone redundancy is set when a replica is created.
            if old.is_some_and(|o| {
                vbool(o, "zone_redundancy_enabled").unwrap_or(false)
                    != vbool(r, "zone_redundancy_enabled").unwrap_or(false)
            }) {
                env.client
                    .delete(&rid, API_VERSION, checkpoint)
                    .await
                    .map_err(|e| {
                        remote_error(&format!("re-creating the {location} replica of"), &what, e)
                    })?;
            }
            env.client
                .put(&rid, API_VERSION, &Self::replication_body(r), checkpoint)
                .await
                .map_err(|e| remote_error(&format!("replicating to {location}"), &what, e))?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl AzureResource for ContainerRegistry {
    fn type_name(&self) -> &'static str {
        "azure_container_registry"
    }

    fn api_version(&self) -> &'static str {
        API_VERSION
    }

    fn semantics(&self) -> Semantics {
        SEMANTICS
    }

    fn schema(&self) -> Schema {
        Schema::new("A container registry.")
            .attribute(
                "name",
                name_attr("5 to 50 letters and digits, unique across Azure. Changing it replaces the registry."),
            )
            .attribute("resource_group_name", resource_group_attr())
            .attribute("location", location_attr())
            .attribute(
                "sku",
                AttributeSchema::required(Type::String)
                    .describe("\"Basic\", \"Standard\" or \"Premium\"."),
            )
            .attribute(
                "admin_enabled",
                AttributeSchema::optional_computed(Type::Bool)
                    .describe("Whether the admin user is enabled (Azure's default: false)."),
            )
            .attribute(
                "public_network_access_enabled",
                AttributeSchema::optional_computed(Type::Bool)
                    .describe("Whether the registry is reachable from public networks (default true)."),
            )
            .attribute(
                "zone_redundancy_enabled",
                AttributeSchema::optional_computed(Type::Bool)
                    .force_new()
                    .describe("Zone redundancy (Premium). Changing it replaces the registry."),
            )
            .attribute(
                "anonymous_pull_enabled",
                AttributeSchema::optional_computed(Type::Bool)
                    .describe("Anonymous pulls (Standard and Premium)."),
            )
            .attribute(
                "data_endpoint_enabled",
                AttributeSchema::optional_computed(Type::Bool)
                    .describe("Dedicated data endpoints (Premium)."),
            )
            .attribute(
                "export_policy_enabled",
                AttributeSchema::optional_computed(Type::Bool)
                    .describe("Whether artifacts can be exported (disabling it needs Premium)."),
            )
            .attribute(
                "retention_policy_in_days",
                AttributeSchema::optional(Type::Number)
                    .describe("Days untagged manifests are kept, 0 to 365 (Premium)."),
            )
            .attribute("tags", tags_attr())
            .block(
                "georeplications",
                NestedBlockSchema::new(Nesting::List, replication_schema()),
            )
            .attribute("id", id_attr())
            .attribute(
                "login_server",
                AttributeSchema::computed(Type::String)
                    .describe("The registry's host name, <name>.azurecr.io."),
            )
            .attribute(
                "admin_username",
                AttributeSchema::computed(Type::String)
                    .describe("The admin user's name, when admin_enabled."),
            )
            .attribute(
                "admin_password",
                AttributeSchema::computed(Type::String)
                    .sensitive()
                    .describe("The admin user's password, when admin_enabled."),
            )
    }

    fn validate(&self, config: &Value, checks: &Checks<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        check_pattern(
            config,
            AttrPath::attr("name"),
            "name",
            &checks.patterns.registry,
            REGISTRY_RULE,
            &mut out,
        );
        check_enum(config, AttrPath::attr("sku"), "sku", SKUS, true, &mut out);
        check_range(
            config,
            AttrPath::attr("retention_policy_in_days"),
            "retention_policy_in_days",
            0.0,
            365.0,
            &mut out,
        );
        if let Some(sku) =
            vstr(config, "sku").filter(|s| SKUS.iter().any(|k| k.eq_ignore_ascii_case(s)))
        {
            if !sku.eq_ignore_ascii_case("Premium") {
                for (name, what) in PREMIUM_ONLY {
                    if premium_option_used(config, name) {
                        out.push(ProviderError::invalid(
                            AttrPath::attr(*name),
                            "Premium-only registry option",
                            format!(
                                "{what} needs the Premium tier, but sku is {sku:?}: set sku = \"Premium\" or remove {name}."
                            ),
                        ));
                    }
                }
            }
            if sku.eq_ignore_ascii_case("Basic")
                && vbool(config, "anonymous_pull_enabled") == Some(true)
            {
                out.push(ProviderError::invalid(
                    AttrPath::attr("anonymous_pull_enabled"),
                    "Registry option not in this tier",
                    "Anonymous pull needs the Standard or Premium tier.",
                ));
            }
        }
        let home = vstr(config, "location").map(normalize_location);
        let mut seen: HashMap<String, usize> = HashMap::new();
        let replicas = config
            .get_attr("georeplications")
            .and_then(Value::as_seq)
            .unwrap_or_default();
        for (i, r) in replicas.iter().enumerate() {
            let Some(loc) = vstr(r, "location") else {
                continue;
            };
            let at = AttrPath::attr("georeplications")
                .child_index(i as i64)
                .child_attr("location");
            let loc = normalize_location(loc);
            if home.as_deref() == Some(loc.as_str()) {
                out.push(ProviderError::invalid(
                    at.clone(),
                    "Invalid replica location",
                    "A registry is always in its own location: a replica must be in another one.",
                ));
            }
            if let Some(first) = seen.insert(loc.clone(), i) {
                out.push(ProviderError::invalid(
                    at,
                    "Duplicate replica location",
                    format!("georeplications[{first}] is already in {loc}."),
                ));
            }
        }
        out
    }

    fn arm_type(&self) -> Option<(&'static str, &'static str)> {
        Some(("Microsoft.ContainerRegistry", "registries"))
    }

    fn body(&self, planned: &Value, _existing: Option<&Json>) -> Json {
        let mut props = Map::new();
        set(
            &mut props,
            "adminUserEnabled",
            vbool(planned, "admin_enabled").map(Json::Bool),
        );
        set(
            &mut props,
            "publicNetworkAccess",
            vbool(planned, "public_network_access_enabled").map(enabled),
        );
        set(
            &mut props,
            "zoneRedundancy",
            vbool(planned, "zone_redundancy_enabled").map(enabled),
        );
        set(
            &mut props,
            "anonymousPullEnabled",
            vbool(planned, "anonymous_pull_enabled").map(Json::Bool),
        );
        set(
            &mut props,
            "dataEndpointEnabled",
            vbool(planned, "data_endpoint_enabled").map(Json::Bool),
        );
        let mut policies = Map::new();
        if let Some(days) = vint(planned, "retention_policy_in_days") {
            policies.insert(
                "retentionPolicy".into(),
                json!({ "days": days, "status": "enabled" }),
            );
        }
        if let Some(export) = vbool(planned, "export_policy_enabled") {
            policies.insert(
                "exportPolicy".into(),
                json!({ "status": if export { "enabled" } else { "disabled" } }),
            );
        }
        if !policies.is_empty() {
            props.insert("policies".into(), Json::Object(policies));
        }
        json!({
            "location": vstr(planned, "location").unwrap_or_default(),
            "tags": tags_json(planned),
            "sku": { "name": canonical(vstr(planned, "sku").unwrap_or("Basic"), SKUS) },
            "properties": props,
        })
    }

    fn parse(&self, remote: &Json, reference: &Value) -> Value {
        let retention = match at(remote, "/properties/policies/retentionPolicy/status")
            .and_then(Json::as_str)
        {
            Some(s) if s.eq_ignore_ascii_case("enabled") => {
                jnum(remote, "/properties/policies/retentionPolicy/days")
            }
            _ => Value::null_of(Type::Number),
        };
        let export = at(remote, "/properties/policies/exportPolicy/status")
            .and_then(Json::as_str)
            .map(|s| Value::bool(s.eq_ignore_ascii_case("enabled")))
            .unwrap_or_else(|| Value::null_of(Type::Bool));
        let mut state = object([
            ("id", jstr(remote, "/id")),
            ("name", jstr(remote, "/name")),
            ("resource_group_name", resource_group_of(remote)),
            ("location", jstr(remote, "/location")),
            ("sku", jstr(remote, "/sku/name")),
            (
                "admin_enabled",
                jbool(remote, "/properties/adminUserEnabled"),
            ),
            (
                "public_network_access_enabled",
                jenabled(remote, "/properties/publicNetworkAccess"),
            ),
            (
                "zone_redundancy_enabled",
                jenabled(remote, "/properties/zoneRedundancy"),
            ),
            (
                "anonymous_pull_enabled",
                jbool(remote, "/properties/anonymousPullEnabled"),
            ),
            (
                "data_endpoint_enabled",
                jbool(remote, "/properties/dataEndpointEnabled"),
            ),
            ("export_policy_enabled", export),
            ("retention_policy_in_days", retention),
            ("tags", jmap(remote, "/tags")),
            ("login_server", jstr(remote, "/properties/loginServer")),
        ]);
        // Replicas, when the answer carries them (see `extras`), in the reference's order.
        if let Some(list) = remote.get("replications").and_then(Json::as_array) {
            let home = at(remote, "/location")
                .and_then(Json::as_str)
                .map(normalize_location);
            let order: Vec<String> = reference
                .get_attr("georeplications")
                .and_then(Value::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|r| vstr(r, "location").map(normalize_location))
                .collect();
            let mut replicas: Vec<Value> = list
                .iter()
                .filter(|r| {
                    at(r, "/location")
                        .and_then(Json::as_str)
                        .map(normalize_location)
                        != home
                })
                .map(|r| {
                    object([
                        ("location", jstr(r, "/location")),
                        (
                            "zone_redundancy_enabled",
                            jenabled(r, "/properties/zoneRedundancy"),
                        ),
                        (
                            "regional_endpoint_enabled",
                            jbool(r, "/properties/regionEndpointEnabled"),
                        ),
                        ("tags", jmap(r, "/tags")),
                    ])
                })
                .collect();
            replicas.sort_by_key(|r| {
                let loc = vstr(r, "location")
                    .map(normalize_location)
                    .unwrap_or_default();
                order.iter().position(|o| *o == loc).unwrap_or(usize::MAX)
            });
            state = with_attrs(&state, [("georeplications", Value::list(replicas))]);
        }
        state
    }

    async fn read(&self, env: &Env<'_>, prior: &Value) -> Result<Option<Value>, ProviderError> {
        let id = self.arm_id(prior, env.subscription)?;
        let what = self.describe(prior);
        let Some(mut remote) = env
            .client
            .get(&id, API_VERSION)
            .await
            .map_err(|e| remote_error("reading", &what, e))?
        else {
            return Ok(None);
        };
        self.add_replications(env, &id, &mut remote, &what).await?;
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
        ensure_absent(env, &id, API_VERSION, &what).await?;
        let mut remote = env
            .client
            .put(&id, API_VERSION, &self.body(planned, None), checkpoint)
            .await
            .map_err(|e| remote_error("creating", &what, e))?;
        self.sync_replications(env, &id, None, planned, checkpoint)
            .await?;
        self.add_replications(env, &id, &mut remote, &what).await?;
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
        let mut remote = env
            .client
            .put(&id, API_VERSION, &self.body(planned, None), checkpoint)
            .await
            .map_err(|e| remote_error("updating", &what, e))?;
        self.sync_replications(env, &id, Some(prior), planned, checkpoint)
            .await?;
        self.add_replications(env, &id, &mut remote, &what).await?;
        let state = self.parse(&remote, planned);
        self.extras(env, &id, state).await
    }

    async fn extras(&self, env: &Env<'_>, id: &str, state: Value) -> Result<Value, ProviderError> {
        if vbool(&state, "admin_enabled") != Some(true) {
            return Ok(with_attrs(
                &state,
                [
                    ("admin_username", Value::null_of(Type::String)),
                    ("admin_password", Value::null_of(Type::String)),
                ],
            ));
        }
        let creds = env
            .client
            .post(&format!("{id}/listCredentials"), API_VERSION, None)
            .await
            .map_err(|e| {
                remote_error(
                    "reading the admin credentials of",
                    &self.describe(&state),
                    e,
                )
            })?;
        Ok(with_attrs(
            &state,
            [
                ("admin_username", jstr(&creds, "/username")),
                ("admin_password", jstr(&creds, "/passwords/0/value")),
            ],
        ))
    }
}

impl ContainerRegistry {
    /// Adds the registry's replications (a Premium registry's list; none for others) to its
    /// answer under `replications`, for `parse`.
    async fn add_replications(
        &self,
        env: &Env<'_>,
        id: &str,
        remote: &mut Json,
        what: &str,
    ) -> Result<(), ProviderError> {
        let premium = at(remote, "/sku/name")
            .and_then(Json::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("Premium"));
        let list = if premium {
            env.client
                .get(&format!("{id}/replications"), API_VERSION)
                .await
                .map_err(|e| remote_error("reading the replicas of", what, e))?
                .and_then(|l| l.get("value").cloned())
                .unwrap_or_else(|| json!([]))
        } else {
            json!([])
        };
        if let Some(obj) = remote.as_object_mut() {
            obj.insert("replications".into(), list);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::azure::validate::{NetworkRegistry, Patterns};

    fn errors(config: Json) -> Vec<String> {
        let patterns = Patterns::new();
        let network = NetworkRegistry::default();
        let checks = Checks {
            patterns: &patterns,
            network: &network,
        };
        ContainerRegistry
            .validate(&Value::from_json(&config), &checks)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn premium_only_options_on_a_lower_tier() {
        let e = errors(json!({
            "name": "flink-acr", "location": "westeurope", "sku": "Standard",
            "georeplications": [{"location": "northeurope"}], "zone_redundancy_enabled": true,
            "retention_policy_in_days": 7, "export_policy_enabled": true, "data_endpoint_enabled": false,
        }));
        assert!(e[0].starts_with("name: Invalid name"), "{e:?}");
        assert!(
            e.iter()
                .any(|m| m.starts_with("georeplications: Premium-only registry option")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m.starts_with("zone_redundancy_enabled: Premium-only")),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|m| m.starts_with("retention_policy_in_days: Premium-only")),
            "{e:?}"
        );
        assert_eq!(e.len(), 4, "{e:?}");
        let ok = errors(
            json!({"name": "flinkacr001", "location": "West Europe", "sku": "Premium",
            "georeplications": [{"location": "North Europe"}, {"location": "westeurope"}]}),
        );
        assert_eq!(ok.len(), 1, "{ok:?}");
        assert!(
            ok[0].starts_with("georeplications[1].location: Invalid replica location"),
            "{ok:?}"
        );
    }

    #[test]
    fn parse_official_example() {
        let example: Json = serde_json::from_str(include_str!(
            "../../../../tests/arm_standin/reference/acr-2025-11-01-example-RegistryCreate.json"
        ))
        .unwrap();
        let body = &example["responses"]["200"]["body"];
        let state = ContainerRegistry.parse(body, &Value::null());
        assert_eq!(vstr(&state, "login_server"), Some("myRegistry.azurecr.io"));
        assert_eq!(vstr(&state, "resource_group_name"), Some("myResourceGroup"));
        assert_eq!(vbool(&state, "admin_enabled"), Some(true));
        assert_eq!(vstr(&state, "sku"), Some("Standard"));
        assert!(state
            .get_attr("retention_policy_in_days")
            .unwrap()
            .is_null());
    }
}
