# first real line
locals {

  a = 1

  b = 2

}

variable "v" {}
variable "w" {}
