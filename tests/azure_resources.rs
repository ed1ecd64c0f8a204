//! Every Azure resource type end to end through the binary against the ARM stand-in, which
//! echoes resources the way Azure does: create, read (a plan after apply is empty), update in
//! place, replace, import, delete; every request body checked against the official
//! specifications.

#[path = "arm_standin/mod.rs"]
mod arm_standin;
#[path = "azure_support/mod.rs"]
mod azure_support;

use arm_standin::StandIn;
use azure_support::{assert_bodies_conform, assert_no_changes, attributes, config, flinkform, ok, write, PROVIDER};

fn standin() -> StandIn {
    let s = StandIn::start();
    azure_support::azure_like::install(&s);
    s
}

const GROUP: &str = r#"
resource "azure_resource_group" "main" {
  name     = "rg-flink"
  location = "West Europe"
  tags     = { Environment = "dev" }
}
"#;

#[test]
fn resource_group_lifecycle() {
    let s = standin();
    let dir = config(&format!("{PROVIDER}{GROUP}"));
    let d = dir.path();
    let out = ok(d, &s, &["apply", "--auto-approve"]);
    assert!(out.stdout.contains("1 added"), "{}", out.stdout);
    // Azure answers "westeurope" and "environment": the state keeps the configuration's spelling.
    let a = attributes(d, "azure_resource_group.main");
    assert_eq!(a["location"], "West Europe");
    assert_eq!(a["tags"], serde_json::json!({"Environment": "dev"}));
    assert_eq!(a["id"], format!("/subscriptions/{}/resourceGroups/rg-flink", s.subscription_id));
    assert_no_changes(d, &s);

    // In place: tags.
    write(d, &format!("{PROVIDER}{}", GROUP.replace("\"dev\"", "\"test\"")));
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("will be updated in-place"), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);

    // Replace: the location.
    write(d, &format!("{PROVIDER}{}", GROUP.replace("\"dev\"", "\"test\"").replace("West Europe", "North Europe")));
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert!(plan.stdout.contains("# forces replacement"), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(s.resource(&format!("/subscriptions/{}/resourceGroups/rg-flink", s.subscription_id)).unwrap()["location"], "northeurope");
    assert_no_changes(d, &s);

    // Import into a fresh state, then no change.
    let id = format!("/subscriptions/{}/resourcegroups/rg-flink", s.subscription_id);
    std::fs::remove_dir_all(d.join("state")).unwrap();
    let imported = ok(d, &s, &["import", "azure_resource_group.main", &id]);
    assert!(imported.stdout.contains("Import successful!"), "{}", imported.stdout);
    let again = flinkform(d, &s, &["import", "azure_resource_group.main", &id]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("Resource already managed by flinkform"), "{}", again.stderr);
    assert_no_changes(d, &s);

    // Delete.
    let out = ok(d, &s, &["destroy", "--auto-approve"]);
    assert!(out.stdout.contains("1 destroyed"), "{}", out.stdout);
    assert!(s.resource_ids().is_empty(), "{:?}", s.resource_ids());
    assert_bodies_conform(&s);
}

/// Forgets `address` and imports it again by its ID; a plan is then empty.
fn reimport(d: &std::path::Path, s: &StandIn, address: &str) {
    let id = attributes(d, address)["id"].as_str().unwrap().to_string();
    ok(d, s, &["state", "rm", address]);
    let out = ok(d, s, &["import", address, &id]);
    assert!(out.stdout.contains("Import successful!"), "{}", out.stdout);
    assert_no_changes(d, s);
}

const NETWORK: &str = r#"
resource "azure_resource_group" "main" {
  name     = "rg-net"
  location = "West Europe"
}

resource "azure_virtual_network" "main" {
  name                = "vnet-flink"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  address_space       = ["10.1.0.0/16"]
  tags                = { Team = "data" }
}

resource "azure_network_security_group" "aks" {
  name                = "nsg-aks"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name

  security_rule {
    name                       = "SSH"
    priority                   = 1001
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "TCP"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "10.1.4.0/24"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "FlinkUI"
    priority                   = 1002
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["8081", "443"]
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "*"
  }
}

resource "azure_subnet" "aks" {
  name                 = "snet-aks"
  resource_group_name  = azure_resource_group.main.name
  virtual_network_name = azure_virtual_network.main.name
  address_prefixes     = ["10.1.0.0/22"]
  service_endpoints    = ["Microsoft.Storage"]
}

resource "azure_subnet" "ops" {
  name                 = "snet-ops"
  resource_group_name  = azure_resource_group.main.name
  virtual_network_name = azure_virtual_network.main.name
  address_prefixes     = ["10.1.4.0/24"]
}

