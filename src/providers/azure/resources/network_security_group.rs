//! `azure_network_security_group` (Microsoft.Network/networkSecurityGroups) with its
//! `security_rule` blocks.

use std::collections::HashMap;

use serde_json::{json, Map, Value as Json};

use super::virtual_network::{resource_group_of, NETWORK_API_VERSION};
use super::{
    id_attr, location_attr, name_attr, resource_group_attr, tags_attr, tags_json, AzureResource,
    Checks,
};
use crate::lang::{Type, Value};
use crate::providers::azure::json::{at, jmap, jnum, jstr, object, set, vint, vstr, vstrings};
use crate::providers::azure::normalize::{Semantic, Semantics};
use crate::providers::azure::validate::{
    canonical, check_enum, check_pattern, check_range, GENERIC_NAME_RULE,
};
use crate::providers::schema::{AttributeSchema, NestedBlockSchema, Nesting};
use crate::providers::{AttrPath, ProviderError, Schema};

pub struct NetworkSecurityGroup;

const SEMANTICS: Semantics = &[
    ("name", Semantic::CaseInsensitive),
    ("resource_group_name", Semantic::CaseInsensitive),
    ("location", Semantic::Location),
    ("tags", Semantic::TagKeys),
    ("id", Semantic::ArmId),
    ("security_rule.protocol", Semantic::CaseInsensitive),
    ("security_rule.direction", Semantic::CaseInsensitive),
    ("security_rule.access", Semantic::CaseInsensitive),
];

const DIRECTIONS: &[&str] = &["Inbound", "Outbound"];
const ACCESSES: &[&str] = &["Allow", "Deny"];
const PROTOCOLS: &[&str] = &["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"];

/// The enumeration a rule argument takes (its spelling is the one sent).
fn allowed(attr: &str) -> &'static [&'static str] {
    match attr {
        "direction" => DIRECTIONS,
        "access" => ACCESSES,
        "protocol" => PROTOCOLS,
        _ => &[],
    }
}

/// Each rule argument with its ARM property: single values and their plural forms.
const RULE_STRINGS: &[(&str, &str)] = &[
    ("direction", "direction"),
    ("access", "access"),
    ("protocol", "protocol"),
    ("description", "description"),
    ("source_port_range", "sourcePortRange"),
    ("destination_port_range", "destinationPortRange"),
    ("source_address_prefix", "sourceAddressPrefix"),
    ("destination_address_prefix", "destinationAddressPrefix"),
];
const RULE_LISTS: &[(&str, &str)] = &[
    ("source_port_ranges", "sourcePortRanges"),
    ("destination_port_ranges", "destinationPortRanges"),
    ("source_address_prefixes", "sourceAddressPrefixes"),
    ("destination_address_prefixes", "destinationAddressPrefixes"),
];

fn rule_schema() -> Schema {
    let mut s = Schema::new("A security rule.")
        .attribute(
            "name",
            AttributeSchema::required(Type::String).describe("The rule's name."),
        )
        .attribute(
            "priority",
            AttributeSchema::required(Type::Number)
                .describe("100 to 4096, unique per direction; lower runs first."),
        );
    for (name, _) in RULE_STRINGS {
        let required = matches!(*name, "direction" | "access" | "protocol");
        let a = if required {
            AttributeSchema::required(Type::String)
        } else {
            AttributeSchema::optional(Type::String)
        };
        s = s.attribute(*name, a);
    }
    for (name, _) in RULE_LISTS {
        s = s.attribute(*name, AttributeSchema::optional(Type::set(Type::String)));
    }
    s
}

