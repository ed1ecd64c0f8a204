variable "cidr" {
  type = string
}

resource "flinkform_data" "vnet" {
  input = var.cidr
}
