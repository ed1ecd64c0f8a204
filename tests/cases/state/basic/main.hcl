# The configuration the state in tests/cli_state.rs was applied from.

resource "time_sleep" "wait" {
  create_duration = "30s"
}

resource "flinkform_data" "app" {
  input      = "hello"
  depends_on = [time_sleep.wait]
}

resource "flinkform_data" "multi" {
  count = 2
  input = { index = count.index, lines = "first\nsecond\n" }
}

resource "flinkform_data" "each" {
  for_each = toset(["eu", "us"])
  input    = { region = each.key, tags = ["a", "b"] }
}

resource "local_file" "secret" {
  filename          = "out/secret.txt"
  sensitive_content = "hunter2-top-secret"
  file_permission   = "0600"
}

module "net" {
  source = "./modules/net"
  app_id = flinkform_data.app.id
}

output "url" {
  value = "https://flink.example.com"
}

output "replicas" {
  value = 3
}

output "tags" {
  value = { env = "prod", team = "data" }
}

output "password" {
  value     = "s3cr3t-output"
  sensitive = true
}
