flinkform {
  backend "local" {
    path          = 42
    workspace_dir = "envs"
  }
}
