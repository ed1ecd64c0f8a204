variabel "region" {
  default = "westeurope"
}
