resource "flinkform_data" "a" {
  input = {
    name = "orders"
    size = 3 +
  }
}
