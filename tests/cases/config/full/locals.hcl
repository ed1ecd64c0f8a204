locals {
  job_count = length(var.jobs)
}

resource "flinkform_data" "all" {
  lifecycle {
    ignore_changes = all
  }
}
