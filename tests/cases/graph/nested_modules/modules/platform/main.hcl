variable "region" {
  type = string
}

resource "flinkform_data" "network" {
  input = "net-${var.region}"
}

module "cluster" {
  source = "../cluster"
  count  = 2

  name    = "${var.region}-${count.index}"
  network = flinkform_data.network.output
}

output "cluster_names" {
  value = module.cluster[*].name
}
