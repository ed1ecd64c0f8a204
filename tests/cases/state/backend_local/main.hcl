flinkform {
  backend "local" {
    path = "custom/flink.json"
  }
}

resource "flinkform_data" "app" {
  input = "hello"
}