resource "azure_subnet_network_security_group_association" "aks" {
  subnet_id                 = azure_subnet.aks.id
  network_security_group_id = azure_network_security_group.aks.id
}
"#;

#[test]
fn network_lifecycle() {
    let s = standin();
    let dir = config(&format!("{PROVIDER}{NETWORK}"));
    let d = dir.path();
    let out = ok(d, &s, &["apply", "--auto-approve"]);
    assert!(out.stdout.contains("6 added"), "{}", out.stdout);
    assert_no_changes(d, &s);
    let subnet_id = attributes(d, "azure_subnet.aks")["id"].as_str().unwrap().to_string();
    let nsg_of_subnet = |s: &StandIn| s.resource(&subnet_id).unwrap()["properties"]["networkSecurityGroup"]["id"].clone();
    assert!(nsg_of_subnet(&s).as_str().unwrap().ends_with("/networkSecurityGroups/nsg-aks"));

    // In place: tags, DNS servers, a rule's port, a subnet's prefix and endpoints. The subnet
    // keeps its security group (set by the association) through its own update.
    let changed = NETWORK
        .replace("tags                = { Team = \"data\" }", "tags                = { Team = \"platform\" }\n  dns_servers         = [\"10.1.0.4\"]")
        .replace("destination_port_range     = \"22\"", "destination_port_range     = \"2222\"")
        .replace("address_prefixes     = [\"10.1.0.0/22\"]\n  service_endpoints    = [\"Microsoft.Storage\"]", "address_prefixes     = [\"10.1.0.0/23\"]\n  service_endpoints    = [\"Microsoft.Storage\", \"Microsoft.KeyVault\"]");
    write(d, &format!("{PROVIDER}{changed}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("Plan: 0 to add, 3 to change, 0 to destroy."), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);
    assert!(!nsg_of_subnet(&s).is_null(), "the association survives the subnet's update");
    assert_eq!(s.resource(&subnet_id).unwrap()["properties"]["addressPrefix"], "10.1.0.0/23");

    // Replace: a subnet's name replaces it and its association.
    let renamed = changed.replace("\"snet-aks\"", "\"snet-aks2\"");
    write(d, &format!("{PROVIDER}{renamed}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("Plan: 2 to add, 0 to change, 2 to destroy."), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    assert!(s.resource(&subnet_id).is_none());
    assert_no_changes(d, &s);

    for address in [
        "azure_virtual_network.main",
        "azure_subnet.aks",
        "azure_network_security_group.aks",
        "azure_subnet_network_security_group_association.aks",
    ] {
        reimport(d, &s, address);
    }

    ok(d, &s, &["destroy", "--auto-approve"]);
    assert!(s.resource_ids().is_empty(), "{:?}", s.resource_ids());
    assert_bodies_conform(&s);
}

const WORKSPACE: &str = r#"
resource "azure_resource_group" "main" {
  name     = "rg-logs"
  location = "westeurope"
}

resource "azure_log_analytics_workspace" "main" {
  name                = "log-flink"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  sku                 = "PerGB2018"
}

output "workspace_id" {
  value = azure_log_analytics_workspace.main.workspace_id
}
"#;

#[test]
fn log_analytics_workspace_lifecycle() {
    let s = standin();
    let dir = config(&format!("{PROVIDER}{WORKSPACE}"));
    let d = dir.path();
    let out = ok(d, &s, &["apply", "--auto-approve"]);
    assert!(!out.all().contains("standin-primary-key"), "{}", out.all());
    let a = attributes(d, "azure_log_analytics_workspace.main");
    // Azure's "pergb2018" and its default retention.
    assert_eq!(a["sku"], "PerGB2018");
    assert_eq!(a["retention_in_days"], 30);
    assert_eq!(a["primary_shared_key"], "standin-primary-key-log-flink");
    assert_no_changes(d, &s);

    write(d, &format!("{PROVIDER}{}", WORKSPACE.replace("sku                 = \"PerGB2018\"", "sku                 = \"PerGB2018\"\n  retention_in_days   = 90")));
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("~ retention_in_days") && plan.stdout.contains("30 -> 90"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("standin-primary-key"), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);

    write(d, &format!("{PROVIDER}{}", WORKSPACE.replace("log-flink", "log-flink2")));
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    reimport(d, &s, "azure_log_analytics_workspace.main");
    ok(d, &s, &["destroy", "--auto-approve"]);
    assert!(s.resource_ids().is_empty(), "{:?}", s.resource_ids());
    assert_bodies_conform(&s);
}
