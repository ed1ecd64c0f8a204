locals {
  name = "${flinkform_data.a.id}-x"
}

resource "flinkform_data" "a" {
  input = flinkform_data.b.output
}

resource "flinkform_data" "b" {
  input = local.name
}
