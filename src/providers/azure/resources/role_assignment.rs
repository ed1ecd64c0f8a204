//! `azure_role_assignment` (Microsoft.Authorization/roleAssignments): a role for a principal at
//! a scope, e.g. AcrPull on the registry for the AKS kubelet identity.
//!
//! The assignment's name (a GUID) is derived from its scope, role and principal rather than
//! drawn at random: an apply interrupted after Azure made the assignment but before the state
//! recorded it finds the same assignment again instead of failing on a duplicate.

use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use super::{id_attr, AzureResource, Checks, Planned};
use crate::diagnostics::did_you_mean;
use crate::lang::value::with_attrs;
use crate::lang::{Type, Value};
use crate::providers::azure::ids::ArmId;
use crate::providers::azure::json::{jstr, object, set, vstr};
use crate::providers::azure::normalize::{Semantic, Semantics};
use crate::providers::azure::roles;
use crate::providers::azure::validate::{canonical, check_enum};
use crate::providers::schema::AttributeSchema;
use crate::providers::{AttrPath, ProviderError, Schema};

pub const API_VERSION: &str = "2022-04-01";

pub struct RoleAssignment;

const SEMANTICS: Semantics = &[
    ("id", Semantic::ArmId),
    ("name", Semantic::CaseInsensitive),
    ("scope", Semantic::ArmId),
    ("role_definition_id", Semantic::LastSegment),
    ("role_definition_name", Semantic::CaseInsensitive),
    ("principal_id", Semantic::CaseInsensitive),
    ("principal_type", Semantic::CaseInsensitive),
];

const PRINCIPAL_TYPES: &[&str] = &["User", "Group", "ServicePrincipal", "ForeignGroup"];

