resource "flinkform_data" "x" {
  count    = 2
  for_each = toset(["a"])
}
