output "cluster_name" {
  value = azure_kubernetes_cluster.main.name
}

output "cluster_fqdn" {
  value = azure_kubernetes_cluster.main.fqdn
}

output "registry_login_server" {
  value = azure_container_registry.main.login_server
}

output "kube_config" {
  value     = azure_kubernetes_cluster.main.kube_config_raw
  sensitive = true
}
