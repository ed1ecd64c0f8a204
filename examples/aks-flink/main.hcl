# The Azure environment of a Flink-on-AKS platform: resource group, network with security
# groups, Log Analytics, an AKS cluster on Azure CNI with network policy, RBAC and monitoring,
# a Premium container registry, and AcrPull for the cluster's kubelet identity.
# See README.md for pointing it at a subscription.

provider "azure" {
  # Credentials come from the environment (ARM_SUBSCRIPTION_ID, ARM_TENANT_ID, ARM_CLIENT_ID,
  # ARM_CLIENT_SECRET, or an Azure CLI login); nothing secret is written here.
}

locals {
  tags = {
    environment = var.environment
    workload    = "flink"
    managed_by  = "flinkform"
  }

  # The subnets of seed 001: a public one, one for operators' machines, one for AKS.
  subnet_prefixes = {
    public = var.public_subnet_prefix
    ops    = var.ops_subnet_prefix
    aks    = var.aks_subnet_prefix
  }
}

resource "azure_resource_group" "main" {
  name     = "rg-${var.name}"
  location = var.location
  tags     = local.tags
}

resource "azure_virtual_network" "main" {
  name                = "vnet-${var.name}"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  address_space       = var.vnet_address_space
  tags                = local.tags
}

# One security group per subnet; SSH only from the operators' range.
resource "azure_network_security_group" "public" {
  name                = "nsg-${var.name}-public"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  tags                = local.tags

  security_rule {
    name                       = "SSH"
    priority                   = 1001
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = var.admin_source_prefix
    destination_address_prefix = "*"
  }
}

resource "azure_network_security_group" "ops" {
  name                = "nsg-${var.name}-ops"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  tags                = local.tags

  security_rule {
    name                       = "SSH"
    priority                   = 1001
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = var.admin_source_prefix
    destination_address_prefix = "*"
  }
}

resource "azure_network_security_group" "aks" {
  name                = "nsg-${var.name}-aks"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  tags                = local.tags

  security_rule {
    name                       = "SSH"
    priority                   = 1001
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = var.admin_source_prefix
    destination_address_prefix = "*"
  }

  # The Flink web UI, from inside the network only.
  security_rule {
    name                       = "FlinkWebUI"
    priority                   = 1002
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "8081"
    source_address_prefix      = var.vnet_address_space[0]
    destination_address_prefix = "*"
  }
}

locals {
  security_group_ids = {
    public = azure_network_security_group.public.id
    ops    = azure_network_security_group.ops.id
    aks    = azure_network_security_group.aks.id
  }
}

resource "azure_subnet" "subnet" {
  for_each = local.subnet_prefixes

  name                 = "snet-${each.key}"
  resource_group_name  = azure_resource_group.main.name
  virtual_network_name = azure_virtual_network.main.name
  address_prefixes     = [each.value]
}

resource "azure_subnet_network_security_group_association" "subnet" {
  for_each = local.subnet_prefixes

  subnet_id                 = azure_subnet.subnet[each.key].id
  network_security_group_id = local.security_group_ids[each.key]
}

resource "azure_log_analytics_workspace" "main" {
  name                = "log-${var.name}"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  sku                 = "PerGB2018"
  retention_in_days   = 30
  tags                = local.tags
}

resource "azure_kubernetes_cluster" "main" {
  name                = "aks-${var.name}"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  dns_prefix          = "aks-${var.name}"
  kubernetes_version  = var.kubernetes_version
  sku_tier            = "Standard"
  tags                = local.tags

  default_node_pool {
    name                        = "system"
    vm_size                     = var.system_vm_size
    auto_scaling_enabled        = true
    min_count                   = 2
    max_count                   = 5
    max_pods                    = 50
    os_disk_size_gb             = 128
    vnet_subnet_id              = azure_subnet.subnet["aks"].id
    zones                       = ["1", "2", "3"]
    temporary_name_for_rotation = "systemtmp"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin    = "azure"
    network_policy    = "azure"
    service_cidr      = var.service_cidr
    dns_service_ip    = cidrhost(var.service_cidr, 10)
    load_balancer_sku = "standard"
  }

  oms_agent {
    log_analytics_workspace_id      = azure_log_analytics_workspace.main.id
    msi_auth_for_monitoring_enabled = true
  }
}

# Task managers on their own pool, so that Flink jobs do not compete with system pods.
resource "azure_kubernetes_cluster_node_pool" "flink" {
  name                  = "flink"
  kubernetes_cluster_id = azure_kubernetes_cluster.main.id
  vm_size               = var.flink_vm_size
  auto_scaling_enabled  = true
  min_count             = 1
  max_count             = var.flink_max_nodes
  vnet_subnet_id        = azure_subnet.subnet["aks"].id
  zones                 = ["1", "2", "3"]
  node_labels           = { workload = "flink" }
  node_taints           = ["workload=flink:NoSchedule"]
  tags                  = local.tags
}

resource "azure_container_registry" "main" {
  name                = var.registry_name
  resource_group_name = azure_resource_group.main.name
  location            = azure_resource_group.main.location
  sku                 = "Premium"
  admin_enabled       = false
  tags                = local.tags

  georeplications {
    location                = var.registry_replica_location
    zone_redundancy_enabled = true
  }
}

# The nodes pull Flink images from the registry with their kubelet identity.
resource "azure_role_assignment" "kubelet_acr_pull" {
  scope                = azure_container_registry.main.id
  role_definition_name = "AcrPull"
  principal_id         = azure_kubernetes_cluster.main.kubelet_identity[0].object_id
  principal_type       = "ServicePrincipal"
}
