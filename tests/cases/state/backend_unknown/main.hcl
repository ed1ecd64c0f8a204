flinkform {
  backend "locl" {
    path = "x.json"
  }
}
