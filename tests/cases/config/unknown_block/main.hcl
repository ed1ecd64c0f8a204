variable "region" {}

resourse "flinkform_data" "x" {
  input = 1
}
