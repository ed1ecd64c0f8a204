# A small reusable module: one named pipeline stage with its settings file.

variable "name" {
  type        = string
  description = "Name of the pipeline stage."
}

variable "settings" {
  type = object({
    parallelism = number
    sink        = optional(string, "blackhole")
  })
}

variable "out_dir" {
  type = string
}

resource "flinkform_data" "stage" {
  input = {
    name        = var.name
    parallelism = var.settings.parallelism
    sink        = var.settings.sink
  }
}

resource "local_file" "settings" {
  filename = "${var.out_dir}/${var.name}.json"
  content  = jsonencode(flinkform_data.stage.output)
}

output "id" {
  value = flinkform_data.stage.id
}

output "settings_file" {
  value = local_file.settings.filename
}
