module "platform" {
  source = "./modules/platform"
  for_each = toset(["eu", "us"])

  region = each.key
}

resource "flinkform_data" "summary" {
  input = { for region, p in module.platform : region => p.cluster_names }
}

output "clusters" {
  value = flinkform_data.summary.output
}
