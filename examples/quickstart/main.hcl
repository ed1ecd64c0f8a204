# flinkform quickstart: built-in resources (this file) and a local Flink cluster with a
# stateful job (flink.hcl).
#
#   flinkform --chdir examples/quickstart plan
#   flinkform --chdir examples/quickstart apply

variable "environment" {
  type    = string
  default = "dev"

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "The environment must be one of dev, test or prod."
  }
}

variable "pipelines" {
  description = "Pipeline stages to create, by name."
  type = map(object({
    parallelism = number
    sink        = optional(string)
  }))
  default = {
    orders   = { parallelism = 2 }
    payments = { parallelism = 4, sink = "kafka" }
  }
}

locals {
  out_dir = "${path.module}/out"
  labels  = { environment = var.environment, managed_by = "flinkform" }
}

resource "flinkform_data" "platform" {
  input = merge(local.labels, { name = "quickstart-${var.environment}" })
}

# Give the platform a moment before the stages start, as a real cluster would need.
resource "time_sleep" "warmup" {
  create_duration = "100ms"
  triggers = {
    platform = flinkform_data.platform.id
  }
}

module "stage" {
  source   = "../../modules/pipeline"
  for_each = var.pipelines

  name     = each.key
  settings = { parallelism = each.value.parallelism, sink = coalesce(each.value.sink, "blackhole") }
  out_dir  = local.out_dir

  depends_on = [time_sleep.warmup]
}

resource "local_file" "summary" {
  filename = "${local.out_dir}/summary.txt"
  content = join("\n", concat(
    ["platform: ${flinkform_data.platform.output.name}"],
    [for name, stage in module.stage : "stage ${name}: ${stage.settings_file}"],
  ))
}

output "stage_ids" {
  value = { for name, stage in module.stage : name => stage.id }
}
