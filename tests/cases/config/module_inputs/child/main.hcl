variable "region" {
  default = "northeurope"
}

variable "name" {
  type = string
}
