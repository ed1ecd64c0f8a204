resource "flinkform_data" "a" {
count = 2
    lifecycle {
          ignore_changes = [input]
      precondition {
  condition = true
        error_message = "never"
        }
    }
  empty{}
  one_line {a=1}
  dynamic "setting" {
  for_each = var.settings
  content {
  name = setting.key
  value = setting.value
  }
  }
}
