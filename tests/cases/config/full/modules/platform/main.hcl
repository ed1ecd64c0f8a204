variable "region" {
  type = string
}

variable "prefix" {
  type    = string
  default = "ff"
}

resource "flinkform_data" "cluster" {
  input = "${var.prefix}-${var.region}"
}

module "network" {
  source   = "../network"
  for_each = toset(["a", "b"])
  cidr     = each.key
}

output "cluster_id" {
  value = flinkform_data.cluster.id
}