impl AzureResource for NetworkSecurityGroup {
    fn type_name(&self) -> &'static str {
        "azure_network_security_group"
    }

    fn api_version(&self) -> &'static str {
        NETWORK_API_VERSION
    }

    fn semantics(&self) -> Semantics {
        SEMANTICS
    }

    fn schema(&self) -> Schema {
        Schema::new("A network security group and its rules.")
            .attribute(
                "name",
                name_attr("The name. Changing it replaces the group."),
            )
            .attribute("resource_group_name", resource_group_attr())
            .attribute("location", location_attr())
            .attribute("tags", tags_attr())
            .attribute("id", id_attr())
            .block(
                "security_rule",
                // A list, in the configuration's order: diagnostics point at the right block,
                // and answers are put in that order by name.
                NestedBlockSchema::new(Nesting::List, rule_schema()),
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
        let rules = config
            .get_attr("security_rule")
            .and_then(Value::as_seq)
            .unwrap_or_default();
        let mut seen_names: HashMap<String, usize> = HashMap::new();
        let mut seen_priorities: HashMap<(String, i64), usize> = HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            let at = AttrPath::attr("security_rule").child_index(i as i64);
            check_range(
                rule,
                at.child_attr("priority"),
                "priority",
                100.0,
                4096.0,
                &mut out,
            );
            check_enum(
                rule,
                at.child_attr("direction"),
                "direction",
                DIRECTIONS,
                true,
                &mut out,
            );
            check_enum(
                rule,
                at.child_attr("access"),
                "access",
                ACCESSES,
                true,
                &mut out,
            );
            check_enum(
                rule,
                at.child_attr("protocol"),
                "protocol",
                PROTOCOLS,
                true,
                &mut out,
            );
            for (single, plural) in [
                ("source_port_range", "source_port_ranges"),
                ("destination_port_range", "destination_port_ranges"),
                ("source_address_prefix", "source_address_prefixes"),
                ("destination_address_prefix", "destination_address_prefixes"),
            ] {
                let has = |n: &str| rule.get_attr(n).is_some_and(|v| !v.is_null());
                if has(single) && has(plural) {
                    out.push(ProviderError::invalid(
                        at.child_attr(plural),
                        "Conflicting arguments",
                        format!("Only one of {single} and {plural} can be set in a rule."),
                    ));
                } else if rule.is_wholly_known() && !has(single) && !has(plural) {
                    out.push(ProviderError::invalid(
                        at.clone(),
                        "Missing argument",
                        format!("A rule needs {single} or {plural} (\"*\" for any)."),
                    ));
                }
            }
            if let Some(name) = vstr(rule, "name") {
                if let Some(first) = seen_names.insert(name.to_lowercase(), i) {
                    out.push(ProviderError::invalid(
                        at.child_attr("name"),
                        "Duplicate rule name",
                        format!("Rule {first} already has the name {name:?}."),
                    ));
                }
            }
            if let (Some(dir), Some(p)) = (
                vstr(rule, "direction"),
                rule.get_attr("priority").and_then(Value::as_number),
            ) {
                if let Some(first) = seen_priorities.insert((dir.to_lowercase(), p as i64), i) {
                    out.push(ProviderError::invalid(
                        at.child_attr("priority"),
                        "Duplicate rule priority",
                        format!(
                            "Rule {first} already has priority {} for {dir} traffic: Azure refuses two rules with the same priority and direction.",
                            p as i64
                        ),
                    ));
                }
            }
        }
        out
    }

    fn arm_type(&self) -> Option<(&'static str, &'static str)> {
        Some(("Microsoft.Network", "networkSecurityGroups"))
    }

    fn body(&self, planned: &Value, _existing: Option<&Json>) -> Json {
        let rules: Vec<Json> = planned
            .get_attr("security_rule")
            .and_then(Value::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|rule| {
                let mut props = Map::new();
                set(&mut props, "priority", vint(rule, "priority"));
                for (attr, prop) in RULE_STRINGS {
                    set(
                        &mut props,
                        prop,
                        vstr(rule, attr).map(|s| json!(canonical(s, allowed(attr)))),
                    );
                }
                for (attr, prop) in RULE_LISTS {
                    set(
                        &mut props,
                        prop,
                        vstrings(rule, attr)
                            .filter(|l| !l.is_empty())
                            .map(|l| json!(l)),
                    );
                }
                json!({ "name": vstr(rule, "name").unwrap_or_default(), "properties": props })
            })
            .collect();
        json!({
            "location": vstr(planned, "location").unwrap_or_default(),
            "tags": tags_json(planned),
            "properties": { "securityRules": rules },
        })
    }

    fn parse(&self, remote: &Json, reference: &Value) -> Value {
        let mut rules: Vec<Value> = at(remote, "/properties/securityRules")
            .and_then(Json::as_array)
            .map(|rules| {
                rules
                    .iter()
                    .map(|r| {
                        let mut attrs = vec![
                            ("name", jstr(r, "/name")),
                            ("priority", jnum(r, "/properties/priority")),
                        ];
                        for (attr, prop) in RULE_STRINGS {
                            attrs.push((attr, jstr(r, &format!("/properties/{prop}"))));
                        }
                        for (attr, prop) in RULE_LISTS {
                            let items = at(r, &format!("/properties/{prop}"))
                                .and_then(Json::as_array)
                                .map(|a| {
                                    a.iter()
                                        .filter_map(Json::as_str)
                                        .map(Value::string)
                                        .collect()
                                })
                                .unwrap_or_default();
                            attrs.push((attr, Value::set(items)));
                        }
                        object(attrs)
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Azure's order is its own: the reference's order by name, others after.
        let order: Vec<String> = reference
            .get_attr("security_rule")
            .and_then(Value::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| vstr(r, "name").map(str::to_lowercase))
            .collect();
        rules.sort_by_key(|r| {
            let name = vstr(r, "name").unwrap_or_default().to_lowercase();
            order.iter().position(|n| *n == name).unwrap_or(usize::MAX)
        });
        object([
            ("id", jstr(remote, "/id")),
            ("name", jstr(remote, "/name")),
            ("resource_group_name", resource_group_of(remote)),
            ("location", jstr(remote, "/location")),
            ("tags", jmap(remote, "/tags")),
            ("security_rule", Value::list(rules)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::azure::validate::{NetworkRegistry, Patterns};

    fn config(rules: Json) -> Value {
        Value::from_json(&json!({
            "name": "nsg-aks", "resource_group_name": "rg", "location": "westeurope", "tags": null,
            "security_rule": rules,
        }))
    }

    #[test]
    fn rule_checks() {
        let patterns = Patterns::new();
        let network = NetworkRegistry::default();
        let checks = Checks {
            patterns: &patterns,
            network: &network,
        };
        let c = config(json!([
            {"name": "ssh", "priority": 1001, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
             "source_port_range": "*", "destination_port_range": "22", "source_address_prefix": "*", "destination_address_prefix": "*"},
            {"name": "SSH", "priority": 1001, "direction": "Inbound", "access": "Permit", "protocol": "Tcp",
             "source_port_range": "*", "source_port_ranges": ["1"], "destination_port_range": "22",
             "source_address_prefix": "*", "destination_address_prefix": "*"},
            {"name": "x", "priority": 50, "direction": "Outbound", "access": "Deny", "protocol": "Udp",
             "source_port_range": "*", "destination_port_range": "*", "source_address_prefix": "*"}
        ]));
        let errors: Vec<String> = NetworkSecurityGroup
            .validate(&c, &checks)
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("security_rule[1].access: Invalid access")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("security_rule[1].source_port_ranges: Conflicting")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("security_rule[1].name: Duplicate rule name")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("security_rule[1].priority: Duplicate rule priority")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("security_rule[2].priority: Invalid priority")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("security_rule[2]: Missing argument")
                    && e.contains("destination_address_prefix")),
            "{errors:?}"
        );
        assert_eq!(errors.len(), 6, "{errors:?}");
    }

    #[test]
    fn body_and_parse_round_trip() {
        let c = config(
            json!([{"name": "ssh", "priority": 1001, "direction": "Inbound", "access": "Allow",
            "protocol": "Tcp", "source_port_range": "*", "destination_port_range": "22",
            "source_address_prefix": "*", "destination_address_prefix": "*", "description": null,
            "source_port_ranges": null, "destination_port_ranges": null,
            "source_address_prefixes": null, "destination_address_prefixes": null}]),
        );
        let body = NetworkSecurityGroup.body(&c, None);
        assert_eq!(
            body["properties"]["securityRules"][0],
            json!({"name": "ssh", "properties": {"priority": 1001, "direction": "Inbound", "access": "Allow",
                "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "22",
                "sourceAddressPrefix": "*", "destinationAddressPrefix": "*"}})
        );
        let mut remote = body.clone();
        remote["id"] = json!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-aks");
        remote["name"] = json!("nsg-aks");
        remote["properties"]["securityRules"][0]["properties"]["sourcePortRanges"] = json!([]);
        let state = NetworkSecurityGroup.parse(&remote, &c);
        let rule = &state.get_attr("security_rule").unwrap().as_seq().unwrap()[0];
        assert_eq!(vstr(rule, "protocol"), Some("Tcp"));
        assert_eq!(rule.get_attr("priority").unwrap().as_number(), Some(1001.0));
    }
}
