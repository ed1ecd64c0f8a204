variable "still_loaded" {}
