output "libsql_url" {
  description = "Give to the proxies and aggregators (LIBSQL_URL), and to `switchyard db migrate`."
  value       = module.database.libsql_url
}

output "libsql_auth_token" {
  description = "Database token for the proxies and aggregators (a Kubernetes Secret, see infra/k8s/)."
  value       = module.database.auth_token
  sensitive   = true
}

output "edge_url" {
  description = "The one URL clients use."
  value       = module.edge.edge_url
}
