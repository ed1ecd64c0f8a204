resource "flinkform_data" "ok" {
  input = 1
}

resource "flinkform_data" "broken" {
  input = [1, 2
}
