variable "name" {
  type = string
}

variable "network" {
  type = string
}

resource "flinkform_data" "cluster" {
  input = { name = var.name, network = var.network }
}

output "name" {
  value = flinkform_data.cluster.output.name
}
