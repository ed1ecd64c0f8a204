flinkform {
  required_version = ">= 9.0"
}
