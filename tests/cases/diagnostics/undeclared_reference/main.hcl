variable "environment" {
  type = string
}

resource "flinkform_data" "a" {
  input = "${var.enviroment}-orders"
}

resource "flinkform_data" "b" {
  input = flinkform_data.c.output
}
