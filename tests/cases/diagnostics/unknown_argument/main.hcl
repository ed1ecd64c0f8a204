resource "flinkform_data" "a" {
  inptu = "orders"
}

resource "flinkform_data" "b" {
  input   = flinkform_data.a.id
  for_eahc = toset(["x"])
}
