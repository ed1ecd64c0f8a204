variable "size" {
  type = number
  sensitve = true
}

resource "flinkform_data" "x" {
  input = var.size
}
