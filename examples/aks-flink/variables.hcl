variable "name" {
  description = "The name shared by the resources (rg-NAME, aks-NAME, ...)."
  type        = string
  default     = "flink-dev"
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "location" {
  type    = string
  default = "West Europe"
}

variable "vnet_address_space" {
  type    = list(string)
  default = ["10.20.0.0/16"]
}

variable "public_subnet_prefix" {
  type    = string
  default = "10.20.0.0/24"
}

variable "ops_subnet_prefix" {
  type    = string
  default = "10.20.1.0/24"
}

variable "aks_subnet_prefix" {
  description = "The nodes' and pods' subnet (Azure CNI gives every pod an IP from it)."
  type        = string
  default     = "10.20.16.0/20"
}

variable "service_cidr" {
  description = "Kubernetes service IPs: must not overlap the virtual network."
  type        = string
  default     = "10.0.0.0/16"
}

variable "admin_source_prefix" {
  description = "Where SSH to the network is allowed from."
  type        = string
  default     = "10.20.1.0/24"
}

variable "kubernetes_version" {
  type    = string
  default = "1.33"
}

variable "system_vm_size" {
  type    = string
  default = "Standard_D4s_v5"
}

variable "flink_vm_size" {
  type    = string
  default = "Standard_E8s_v5"
}

variable "flink_max_nodes" {
  type    = number
  default = 6
}

variable "registry_name" {
  description = "5 to 50 letters and digits, unique across Azure."
  type        = string
  default     = "flinkdevacr001"
}

variable "registry_replica_location" {
  description = "A second region the registry is replicated to (Premium geo-replication)."
  type        = string
  default     = "North Europe"
}
