# An already formatted file stays byte for byte the same.
variable "replicas" {
  type        = number
  default     = 2
  description = "Task managers per job."

  validation {
    condition     = var.replicas > 0
    error_message = "At least one replica."
  }
}

locals {
  jobs = {
    ingest = { parallelism = 4, image = "flink:1.19" }
    enrich = { parallelism = 2, image = "flink:1.19" }
  }
  names  = [for name, job in local.jobs : upper(name) if job.parallelism > 1]
  script = <<-EOT
    #!/bin/sh
    echo "${var.replicas}"
  EOT
}

resource "flinkform_data" "job" {
  for_each = local.jobs

  input = {
    name        = each.key
    parallelism = each.value.parallelism * var.replicas
    enabled     = !var.disabled && each.value.parallelism >= 1
  }
}
