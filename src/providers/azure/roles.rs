//! Built-in Azure role definitions by name. Their IDs are the same in every subscription and
//! cloud, which lets `role_definition_name` be checked at validate time, before any call to
//! Azure, and turned into `role_definition_id` at plan time. Custom roles are given by
//! `role_definition_id`.

/// (role name, role definition GUID), by name.
pub const BUILT_IN_ROLES: &[(&str, &str)] = &[
    ("AcrDelete", "c2f4ef07-c644-48eb-af81-4b1b4947fb11"),
    ("AcrImageSigner", "6cef56e8-d556-48e5-a04f-b8e64114680f"),
    ("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"),
    ("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"),
    (
        "Azure Kubernetes Service Cluster Admin Role",
        "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
    ),
    (
        "Azure Kubernetes Service Cluster User Role",
        "4abbcc35-e782-43d8-92c5-2d3c1bd2ad0f",
    ),
    (
        "Azure Kubernetes Service Contributor Role",
        "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
    ),
    (
        "Azure Kubernetes Service RBAC Admin",
        "3498e952-d568-435e-9b2c-8d77e338d7f7",
    ),
    (
        "Azure Kubernetes Service RBAC Cluster Admin",
        "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    ),
    (
        "Azure Kubernetes Service RBAC Reader",
        "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    ),
    (
        "Azure Kubernetes Service RBAC Writer",
        "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    ),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    (
        "Key Vault Administrator",
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    ),
    (
        "Key Vault Secrets User",
        "4633458b-17de-408a-b874-0445c86b69e6",
    ),
    (
        "Log Analytics Contributor",
        "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
    ),
    (
        "Log Analytics Reader",
        "73c42c96-874c-492b-b04d-ab87d138a893",
    ),
    (
        "Managed Identity Contributor",
        "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59",
    ),
    (
        "Managed Identity Operator",
        "f1a07417-d97a-45cb-824c-7a7467783830",
    ),
    (
        "Monitoring Contributor",
        "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    ),
    (
        "Monitoring Metrics Publisher",
        "3913510d-42f4-4e42-8a64-420c390055eb",
    ),
    ("Monitoring Reader", "43d0d8ad-25c7-4714-9337-8ba259a9fe05"),
    (
        "Network Contributor",
        "4d97b98b-1d4f-4787-a291-c67834d212e7",
    ),
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
    (
        "Private DNS Zone Contributor",
        "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    ),
    ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    (
        "Storage Account Contributor",
        "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    ),
    (
        "Storage Blob Data Contributor",
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    ),
    (
        "Storage Blob Data Owner",
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    ),
    (
        "Storage Blob Data Reader",
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    ),
    (
        "User Access Administrator",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    ),
    (
        "Virtual Machine Contributor",
        "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
    ),
];

/// The GUID of a built-in role, by name (Azure role names are case-insensitive).
pub fn guid_of(name: &str) -> Option<&'static str> {
    BUILT_IN_ROLES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, g)| *g)
}

/// The name of a built-in role from a role definition ID or bare GUID.
pub fn name_of(role_definition_id: &str) -> Option<&'static str> {
    let guid = role_definition_id.rsplit('/').next()?;
    BUILT_IN_ROLES
        .iter()
        .find(|(_, g)| g.eq_ignore_ascii_case(guid))
        .map(|(n, _)| *n)
}

/// The role definition ID a role assignment in `subscription` uses for role `guid`, as ARM
/// returns it.
pub fn definition_id(subscription: &str, guid: &str) -> String {
    format!(
        "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    )
}

/// Names for "Did you mean" hints.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILT_IN_ROLES.iter().map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(
            guid_of("acrpull"),
            Some("7f951dda-4ed3-4680-a7ca-43fe172d538d")
        );
        assert_eq!(
            name_of("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/7F951DDA-4ED3-4680-A7CA-43FE172D538D"),
            Some("AcrPull")
        );
        assert_eq!(guid_of("AcrPul"), None);
        let mut sorted: Vec<&str> = names().collect();
        sorted.sort_unstable();
        assert_eq!(sorted, names().collect::<Vec<_>>(), "kept sorted by name");
    }
}
