//! Normalising what Azure echoes back, so that a plan after an apply (or an import) is empty
//! when nothing really differs.
//!
//! ARM answers with its own spelling of what was sent: locations as `westeurope` for
//! "West Europe", IDs with other casing (`resourcegroups/RG1`), tag keys in another case,
//! `kubernetesVersion` "1.29.7" for "1.29", empty arrays or strings for arguments left unset.
//! [`reconcile`] walks a value and a reference value together and, wherever the two are
//! equivalent under the attribute's [`Semantic`] (or both "absent-like"), keeps the
//! reference's spelling. It is used in three places:
//! - reading: the remote object reconciled with the prior state (no drift from spelling);
//! - applying: the response reconciled with the planned state (the state keeps what the
//!   configuration says, so the next plan compares equal);
//! - planning: the proposed state reconciled with the prior state (an imported object, stored
//!   in Azure's spelling, plans as no change against a configuration that spells it otherwise).

use std::collections::BTreeMap;

use crate::lang::{Value, ValueKind};

use super::ids::same_id;

/// How values of one attribute compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Semantic {
    /// Azure locations: case and spaces do not matter ("West Europe" = "westeurope").
    Location,
    /// ARM resource IDs: case-insensitive.
    ArmId,
    /// Enumerations Azure echoes in its own case ("standard" = "Standard").
    CaseInsensitive,
    /// A Kubernetes version: the wanted "1.29" is satisfied by the actual "1.29.7".
    KubernetesVersion,
    /// A map whose keys compare case-insensitively (tags); values compare exactly.
    TagKeys,
    /// IDs that name the same thing by their last segment, case-insensitively (a role
    /// definition given as `/providers/.../roleDefinitions/{guid}` or under a subscription).
    LastSegment,
}

/// The semantics of a resource type's attributes, by dotted path without indices
/// (`default_node_pool.vnet_subnet_id`).
pub type Semantics = &'static [(&'static str, Semantic)];

/// Which of the two values is the one wanted (configuration-like), for directional semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `value` is the wanted one and the reference is what Azure has (planning).
    ValueWanted,
    /// `value` is what Azure has and the reference is the wanted one (reading, applying).
    ReferenceWanted,
}

/// A bound on nesting, far above what any schema here has.
const MAX_DEPTH: usize = 32;

/// `value` with every part that is equivalent to the corresponding part of `reference`
/// replaced by the reference's (see the module documentation).
pub fn reconcile(value: Value, reference: &Value, semantics: Semantics, side: Side) -> Value {
    reconcile_at(value, reference, semantics, side, "", 0)
}

fn lookup(semantics: Semantics, path: &str) -> Option<Semantic> {
    semantics.iter().find(|(p, _)| *p == path).map(|(_, s)| *s)
}

fn child_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn reconcile_at(
    value: Value,
    reference: &Value,
    semantics: Semantics,
    side: Side,
    path: &str,
    depth: usize,
) -> Value {
    if depth > MAX_DEPTH || !value.is_known() || !reference.is_known() {
        return value;
    }
    if is_absent_like(&value) && is_absent_like(reference) {
        return reference.clone().mark_sensitive_if(value.is_sensitive());
    }
    let semantic = lookup(semantics, path);
    if let (Some(sem), Some(v), Some(r)) = (semantic, value.as_str(), reference.as_str()) {
        let (wanted, actual) = match side {
            Side::ValueWanted => (v, r),
            Side::ReferenceWanted => (r, v),
        };
        if equivalent(sem, wanted, actual) {
            return reference.clone().mark_sensitive_if(value.is_sensitive());
        }
        return value;
    }
    let sensitive = value.is_sensitive();
    let out = match value.into_kind() {
        ValueKind::Object(attrs) => {
            let attrs = attrs
                .into_iter()
                .map(|(k, v)| {
                    let v = match reference.get_attr(&k) {
                        Some(r) => {
                            reconcile_at(v, r, semantics, side, &child_path(path, &k), depth + 1)
                        }
                        None => v,
                    };
                    (k, v)
                })
                .collect();
            Value::object(attrs)
        }
        ValueKind::Map(entries) => {
            let tag_keys = semantic == Some(Semantic::TagKeys);
            let ref_map = reference.as_map();
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let ref_key = ref_map.and_then(|m| {
                    if m.contains_key(&k) {
                        Some(k.clone())
                    } else if tag_keys {
                        m.keys().find(|rk| rk.eq_ignore_ascii_case(&k)).cloned()
                    } else {
                        None
                    }
                });
                match (ref_key, ref_map) {
                    (Some(rk), Some(m)) => {
                        let r = m.get(&rk).cloned().unwrap_or_else(Value::null);
                        let v =
                            reconcile_at(v, &r, semantics, side, &child_path(path, "*"), depth + 1);
                        out.insert(rk, v);
                    }
                    _ => {
                        out.insert(k, v);
                    }
                }
            }
            Value::map(out)
        }
        ValueKind::List(elems) => Value::list(reconcile_seq(
            elems, reference, semantics, side, path, depth,
        )),
        ValueKind::Set(elems) => Value::set(reconcile_seq(
            elems, reference, semantics, side, path, depth,
        )),
        ValueKind::Tuple(elems) => Value::tuple(reconcile_seq(
            elems, reference, semantics, side, path, depth,
        )),
        other => Value::from(other),
    };
    out.mark_sensitive_if(sensitive)
}

