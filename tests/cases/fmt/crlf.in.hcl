variable "region" {
  type = string
  default="westeurope" # comment
}


locals {
  script = <<EOT
echo hi
EOT
  list = [
    1,
  ]
}
