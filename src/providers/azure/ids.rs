//! Azure Resource Manager resource IDs: building them from names, parsing them for import, and
//! comparing them the way ARM does (case-insensitively: ARM answers with IDs whose segment
//! keys and names may differ in case from what was sent, e.g. `resourcegroups/RG1`).

use crate::providers::ProviderError;

/// An ARM resource ID split into its parts:
/// `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}]...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArmId {
    pub subscription: String,
    /// Absent for subscription-level resources.
    pub resource_group: Option<String>,
    /// The provider namespace (`Microsoft.Network`); absent for a resource group itself.
    pub namespace: Option<String>,
    /// `(type, name)` pairs after the namespace: `[("virtualNetworks", "v"), ("subnets", "s")]`.
    pub children: Vec<(String, String)>,
}

impl ArmId {
    /// The ID of a resource group.
    pub fn resource_group(subscription: &str, name: &str) -> String {
        format!("/subscriptions/{subscription}/resourceGroups/{name}")
    }

    /// The ID of a resource in a resource group: `types_and_names` are `(type, name)` pairs.
    pub fn in_group(
        subscription: &str,
        resource_group: &str,
        namespace: &str,
        types_and_names: &[(&str, &str)],
    ) -> String {
        let mut id = format!(
            "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/{namespace}"
        );
        for (ty, name) in types_and_names {
            id.push('/');
            id.push_str(ty);
            id.push('/');
            id.push_str(name);
        }
        id
    }

    /// Parses a resource group or resource ID; segment keys are matched case-insensitively.
    pub fn parse(id: &str) -> Result<ArmId, String> {
        let trimmed = id.trim_end_matches('/');
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Err("an Azure resource ID starts with \"/subscriptions/\"".into());
        };
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err("the ID has an empty segment".into());
        }
        let mut it = segments.into_iter();
        let (Some(key), Some(subscription)) = (it.next(), it.next()) else {
            return Err(
                "an Azure resource ID starts with \"/subscriptions/{subscription ID}\"".into(),
            );
        };
        if !key.eq_ignore_ascii_case("subscriptions") {
            return Err("an Azure resource ID starts with \"/subscriptions/\"".into());
        }
        let mut out = ArmId {
            subscription: subscription.to_string(),
            resource_group: None,
            namespace: None,
            children: Vec::new(),
        };
        let rest: Vec<&str> = it.collect();
        let mut i = 0;
        if rest
            .first()
            .is_some_and(|k| k.eq_ignore_ascii_case("resourceGroups"))
        {
            let Some(rg) = rest.get(1) else {
                return Err("the resource group name is missing after \"resourceGroups\"".into());
            };
            out.resource_group = Some(rg.to_string());
            i = 2;
        }
        if i < rest.len() {
            if !rest[i].eq_ignore_ascii_case("providers") {
                return Err(format!("expected \"providers\", found {:?}", rest[i]));
            }
            let Some(ns) = rest.get(i + 1) else {
                return Err("the provider namespace is missing after \"providers\"".into());
            };
            out.namespace = Some(ns.to_string());
            let pairs = &rest[i + 2..];
            if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
                return Err("a resource type and name must follow the provider namespace".into());
            }
            for pair in pairs.chunks(2) {
                if let [ty, name] = pair {
                    out.children.push((ty.to_string(), name.to_string()));
                }
            }
        }
        Ok(out)
    }

    /// The name of the child of type `ty` (case-insensitive), if the ID has one.
    pub fn name_of(&self, ty: &str) -> Option<&str> {
        self.children
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(ty))
            .map(|(_, n)| n.as_str())
    }

    /// Whether the ID is of namespace `ns` and exactly the child types `types`, in order.
    pub fn is_type(&self, ns: &str, types: &[&str]) -> bool {
        self.namespace
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(ns))
            && self.children.len() == types.len()
            && self
                .children
                .iter()
                .zip(types)
                .all(|((t, _), want)| t.eq_ignore_ascii_case(want))
    }
}

/// Whether two ARM IDs name the same resource (ARM IDs are case-insensitive).
pub fn same_id(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Parses an import ID of the expected shape, as an error naming the resource type otherwise.
/// `types` empty means a resource group ID.
pub fn parse_import_id(
    type_name: &str,
    id: &str,
    namespace: &str,
    types: &[&str],
    example: &str,
) -> Result<ArmId, ProviderError> {
    let invalid = |message: String| ProviderError::InvalidImportId {
        type_name: type_name.to_string(),
        id: id.to_string(),
        message,
    };
    let parsed =
        ArmId::parse(id).map_err(|m| invalid(format!("{m}; expected an ID like {example}")))?;
    let ok = if types.is_empty() {
        parsed.resource_group.is_some() && parsed.namespace.is_none()
    } else {
        parsed.resource_group.is_some() && parsed.is_type(namespace, types)
    };
    if ok {
        Ok(parsed)
    } else {
        Err(invalid(format!("expected an ID like {example}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_parses() {
        let id = ArmId::in_group(
            "sub",
            "rg",
            "Microsoft.Network",
            &[("virtualNetworks", "v"), ("subnets", "s")],
        );
        assert_eq!(
            id,
            "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
        );
        let p = ArmId::parse(&id.to_lowercase()).unwrap();
        assert_eq!(p.resource_group.as_deref(), Some("rg"));
        assert!(p.is_type("Microsoft.Network", &["virtualNetworks", "subnets"]));
        assert_eq!(p.name_of("SUBNETS"), Some("s"));
        let rg = ArmId::parse("/subscriptions/s/resourcegroups/RG1").unwrap();
        assert_eq!(rg.resource_group.as_deref(), Some("RG1"));
        assert_eq!(rg.namespace, None);
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "subscriptions/x",
            "/subscriptions",
            "/subscriptions/s/resourceGroups",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks",
            "/subscriptions/s/resourceGroups/rg/foo/bar",
            "/subscriptions//resourceGroups/rg",
        ] {
            assert!(ArmId::parse(bad).is_err(), "{bad:?}");
        }
        let e = parse_import_id(
            "azure_subnet",
            "/subscriptions/s/resourceGroups/rg",
            "Microsoft.Network",
            &["virtualNetworks", "subnets"],
            "/subscriptions/.../subnets/s",
        )
        .unwrap_err();
        assert!(e.to_string().contains("expected an ID like"), "{e}");
    }

    #[test]
    fn ids_compare_case_insensitively() {
        assert!(same_id(
            "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/V",
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/"
        ));
        assert!(!same_id(
            "/subscriptions/s/resourceGroups/a",
            "/subscriptions/s/resourceGroups/b"
        ));
    }
}