/// The assignment's name from what makes it what it is (a GUID, as ARM requires).
pub fn derived_name(scope: &str, role_guid: &str, principal: &str) -> String {
    let mut h = Sha256::new();
    for part in [scope, role_guid, principal] {
        h.update(part.to_ascii_lowercase().as_bytes());
        h.update([0]);
    }
    let hex = format!("{:x}", h.finalize());
    // Shaped as a version-8 (custom) UUID.
    format!(
        "{}-{}-8{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn role_guid(role_definition_id: &str) -> &str {
    role_definition_id
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(role_definition_id)
}

impl AzureResource for RoleAssignment {
    fn type_name(&self) -> &'static str {
        "azure_role_assignment"
    }

    fn api_version(&self) -> &'static str {
        API_VERSION
    }

    fn semantics(&self) -> Semantics {
        SEMANTICS
    }

    fn schema(&self) -> Schema {
        Schema::new("A role assignment.")
            .attribute(
                "scope",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe("The ID of what the role applies to (a registry, a resource group, a subscription)."),
            )
            .attribute(
                "role_definition_name",
                AttributeSchema::optional_computed(Type::String)
                    .force_new()
                    .describe("A built-in role's name, e.g. \"AcrPull\" (or role_definition_id)."),
            )
            .attribute(
                "role_definition_id",
                AttributeSchema::optional_computed(Type::String)
                    .force_new()
                    .describe("The role definition's ID (custom roles), or its GUID."),
            )
            .attribute(
                "principal_id",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe("The object ID of the user, group or service principal."),
            )
            .attribute(
                "principal_type",
                AttributeSchema::optional_computed(Type::String)
                    .force_new()
                    .describe("\"User\", \"Group\" or \"ServicePrincipal\" (set it for fresh managed identities)."),
            )
            .attribute(
                "description",
                AttributeSchema::optional(Type::String)
                    .force_new()
                    .describe("A description of the assignment."),
            )
            .attribute(
                "name",
                AttributeSchema::optional_computed(Type::String)
                    .force_new()
                    .describe("The assignment's GUID (derived from scope, role and principal when unset)."),
            )
            .attribute("id", id_attr())
    }

    fn validate(&self, config: &Value, checks: &Checks<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        let name_v = config.get_attr("role_definition_name");
        let id_v = config.get_attr("role_definition_id");
        let is_null = |v: Option<&Value>| v.is_none_or(Value::is_null);
        if is_null(name_v) && is_null(id_v) {
            out.push(ProviderError::invalid(
                AttrPath::root(),
                "Missing role",
                "Set role_definition_name (a built-in role such as \"AcrPull\") or role_definition_id.",
            ));
        }
        if !is_null(name_v) && !is_null(id_v) {
            out.push(ProviderError::invalid(
                AttrPath::attr("role_definition_id"),
                "Conflicting arguments",
                "Only one of role_definition_name and role_definition_id can be set.",
            ));
        }
        if let Some(name) = name_v.and_then(Value::as_str) {
            if roles::guid_of(name).is_none() {
                let shown = if name_v.is_some_and(Value::is_sensitive) {
                    "(sensitive value)".to_string()
                } else {
                    format!("{name:?}")
                };
                out.push(ProviderError::invalid(
                    AttrPath::attr("role_definition_name"),
                    "Unknown role",
                    format!(
                        "{shown} is not a built-in Azure role flinkform knows.{} A custom role is given by its role_definition_id.",
                        did_you_mean(name, roles::names())
                    ),
                ));
            }
        }
        if let Some(id) = id_v.and_then(Value::as_str) {
            if !checks.patterns.guid.is_match(role_guid(id)) {
                out.push(ProviderError::invalid(
                    AttrPath::attr("role_definition_id"),
                    "Invalid role definition ID",
                    "role_definition_id must end with the role definition's GUID (/providers/Microsoft.Authorization/roleDefinitions/{guid}).",
                ));
            }
        }
        for attr in ["principal_id", "name"] {
            if let Some(v) = vstr(config, attr) {
                if !checks.patterns.guid.is_match(v) {
                    out.push(ProviderError::invalid(
                        AttrPath::attr(attr),
                        "Invalid GUID",
                        format!("{attr} must be a GUID like 00000000-0000-0000-0000-000000000000."),
                    ));
                }
            }
        }
        if let Some(scope) = vstr(config, "scope") {
            if !scope.starts_with('/') {
                out.push(ProviderError::invalid(
                    AttrPath::attr("scope"),
                    "Invalid scope",
                    "scope must be an Azure resource, resource group or subscription ID, starting with \"/\".",
                ));
            }
        }
        check_enum(
            config,
            AttrPath::attr("principal_type"),
            "principal_type",
            PRINCIPAL_TYPES,
            true,
            &mut out,
        );
        out
    }

    fn plan(
        &self,
        prior: Option<&Value>,
        planned: Value,
        _config: &Value,
        subscription: &str,
    ) -> Result<Planned, ProviderError> {
        let mut planned = planned;
        let _ = prior;
        let role_name = planned.get_attr("role_definition_name").cloned();
        let role_id = planned.get_attr("role_definition_id").cloned();
        // The role by name gives its ID at plan time, and the ID its built-in name.
        match (role_name.as_ref().and_then(Value::as_str), role_id.as_ref()) {
            (Some(name), Some(id)) if !id.is_known() || id.is_null() => {
                if let Some(guid) = roles::guid_of(name).filter(|_| !subscription.is_empty()) {
                    planned = with_attrs(
                        &planned,
                        [(
                            "role_definition_id",
                            Value::string(roles::definition_id(subscription, guid)),
                        )],
                    );
                }
            }
            (None, Some(id))
                if role_name
                    .as_ref()
                    .is_some_and(|n| !n.is_known() || n.is_null()) =>
            {
                if let Some(id) = id.as_str() {
                    let name = roles::name_of(id)
                        .map(Value::string)
                        .unwrap_or_else(|| Value::null_of(Type::String));
                    planned = with_attrs(&planned, [("role_definition_name", name)]);
                }
            }
            _ => {}
        }
        let unset_name = planned
            .get_attr("name")
            .is_none_or(|n| !n.is_known() || n.is_null());
        if unset_name {
            if let (Some(scope), Some(role), Some(principal)) = (
                vstr(&planned, "scope"),
                vstr(&planned, "role_definition_id"),
                vstr(&planned, "principal_id"),
            ) {
                let name = derived_name(scope, role_guid(role), principal);
                planned = with_attrs(&planned, [("name", Value::string(name))]);
            }
        }
        Ok(Planned::plain(planned))
    }

    fn id_from_names(&self, state: &Value, _subscription: &str) -> Result<String, ProviderError> {
        let missing = |attr: &str| {
            ProviderError::invalid(
                AttrPath::attr(attr),
                "Missing value",
                format!("The role assignment needs a known {attr}."),
            )
        };
        let scope = vstr(state, "scope").ok_or_else(|| missing("scope"))?;
        let name = vstr(state, "name").ok_or_else(|| missing("name"))?;
        Ok(format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
            scope.trim_end_matches('/')
        ))
    }

    fn import(&self, id: &str) -> Result<Value, ProviderError> {
        let invalid = |message: &str| ProviderError::InvalidImportId {
            type_name: self.type_name().to_string(),
            id: id.to_string(),
            message: message.to_string(),
        };
        let lower = id.to_ascii_lowercase();
        let marker = "/providers/microsoft.authorization/roleassignments/";
        let at = lower.rfind(marker).ok_or_else(|| {
            invalid("expected {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}")
        })?;
        let scope = &id[..at];
        let name = &id[at + marker.len()..];
        if name.is_empty() || name.contains('/') || !(scope.is_empty() || scope.starts_with('/')) {
            return Err(invalid(
                "expected {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}",
            ));
        }
        if !scope.is_empty() && ArmId::parse(scope).is_err() && !scope.starts_with("/providers/") {
            return Err(invalid(
                "the scope before /providers/Microsoft.Authorization is not an Azure ID",
            ));
        }
        Ok(object([
            ("id", Value::string(id)),
            (
                "scope",
                Value::string(if scope.is_empty() { "/" } else { scope }),
            ),
            ("name", Value::string(name)),
        ]))
    }

    fn body(&self, planned: &Value, _existing: Option<&Json>) -> Json {
        let mut props = Map::new();
        set(
            &mut props,
            "roleDefinitionId",
            vstr(planned, "role_definition_id").map(|s| json!(s)),
        );
        set(
            &mut props,
            "principalId",
            vstr(planned, "principal_id").map(|s| json!(s)),
        );
        set(
            &mut props,
            "principalType",
            vstr(planned, "principal_type").map(|s| json!(canonical(s, PRINCIPAL_TYPES))),
        );
        set(
            &mut props,
            "description",
            vstr(planned, "description").map(|s| json!(s)),
        );
        json!({ "properties": props })
    }

    fn parse(&self, remote: &Json, _reference: &Value) -> Value {
        // The scope is in the properties; else what the ID has before the assignment part.
        let scope = match jstr(remote, "/properties/scope") {
            s if !s.is_null() => s,
            _ => jstr(remote, "/id")
                .as_str()
                .and_then(|id| {
                    let at = id
                        .to_ascii_lowercase()
                        .rfind("/providers/microsoft.authorization/roleassignments/")?;
                    Some(Value::string(if at == 0 { "/" } else { &id[..at] }))
                })
                .unwrap_or_else(|| Value::null_of(Type::String)),
        };
        let role_id = jstr(remote, "/properties/roleDefinitionId");
        let role_name = role_id
            .as_str()
            .and_then(roles::name_of)
            .map(Value::string)
            .unwrap_or_else(|| Value::null_of(Type::String));
        object([
            ("id", jstr(remote, "/id")),
            ("name", jstr(remote, "/name")),
            ("scope", scope),
            ("role_definition_id", role_id),
            ("role_definition_name", role_name),
            ("principal_id", jstr(remote, "/properties/principalId")),
            ("principal_type", jstr(remote, "/properties/principalType")),
            ("description", jstr(remote, "/properties/description")),
        ])
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
        RoleAssignment
            .validate(&Value::from_json(&config), &checks)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn unknown_role_names_are_caught_with_a_hint() {
        let e = errors(
            json!({"scope": "/subscriptions/s", "role_definition_name": "AcrPul",
            "principal_id": "00000000-0000-0000-0000-000000000001"}),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("role_definition_name: Unknown role"),
            "{e:?}"
        );
        assert!(e[0].contains("Did you mean \"AcrPull\"?"), "{e:?}");
        assert!(errors(json!({"scope": "/subscriptions/s", "role_definition_name": "AcrPull",
            "principal_id": "00000000-0000-0000-0000-000000000001", "principal_type": "ServicePrincipal"})).is_empty());
        let e = errors(json!({"scope": "s", "principal_id": "x"}));
        assert_eq!(e.len(), 3, "{e:?}");
    }

    #[test]
    fn plan_resolves_the_role_and_derives_the_name() {
        let planned = Value::from_json(&json!({
            "scope": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr",
            "role_definition_name": "AcrPull", "role_definition_id": null,
            "principal_id": "11111111-1111-1111-1111-111111111111", "principal_type": "ServicePrincipal",
            "description": null, "name": null, "id": null,
        }));
        let p = RoleAssignment
            .plan(None, planned.clone(), &planned, "sub")
            .unwrap()
            .value;
        assert_eq!(
            vstr(&p, "role_definition_id"),
            Some("/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d")
        );
        let name = vstr(&p, "name").unwrap();
        assert!(Patterns::new().guid.is_match(name), "{name}");
        let again = RoleAssignment
            .plan(None, planned.clone(), &planned, "sub")
            .unwrap()
            .value;
        assert_eq!(vstr(&again, "name"), Some(name));
        assert_eq!(
            RoleAssignment.id_from_names(&p, "sub").unwrap(),
            format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr/providers/Microsoft.Authorization/roleAssignments/{name}")
        );
    }

    #[test]
    fn import_ids() {
        let v = RoleAssignment
            .import("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/abc")
            .unwrap();
        assert_eq!(
            vstr(&v, "scope"),
            Some("/subscriptions/s/resourceGroups/rg")
        );
        assert_eq!(vstr(&v, "name"), Some("abc"));
        assert!(RoleAssignment
            .import("/subscriptions/s/resourceGroups/rg")
            .is_err());
    }
}
