variable "replicas" {
  type = number
}

resource "time_sleep" "wait" {
  create_duration = "1s"
  triggers        = ["not", "a", "map"]
}
