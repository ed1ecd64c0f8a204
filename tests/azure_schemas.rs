//! The request-body validator against the official specifications themselves: the official
//! example requests conform, and it catches what it must (read-only properties sent, wrong
//! types, enums, patterns, required properties, unknown properties).

#[path = "arm_standin/mod.rs"]
mod arm_standin;
#[path = "azure_support/mod.rs"]
mod azure_support;

use std::path::Path;

use azure_support::spec::{Specs, Strict};
use serde_json::{json, Value};

fn specs() -> Specs {
    Specs::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/arm_standin/reference"))
}

const AKS: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1";

fn example(specs: &Specs, name: &str) -> Value {
    let _ = specs;
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/arm_standin/reference")
            .join(name),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn official_example_requests_conform() {
    let s = specs();
    let aks = example(
        &s,
        "aks-2025-10-01-example-ManagedClustersCreate_Update.json",
    );
    let body = &aks["parameters"]["parameters"];
    assert_eq!(
        s.check_request(
            "PUT",
            AKS,
            Some("2025-10-01"),
            Some(body),
            Strict::PROPERTIES
        ),
        Some(vec![])
    );
    let acr = example(&s, "acr-2025-11-01-example-RegistryCreate.json");
    let path = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myRegistry";
    assert_eq!(
        s.check_request(
            "PUT",
            path,
            Some("2025-11-01"),
            Some(&acr["parameters"]["registry"]),
            Strict::PROPERTIES
        ),
        Some(vec![])
    );
}

#[test]
fn official_example_responses_conform_to_their_definitions() {
    let s = specs();
    let aks = example(
        &s,
        "aks-2025-10-01-example-ManagedClustersCreate_Update.json",
    );
    for status in ["200", "201"] {
        let body = &aks["responses"][status]["body"];
        assert_eq!(
            s.check_definition(
                "aks-2025-10-01-managedClusters.json",
                "ManagedCluster",
                body,
                Strict::PROPERTIES
            ),
            Vec::<String>::new()
        );
    }
    let creds = example(
        &s,
        "aks-2025-10-01-example-ManagedClustersListClusterUserCredentials.json",
    );
    assert_eq!(
        s.check_definition(
            "aks-2025-10-01-managedClusters.json",
            "CredentialResults",
            &creds["responses"]["200"]["body"],
            Strict::PROPERTIES
        ),
        Vec::<String>::new()
    );
    let acr = example(&s, "acr-2025-11-01-example-RegistryCreate.json");
    assert_eq!(
        s.check_definition(
            "acr-2025-11-01-containerregistry.json",
            "Registry",
            &acr["responses"]["200"]["body"],
            Strict::PROPERTIES
        ),
        Vec::<String>::new()
    );
}

#[test]
fn catches_what_it_must() {
    let s = specs();
    let body = json!({
        "location": "westeurope",
        "properties": {
            "fqdn": "x.hcp.azmk8s.io",
            "dnsPrefix": 3,
            "agentPoolProfiles": [{"name": "Bad_Pool", "count": 1, "osType": "Plan9", "osDiskSizeGb": 30}],
            "networkProfile": {"outboundType": "carrierPigeon"}
        }
    });
    let problems = s
        .check_request("PUT", AKS, Some("2025-10-01"), Some(&body), Strict::ALL)
        .unwrap();
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(has("$.properties.fqdn: read-only"), "{problems:#?}");
    assert!(
        has("$.properties.dnsPrefix: expected a string"),
        "{problems:#?}"
    );
    assert!(
        has("$.properties.agentPoolProfiles[0].name: \"Bad_Pool\" does not match"),
        "{problems:#?}"
    );
    assert!(
        has("$.properties.agentPoolProfiles[0].osType: \"Plan9\" is not one of"),
        "{problems:#?}"
    );
    assert!(
        has("$.properties.agentPoolProfiles[0].osDiskSizeGb: not a property"),
        "{problems:#?}"
    );
    assert!(
        has("$.properties.networkProfile.outboundType: \"carrierPigeon\""),
        "{problems:#?}"
    );
    let wrong_version = s
        .check_request("PUT", AKS, Some("2024-01-01"), Some(&body), Strict::ALL)
        .unwrap();
    assert!(
        wrong_version[0].contains("api-version"),
        "{wrong_version:?}"
    );
    let ra = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/providers/Microsoft.Authorization/roleAssignments/0b1c";
    let missing = s
        .check_request(
            "PUT",
            ra,
            Some("2022-04-01"),
            Some(&json!({"properties": {"principalId": "p"}})),
            Strict::ALL,
        )
        .unwrap();
    assert!(
        missing
            .iter()
            .any(|p| p.contains("missing required property \"roleDefinitionId\"")),
        "{missing:?}"
    );
    // Networks are not in the copied specifications.
    assert!(s
        .check_request(
            "PUT",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            Some("2024-05-01"),
            None,
            Strict::ALL
        )
        .is_none());
}
