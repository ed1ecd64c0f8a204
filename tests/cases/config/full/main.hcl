flinkform {
  required_version = ">= 0.1, < 2.0"

  backend "local" {
    path = "state/flinkform.json"
  }
}

provider "azure" {
  subscription_id = var.subscription
}

provider "azure" {
  alias    = "westeu"
  location = "westeurope"
}

variable "region" {
  type        = string
  default     = "westeurope"
  description = "Azure region for every resource."
}

variable "subscription" {
  type      = string
  sensitive = true
}

variable "jobs" {
  type = map(object({
    jar         = string
    parallelism = optional(number, 1)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = length(var.jobs) < 100
    error_message = "At most 99 jobs are supported."
  }
}

locals {
  name_prefix = "ff-${var.region}"
  tags        = { env = "dev" }
}

resource "flinkform_data" "settings" {
  input = { prefix = local.name_prefix }

  lifecycle {
    prevent_destroy       = true
    create_before_destroy = true
    ignore_changes        = [tags["owner"], input]
    replace_triggered_by  = [flinkform_data.trigger]
  }
}

resource "flinkform_data" "trigger" {
  count    = 2
  provider = azure.westeu
  input    = count.index

  nested {
    value = "kept for the provider schema"
  }
}

data "flinkform_data" "lookup" {
  for_each   = var.jobs
  depends_on = [flinkform_data.settings, module.platform]
  input      = each.value
}

module "platform" {
  source = "./modules/platform"
  region = var.region
  prefix = local.name_prefix

  providers = {
    azure = azure.westeu
  }
}

output "prefix" {
  value       = local.name_prefix
  description = "The name prefix."
}

output "subscription" {
  value      = var.subscription
  sensitive  = true
  depends_on = [flinkform_data.settings]
}
