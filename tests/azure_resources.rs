//! Every Azure resource type end to end through the binary against the ARM stand-in, which
//! echoes resources the way Azure does: create, read (a plan after apply is empty), update in
//! place, replace, import, delete; every request body checked against the official
//! specifications.

#[path = "arm_standin/mod.rs"]
mod arm_standin;
#[path = "azure_support/mod.rs"]
mod azure_support;

use arm_standin::StandIn;
use azure_support::{
    assert_bodies_conform, assert_no_changes, attributes, config, flinkform, ok, write, PROVIDER,
};

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
    assert_eq!(
        a["id"],
        format!(
            "/subscriptions/{}/resourceGroups/rg-flink",
            s.subscription_id
        )
    );
    assert_no_changes(d, &s);

    // In place: tags.
    write(
        d,
        &format!("{PROVIDER}{}", GROUP.replace("\"dev\"", "\"test\"")),
    );
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout.contains("will be updated in-place"),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);

    // Replace: the location.
    write(
        d,
        &format!(
            "{PROVIDER}{}",
            GROUP
                .replace("\"dev\"", "\"test\"")
                .replace("West Europe", "North Europe")
        ),
    );
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("# forces replacement"),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(
        s.resource(&format!(
            "/subscriptions/{}/resourceGroups/rg-flink",
            s.subscription_id
        ))
        .unwrap()["location"],
        "northeurope"
    );
    assert_no_changes(d, &s);

    // Import into a fresh state, then no change.
    let id = format!(
        "/subscriptions/{}/resourcegroups/rg-flink",
        s.subscription_id
    );
    std::fs::remove_dir_all(d.join("state")).unwrap();
    let imported = ok(d, &s, &["import", "azure_resource_group.main", &id]);
    assert!(
        imported.stdout.contains("Import successful!"),
        "{}",
        imported.stdout
    );
    let again = flinkform(d, &s, &["import", "azure_resource_group.main", &id]);
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("Resource already managed by flinkform"),
        "{}",
        again.stderr
    );
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
    let subnet_id = attributes(d, "azure_subnet.aks")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let nsg_of_subnet = |s: &StandIn| {
        s.resource(&subnet_id).unwrap()["properties"]["networkSecurityGroup"]["id"].clone()
    };
    assert!(nsg_of_subnet(&s)
        .as_str()
        .unwrap()
        .ends_with("/networkSecurityGroups/nsg-aks"));

    // In place: tags, DNS servers, a rule's port, a subnet's prefix and endpoints. The subnet
    // keeps its security group (set by the association) through its own update.
    let changed = NETWORK
        .replace("tags                = { Team = \"data\" }", "tags                = { Team = \"platform\" }\n  dns_servers         = [\"10.1.0.4\"]")
        .replace("destination_port_range     = \"22\"", "destination_port_range     = \"2222\"")
        .replace("address_prefixes     = [\"10.1.0.0/22\"]\n  service_endpoints    = [\"Microsoft.Storage\"]", "address_prefixes     = [\"10.1.0.0/23\"]\n  service_endpoints    = [\"Microsoft.Storage\", \"Microsoft.KeyVault\"]");
    write(d, &format!("{PROVIDER}{changed}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 3 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);
    assert!(
        !nsg_of_subnet(&s).is_null(),
        "the association survives the subnet's update"
    );
    assert_eq!(
        s.resource(&subnet_id).unwrap()["properties"]["addressPrefix"],
        "10.1.0.0/23"
    );

    // Replace: a subnet's name replaces it and its association.
    let renamed = changed.replace("\"snet-aks\"", "\"snet-aks2\"");
    write(d, &format!("{PROVIDER}{renamed}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 2 to add, 0 to change, 2 to destroy."),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert!(s.resource(&subnet_id).is_none());
    assert_no_changes(d, &s);

    // Replace: a security group's name replaces it and its association; the subnet stays.
    let regrouped = renamed.replace("\"nsg-aks\"", "\"nsg-aks2\"");
    write(d, &format!("{PROVIDER}{regrouped}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 2 to add, 0 to change, 2 to destroy."),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    let subnet2 = attributes(d, "azure_subnet.aks")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let nsg = s.resource(&subnet2).unwrap()["properties"]["networkSecurityGroup"]["id"].clone();
    assert!(nsg.as_str().unwrap().ends_with("/nsg-aks2"), "{nsg}");
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

    write(
        d,
        &format!(
            "{PROVIDER}{}",
            WORKSPACE.replace(
                "sku                 = \"PerGB2018\"",
                "sku                 = \"PerGB2018\"\n  retention_in_days   = 90"
            )
        ),
    );
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout.contains("~ retention_in_days") && plan.stdout.contains("30 -> 90"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("standin-primary-key"),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);

    write(
        d,
        &format!("{PROVIDER}{}", WORKSPACE.replace("log-flink", "log-flink2")),
    );
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    reimport(d, &s, "azure_log_analytics_workspace.main");
    ok(d, &s, &["destroy", "--auto-approve"]);
    assert!(s.resource_ids().is_empty(), "{:?}", s.resource_ids());
    assert_bodies_conform(&s);
}

const REGISTRY: &str = r#"
resource "azure_resource_group" "main" {
  name     = "rg-acr"
  location = "West Europe"
}

resource "azure_container_registry" "main" {
  name                = "flinkacr001"
  resource_group_name = azure_resource_group.main.name
  location            = azure_resource_group.main.location
  sku                 = "Premium"
  tags                = { Environment = "dev" }

  georeplications {
    location                = "North Europe"
    zone_redundancy_enabled = true
  }
}

output "login_server" {
  value = azure_container_registry.main.login_server
}
"#;

#[test]
fn container_registry_lifecycle() {
    let s = standin();
    let dir = config(&format!("{PROVIDER}{REGISTRY}"));
    let d = dir.path();
    let out = ok(d, &s, &["apply", "--auto-approve"]);
    assert!(
        out.stdout
            .contains("login_server = \"flinkacr001.azurecr.io\""),
        "{}",
        out.stdout
    );
    let registry_id = attributes(d, "azure_container_registry.main")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let replica = s
        .resource(&format!("{registry_id}/replications/northeurope"))
        .expect("replica");
    assert_eq!(replica["properties"]["zoneRedundancy"], "Enabled");
    assert_no_changes(d, &s);

    // In place: the admin user (its password comes back sensitive) and a second replica.
    let changed = REGISTRY
        .replace("sku                 = \"Premium\"", "sku                 = \"Premium\"\n  admin_enabled       = true")
        .replace("  georeplications {\n    location                = \"North Europe\"", "  georeplications {\n    location = \"UK South\"\n  }\n\n  georeplications {\n    location                = \"North Europe\"");
    write(d, &format!("{PROVIDER}{changed}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout.contains("will be updated in-place"),
        "{}",
        plan.stdout
    );
    let out = ok(d, &s, &["apply", "--auto-approve"]);
    assert!(
        !out.all().contains("standin-registry-password"),
        "{}",
        out.all()
    );
    assert!(s
        .resource(&format!("{registry_id}/replications/uksouth"))
        .is_some());
    assert_no_changes(d, &s);
    let shown = ok(d, &s, &["state", "show", "azure_container_registry.main"]);
    assert!(
        shown.stdout.contains("admin_password") && shown.stdout.contains("(sensitive value)"),
        "{}",
        shown.stdout
    );
    assert!(
        !shown.stdout.contains("standin-registry-password"),
        "{}",
        shown.stdout
    );

    // Removing a replica deletes it.
    write(
        d,
        &format!(
            "{PROVIDER}{}",
            changed.replace(
                "  georeplications {\n    location = \"UK South\"\n  }\n\n",
                ""
            )
        ),
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert!(s
        .resource(&format!("{registry_id}/replications/uksouth"))
        .is_none());
    assert_no_changes(d, &s);

    // Replace: zone redundancy of the registry.
    write(
        d,
        &format!(
            "{PROVIDER}{}",
            REGISTRY.replace(
                "sku                 = \"Premium\"",
                "sku                 = \"Premium\"\n  zone_redundancy_enabled = true"
            )
        ),
    );
    let plan = ok(d, &s, &["plan"]);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);

    reimport(d, &s, "azure_container_registry.main");
    ok(d, &s, &["destroy", "--auto-approve"]);
    assert!(s.resource_ids().is_empty(), "{:?}", s.resource_ids());
    assert_bodies_conform(&s);
}

const CLUSTER: &str = r#"
resource "azure_resource_group" "main" {
  name     = "rg-aks"
  location = "West Europe"
}

resource "azure_log_analytics_workspace" "main" {
  name                = "log-aks"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
}

resource "azure_virtual_network" "main" {
  name                = "vnet-aks"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  address_space       = ["10.2.0.0/16"]
}

resource "azure_subnet" "aks" {
  name                 = "snet-aks"
  resource_group_name  = azure_resource_group.main.name
  virtual_network_name = azure_virtual_network.main.name
  address_prefixes     = ["10.2.0.0/20"]
}

resource "azure_kubernetes_cluster" "main" {
  name                = "aks-flink"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  dns_prefix          = "aks-flink"
  kubernetes_version  = "1.33"
  tags                = { Environment = "dev" }

  default_node_pool {
    name                        = "system"
    vm_size                     = "Standard_D4s_v5"
    node_count                  = 2
    vnet_subnet_id              = azure_subnet.aks.id
    temporary_name_for_rotation = "systemtmp"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin    = "azure"
    network_policy    = "azure"
    load_balancer_sku = "Standard"
  }

  oms_agent {
    log_analytics_workspace_id = azure_log_analytics_workspace.main.id
  }

  linux_profile {
    admin_username = "azureuser"
    ssh_key {
      key_data = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlinkformTestKeyOnly flink@example"
    }
  }
}

resource "azure_kubernetes_cluster_node_pool" "flink" {
  name                  = "flink"
  kubernetes_cluster_id = azure_kubernetes_cluster.main.id
  vm_size               = "Standard_E8s_v5"
  auto_scaling_enabled  = true
  min_count             = 1
  max_count             = 3
  vnet_subnet_id        = azure_subnet.aks.id
  node_labels           = { workload = "flink" }
}

resource "azure_container_registry" "main" {
  name                = "flinkaksacr"
  resource_group_name = azure_resource_group.main.name
  location            = azure_resource_group.main.location
  sku                 = "Basic"
}

resource "azure_role_assignment" "pull" {
  scope                = azure_container_registry.main.id
  role_definition_name = "AcrPull"
  principal_id         = azure_kubernetes_cluster.main.kubelet_identity[0].object_id
  principal_type       = "ServicePrincipal"
}

output "kube_config" {
  value     = azure_kubernetes_cluster.main.kube_config_raw
  sensitive = true
}

output "host" {
  value     = azure_kubernetes_cluster.main.kube_config[0].host
  sensitive = true
}
"#;

/// The methods and paths (after the cluster's) of requests on agent pools since `from`.
fn pool_requests(s: &StandIn, from: usize) -> Vec<String> {
    s.requests()
        .into_iter()
        .skip(from)
        .filter(|r| r.method != "GET" && r.path.contains("/agentPools/"))
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.path
                    .rsplit("/managedClusters/")
                    .next()
                    .unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn kubernetes_cluster_node_pool_and_role_assignment_lifecycle() {
    let s = standin();
    let dir = config(&format!("{PROVIDER}{CLUSTER}"));
    let d = dir.path();
    let out = ok(d, &s, &["apply", "--auto-approve"]);
    assert!(out.stdout.contains("8 added"), "{}", out.all());
    assert!(
        !out.all().contains("standin-kube-token") && !out.all().contains("apiVersion: v1"),
        "{}",
        out.all()
    );
    let cluster = attributes(d, "azure_kubernetes_cluster.main");
    let kubelet = cluster["kubelet_identity"][0]["object_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        attributes(d, "azure_role_assignment.pull")["principal_id"],
        kubelet.as_str()
    );
    assert_eq!(cluster["kubernetes_version"], "1.33");
    assert_eq!(cluster["current_kubernetes_version"], "1.33.2");
    assert!(cluster["kube_config"][0]["host"]
        .as_str()
        .unwrap()
        .starts_with("https://aks-flink-"));
    assert!(cluster["node_resource_group"]
        .as_str()
        .unwrap()
        .starts_with("MC_rg-aks_aks-flink_"));
    assert_eq!(cluster["network_profile"][0]["service_cidr"], "10.0.0.0/16");
    let role = attributes(d, "azure_role_assignment.pull");
    assert_eq!(
        role["role_definition_id"],
        format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", s.subscription_id)
    );
    assert_no_changes(d, &s);
    let cluster_id = cluster["id"].as_str().unwrap().to_string();

    // In place: the pool's size and the cluster's tags; the node pool's bound.
    let v1 = CLUSTER
        .replace(
            "node_count                  = 2",
            "node_count                  = 3",
        )
        .replace(
            "tags                = { Environment = \"dev\" }",
            "tags                = { Environment = \"test\" }",
        )
        .replace("max_count             = 3", "max_count             = 5");
    write(d, &format!("{PROVIDER}{v1}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let from = s.requests().len();
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(
        pool_requests(&s, from),
        [
            "PUT aks-flink/agentPools/system",
            "PUT aks-flink/agentPools/flink"
        ]
    );
    assert_eq!(
        s.resource(&format!("{cluster_id}/agentPools/system"))
            .unwrap()["properties"]["count"],
        3
    );
    assert_no_changes(d, &s);

    // An upgrade, said so in the plan.
    let v2 = v1.replace(
        "kubernetes_version  = \"1.33\"",
        "kubernetes_version  = \"1.34\"",
    );
    write(d, &format!("{PROVIDER}{v2}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout.contains("upgrades the control plane"),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);

    // A new VM size cycles the default pool through the temporary one.
    let v3 = v2.replace("\"Standard_D4s_v5\"", "\"Standard_D8s_v5\"");
    write(d, &format!("{PROVIDER}{v3}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout.contains("will be updated in-place"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("cycles the default node pool: a temporary pool \"systemtmp\" takes over"),
        "{}",
        plan.stdout
    );
    let from = s.requests().len();
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(
        pool_requests(&s, from),
        [
            "PUT aks-flink/agentPools/systemtmp",
            "DELETE aks-flink/agentPools/system",
            "PUT aks-flink/agentPools/system",
            "DELETE aks-flink/agentPools/systemtmp",
        ]
    );
    assert_eq!(
        s.resource(&format!("{cluster_id}/agentPools/system"))
            .unwrap()["properties"]["vmSize"],
        "Standard_D8s_v5"
    );
    assert_no_changes(d, &s);

    // Without a temporary name, the plan stops at the argument.
    let v4 = v3
        .replace("\"Standard_D8s_v5\"", "\"Standard_D16s_v5\"")
        .replace("    temporary_name_for_rotation = \"systemtmp\"\n", "");
    write(d, &format!("{PROVIDER}{v4}"));
    let plan = flinkform(d, &s, &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.stderr.contains("Missing temporary_name_for_rotation"),
        "{}",
        plan.stderr
    );

    // A network policy change is in place; a plugin change replaces, and says why.
    write(
        d,
        &format!(
            "{PROVIDER}{}",
            v3.replace(
                "network_policy    = \"azure\"",
                "network_policy    = \"calico\""
            )
        ),
    );
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    write(
        d,
        &format!(
            "{PROVIDER}{}",
            v3.replace(
                "network_plugin    = \"azure\"",
                "network_plugin    = \"kubenet\""
            )
            .replace(
                "network_policy    = \"azure\"",
                "network_policy    = \"calico\""
            )
        ),
    );
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("azure_kubernetes_cluster.main must be replaced"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("# forces replacement"),
        "{}",
        plan.stdout
    );

    // Replace: the DNS prefix; the node pool and the role assignment follow.
    let v5 = v3.replace(
        "dns_prefix          = \"aks-flink\"",
        "dns_prefix          = \"aks-flink2\"",
    );
    write(d, &format!("{PROVIDER}{v5}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 3 to add, 0 to change, 3 to destroy."),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);

    // The node pool: a new VM size replaces it.
    let v6 = v5.replace("\"Standard_E8s_v5\"", "\"Standard_E16s_v5\"");
    write(d, &format!("{PROVIDER}{v6}"));
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("azure_kubernetes_cluster_node_pool.flink must be replaced"),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_no_changes(d, &s);

    for address in [
        "azure_kubernetes_cluster.main",
        "azure_kubernetes_cluster_node_pool.flink",
        "azure_role_assignment.pull",
    ] {
        reimport(d, &s, address);
    }

    ok(d, &s, &["destroy", "--auto-approve"]);
    assert!(s.resource_ids().is_empty(), "{:?}", s.resource_ids());
    assert!(!std::fs::read_to_string(d.join("state/default.json"))
        .unwrap()
        .contains(&s.client_secret));
    assert_bodies_conform(&s);
}
