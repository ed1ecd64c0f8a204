resource "flinkform_data" "inner" {
  input = "inner"
}
