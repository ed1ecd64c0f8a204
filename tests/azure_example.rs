//! `examples/aks-flink` against the ARM stand-in: it validates, plans, applies end to end, plans
//! empty afterwards, and its mistakes are caught before any call to Azure.

#[path = "arm_standin/mod.rs"]
mod arm_standin;
#[path = "azure_support/mod.rs"]
mod azure_support;

use std::path::{Path, PathBuf};

use arm_standin::StandIn;
use azure_support::{assert_bodies_conform, assert_no_changes, attributes, flinkform, ok};

fn example_copy() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aks-flink");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "hcl") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// ARM calls the stand-in answered (token requests aside).
fn arm_calls(s: &StandIn) -> usize {
    s.requests()
        .iter()
        .filter(|r| !r.path.ends_with("/oauth2/v2.0/token"))
        .count()
}

#[test]
fn the_example_validates_plans_applies_and_then_plans_empty() {
    let s = StandIn::start();
    azure_support::azure_like::install(&s);
    let dir = example_copy();
    let d = dir.path();
    let v = ok(d, &s, &["validate"]);
    assert!(
        v.stdout.contains("Success! The configuration is valid."),
        "{}",
        v.stdout
    );
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 16 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert_eq!(arm_calls(&s), 0, "planning an empty state reads nothing");

    let out = ok(d, &s, &["apply", "--auto-approve"]);
    assert!(
        out.stdout.contains("Apply complete! Resources: 16 added"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout
            .contains("registry_login_server = \"flinkdevacr001.azurecr.io\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("kube_config = <sensitive>"),
        "{}",
        out.stdout
    );
    let cluster = attributes(d, "azure_kubernetes_cluster.main");
    assert_eq!(cluster["network_profile"][0]["network_plugin"], "azure");
    assert_eq!(cluster["network_profile"][0]["network_policy"], "azure");
    assert_eq!(cluster["network_profile"][0]["dns_service_ip"], "10.0.0.10");
    assert_eq!(cluster["role_based_access_control_enabled"], true);
    assert!(cluster["oms_agent"][0]["log_analytics_workspace_id"]
        .as_str()
        .unwrap()
        .contains("/workspaces/log-flink-dev"));
    let pull = attributes(d, "azure_role_assignment.kubelet_acr_pull");
    assert_eq!(pull["role_definition_name"], "AcrPull");
    assert_eq!(
        pull["principal_id"],
        cluster["kubelet_identity"][0]["object_id"]
    );
    for subnet in ["public", "ops", "aks"] {
        let id = attributes(d, &format!("azure_subnet.subnet[\"{subnet}\"]"))["id"]
            .as_str()
            .unwrap()
            .to_string();
        let nsg = &s.resource(&id).unwrap()["properties"]["networkSecurityGroup"]["id"];
        assert!(
            nsg.as_str()
                .unwrap()
                .ends_with(&format!("/nsg-flink-dev-{subnet}")),
            "{nsg}"
        );
    }
    assert_no_changes(d, &s);
    assert_bodies_conform(&s);

    ok(d, &s, &["destroy", "--auto-approve"]);
    assert!(s.resource_ids().is_empty(), "{:#?}", s.resource_ids());
}

#[test]
fn mistakes_are_caught_before_any_call_to_azure() {
    let s = StandIn::start();
    let dir = example_copy();
    let d = dir.path();
    let vars = [
        "--var=registry_name=flink-acr",
        "--var=ops_subnet_prefix=10.20.0.128/25",
        "--var=service_cidr=10.0.0.0/16",
        "--var=kubernetes_version=1.33.x",
    ];
    let mut args = vec!["plan"];
    args.extend(vars);
    let r = flinkform(d, &s, &args);
    assert_eq!(r.code, 1, "{}", r.all());
    for expected in [
        "Error: Invalid name",
        "\"flink-acr\" is not a valid name: 5 to 50 letters and digits only",
        "Error: Overlapping subnets",
        "overlaps 10.20.0.128/25 of subnet \"snet-ops\"",
        "Error: Invalid Kubernetes version",
    ] {
        assert!(
            r.stderr.contains(expected),
            "{expected:?} missing:\n{}",
            r.stderr
        );
    }
    // The argument is underlined in the configuration.
    assert!(
        r.stderr.contains("name                = var.registry_name"),
        "{}",
        r.stderr
    );
    std::fs::write(
        d.join("main.hcl"),
        std::fs::read_to_string(d.join("main.hcl"))
            .unwrap()
            .replace(
                "sku                 = \"Premium\"",
                "sku                 = \"Standard\"",
            )
            .replace(
                "role_definition_name = \"AcrPull\"",
                "role_definition_name = \"AcrPul\"",
            )
            .replace(
                "name                        = \"system\"",
                "name                        = \"System\"",
            )
            .replace(
                "dns_service_ip    = cidrhost(var.service_cidr, 10)",
                "dns_service_ip    = \"10.1.0.10\"",
            ),
    )
    .unwrap();
    let r = flinkform(d, &s, &["plan"]);
    assert_eq!(r.code, 1, "{}", r.all());
    for expected in [
        "Error: Premium-only registry option",
        "geo-replication needs the Premium tier, but sku is \"Standard\"",
        "Error: Unknown role",
        "Did you mean \"AcrPull\"?",
        "(at default_node_pool[0].name)",
        "Error: DNS service IP outside the service CIDR",
    ] {
        assert!(
            r.stderr.contains(expected),
            "{expected:?} missing:\n{}",
            r.stderr
        );
    }
    let v = flinkform(d, &s, &["validate"]);
    assert_eq!(v.code, 1);
    assert!(v.stderr.contains("Error: Unknown role"), "{}", v.stderr);
    assert_eq!(
        arm_calls(&s),
        0,
        "a call reached Azure: {:#?}",
        s.requests()
    );
}
