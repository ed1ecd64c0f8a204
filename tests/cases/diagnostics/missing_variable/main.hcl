variable "subscription_id" {
  type        = string
  description = "Azure subscription to deploy into."
}

resource "flinkform_data" "a" {
  input = var.subscription_id
}