/// Elements of a sequence: objects with a `name` are matched by name (nested blocks such as
/// security rules, whose order Azure may change), others by position.
fn reconcile_seq(
    elems: Vec<Value>,
    reference: &Value,
    semantics: Semantics,
    side: Side,
    path: &str,
    depth: usize,
) -> Vec<Value> {
    let refs = reference.as_seq().unwrap_or_default();
    let named = |v: &Value| {
        v.get_attr("name")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let by_name = !elems.is_empty() && elems.iter().all(|e| named(e).is_some());
    elems
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let r = if by_name {
                let name = named(&e).unwrap_or_default();
                refs.iter().find(|r| {
                    r.get_attr("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                })
            } else {
                refs.get(i)
            };
            match r {
                Some(r) => reconcile_at(e, r, semantics, side, path, depth + 1),
                None => e,
            }
        })
        .collect()
}

/// Null, "", and empty collections: what ARM answers for an argument left unset.
pub fn is_absent_like(v: &Value) -> bool {
    match v.kind() {
        ValueKind::Null(_) => true,
        ValueKind::String(s) => s.is_empty(),
        ValueKind::List(e) | ValueKind::Set(e) | ValueKind::Tuple(e) => e.is_empty(),
        ValueKind::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// Whether the `actual` value Azure has satisfies the `wanted` one.
pub fn equivalent(semantic: Semantic, wanted: &str, actual: &str) -> bool {
    match semantic {
        Semantic::Location => normalize_location(wanted) == normalize_location(actual),
        Semantic::ArmId => same_id(wanted, actual),
        Semantic::CaseInsensitive | Semantic::TagKeys => wanted.eq_ignore_ascii_case(actual),
        Semantic::KubernetesVersion => version_satisfied(wanted, actual),
        Semantic::LastSegment => {
            let last = |s: &str| {
                s.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
            };
            !wanted.is_empty() && last(wanted) == last(actual)
        }
    }
}

/// A location as ARM spells it: lower case without spaces ("West Europe" -> "westeurope").
pub fn normalize_location(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether the version `actual` ("1.29.7") is the wanted one or a patch of it ("1.29").
pub fn version_satisfied(wanted: &str, actual: &str) -> bool {
    if wanted == actual {
        return true;
    }
    let w: Vec<&str> = wanted.split('.').collect();
    let a: Vec<&str> = actual.split('.').collect();
    !wanted.is_empty() && w.len() <= a.len() && w.iter().zip(&a).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    const SEM: Semantics = &[
        ("location", Semantic::Location),
        ("tags", Semantic::TagKeys),
        ("kubernetes_version", Semantic::KubernetesVersion),
        ("pool.subnet_id", Semantic::ArmId),
        ("rule.protocol", Semantic::CaseInsensitive),
    ];

    #[test]
    fn remote_spelling_gives_way_to_the_wanted_one() {
        let remote = obj(&[
            ("location", Value::string("westeurope")),
            (
                "tags",
                Value::map([("environment".to_string(), Value::string("Prod"))].into()),
            ),
            ("kubernetes_version", Value::string("1.29.7")),
            (
                "pool",
                Value::list(vec![obj(&[(
                    "subnet_id",
                    Value::string("/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/a"),
                )])]),
            ),
            ("dns_servers", Value::list(vec![])),
        ]);
        let wanted = obj(&[
            ("location", Value::string("West Europe")),
            (
                "tags",
                Value::map([("Environment".to_string(), Value::string("Prod"))].into()),
            ),
            ("kubernetes_version", Value::string("1.29")),
            (
                "pool",
                Value::list(vec![obj(&[(
                    "subnet_id",
                    Value::string("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"),
                )])]),
            ),
            ("dns_servers", Value::null()),
        ]);
        let out = reconcile(remote, &wanted, SEM, Side::ReferenceWanted);
        assert_eq!(out.to_json(), wanted.to_json());
    }

    #[test]
    fn real_differences_stay() {
        let remote = obj(&[
            ("location", Value::string("northeurope")),
            (
                "tags",
                Value::map([("env".to_string(), Value::string("prod"))].into()),
            ),
            ("kubernetes_version", Value::string("1.30.1")),
        ]);
        let wanted = obj(&[
            ("location", Value::string("West Europe")),
            (
                "tags",
                Value::map([("Env".to_string(), Value::string("Prod"))].into()),
            ),
            ("kubernetes_version", Value::string("1.29")),
        ]);
        let out = reconcile(remote, &wanted, SEM, Side::ReferenceWanted);
        assert_eq!(
            out.get_attr("location").unwrap().as_str(),
            Some("northeurope")
        );
        assert_eq!(
            out.get_attr("kubernetes_version").unwrap().as_str(),
            Some("1.30.1")
        );
        // The key takes the wanted spelling, the value stays as it really is.
        assert_eq!(
            out.get_attr("tags").unwrap().to_json(),
            serde_json::json!({"Env": "prod"})
        );
    }

    #[test]
    fn versions_are_directional() {
        assert!(version_satisfied("1.29", "1.29.7"));
        assert!(!version_satisfied("1.29.7", "1.29"));
        assert!(!version_satisfied("1.2", "1.29.7"));
        assert!(!version_satisfied("", "1.29.7"));
        // Planning: the configuration (value) says 1.29, Azure (reference) has 1.29.7.
        let out = reconcile(
            obj(&[("kubernetes_version", Value::string("1.29"))]),
            &obj(&[("kubernetes_version", Value::string("1.29.7"))]),
            SEM,
            Side::ValueWanted,
        );
        assert_eq!(
            out.get_attr("kubernetes_version").unwrap().as_str(),
            Some("1.29.7")
        );
    }

    #[test]
    fn named_elements_match_by_name_and_unknowns_stay() {
        let remote = Value::set(vec![
            obj(&[
                ("name", Value::string("b")),
                ("protocol", Value::string("Tcp")),
            ]),
            obj(&[
                ("name", Value::string("a")),
                ("protocol", Value::string("Udp")),
            ]),
        ]);
        let wanted = Value::set(vec![
            obj(&[
                ("name", Value::string("a")),
                ("protocol", Value::string("UDP")),
            ]),
            obj(&[
                ("name", Value::string("b")),
                ("protocol", Value::string("TCP")),
            ]),
        ]);
        let out = reconcile(
            obj(&[("rule", remote)]),
            &obj(&[("rule", wanted.clone())]),
            SEM,
            Side::ReferenceWanted,
        );
        assert_eq!(out.get_attr("rule").unwrap().to_json(), wanted.to_json());

        let unknown = obj(&[("location", Value::unknown(crate::lang::Type::String))]);
        let out = reconcile(
            unknown.clone(),
            &obj(&[("location", Value::string("x"))]),
            SEM,
            Side::ValueWanted,
        );
        assert!(!out.get_attr("location").unwrap().is_known());
    }

    #[test]
    fn locations() {
        assert_eq!(normalize_location("West Europe"), "westeurope");
        assert!(equivalent(Semantic::Location, "UK South", "uksouth"));
        assert!(!equivalent(Semantic::Location, "UK South", "ukwest"));
    }
}
