variable "subnets" {
  type    = number
  default = 3
}

variable "jobs" {
  type = map(object({ parallelism = number }))
  default = {
    orders   = { parallelism = 2 }
    payments = { parallelism = 4 }
  }
}

locals {
  cidrs = [for i in range(var.subnets) : cidrsubnet("10.0.0.0/16", 8, i)]
}

resource "flinkform_data" "subnet" {
  count = var.subnets
  input = { cidr = local.cidrs[count.index], index = count.index }
}

resource "flinkform_data" "job" {
  for_each = var.jobs
  input = {
    name        = each.key
    parallelism = each.value.parallelism
    subnet      = flinkform_data.subnet[0].output.cidr
  }
}

resource "flinkform_data" "by_set" {
  for_each = toset(["a", "b"])
  input    = "${each.key}=${each.value}"
}

output "job_names" {
  value = [for k, j in flinkform_data.job : j.output.name]
}
