resource "flinkform_data" {
}

variable "count" {}

resource "flinkform_data" "1st" {}

variable "a" "b" {}

module "registry" {
  source = "hashicorp/consul/aws"
}

flinkform {
  backend "local" {}
  backend "local" {}
}

flinkform {}

locals {
  a = 1
  nested {}
}
