variable "region" {}

locals {
  prefix = "a"
}

resource "flinkform_data" "x" {}

provider "azure" {
  alias = "west"
}

module "m" {
  source = "./m"
}
