variable "region" {
  type    = string
  defualt = "westeurope"
}

resource "flinkform_data" "x" {
  lifecycle {
    prevent_destory = true
  }
}

output "o" {
  value = 1
  validation {
  }
}
