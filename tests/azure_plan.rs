//! Plans that tell what Azure will really do: what the platform changes outside flinkform
//! (the autoscaler's node count) is no change, a real change outside is drift, and spelling
//! differences in what Azure answers never make a plan.

#[path = "arm_standin/mod.rs"]
mod arm_standin;
#[path = "azure_support/mod.rs"]
mod azure_support;

use arm_standin::StandIn;
use azure_support::{assert_no_changes, attributes, config, ok, PROVIDER};

const CLUSTER: &str = r#"
resource "azure_resource_group" "main" {
  name     = "rg-plan"
  location = "West Europe"
  tags     = { CostCenter = "42" }
}

resource "azure_kubernetes_cluster" "main" {
  name                = "aks-plan"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  dns_prefix          = "aks-plan"
  kubernetes_version  = "1.33"

  default_node_pool {
    name                 = "system"
    vm_size              = "Standard_D4s_v5"
    auto_scaling_enabled = true
    min_count            = 1
    max_count            = 5
  }

  identity {
    type = "SystemAssigned"
  }
}
"#;

#[test]
fn the_autoscaler_s_node_count_is_no_change_but_real_drift_is() {
    let s = StandIn::start();
    azure_support::azure_like::install(&s);
    let dir = config(&format!("{PROVIDER}{CLUSTER}"));
    let d = dir.path();
    ok(d, &s, &["apply", "--auto-approve"]);
    let cluster = attributes(d, "azure_kubernetes_cluster.main");
    assert_eq!(cluster["default_node_pool"][0]["node_count"], 1);
    assert_eq!(cluster["kubernetes_version"], "1.33");
    assert_eq!(cluster["current_kubernetes_version"], "1.33.2");
    assert_no_changes(d, &s);

    // The autoscaler grows the pool: neither drift nor a change.
    let id = cluster["id"].as_str().unwrap().to_string();
    let mut remote = s.resource(&id).unwrap();
    remote["properties"]["agentPoolProfiles"][0]["count"] = serde_json::json!(4);
    s.seed(&id, remote);
    let plan = ok(d, &s, &["plan", "--detailed-exitcode"]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    assert!(!plan.stdout.contains("changed outside"), "{}", plan.stdout);

    // Someone edits a tag in the portal: that is drift, and the plan puts it back.
    let rg = attributes(d, "azure_resource_group.main")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut group = s.resource(&rg).unwrap();
    group["tags"] = serde_json::json!({"costcenter": "43"});
    s.seed(&rg, group);
    let plan = azure_support::flinkform(d, &s, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(plan.stdout.contains("\"43\" -> \"42\""), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);
}
