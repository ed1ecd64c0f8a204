variable "region" {}

locals {
  other  = 1
  prefix = "b"
}

resource "flinkform_data" "x" {}

provider "azure" {
  alias = "west"
}

module "m" {
  source = "./m"
}

output "o" {
  value = 1
}

output "o" {
  value = 2
}
