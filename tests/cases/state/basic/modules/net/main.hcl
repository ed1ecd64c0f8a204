variable "app_id" {
  type = string
}

resource "flinkform_data" "cidr" {
  input = { cidr = "10.0.0.0/16", app = var.app_id }
}

module "sub" {
  source = "./modules/sub"
}
