output "libsql_url" {
  description = "libsql:// URL of the database (LIBSQL_URL for the Worker, the proxies, the aggregators and the CLI)."
  value       = "libsql://${turso_database.switchyard.database.hostname}"
}

output "auth_token" {
  description = "Database token (LIBSQL_AUTH_TOKEN)."
  value       = turso_database_token.switchyard.token
  sensitive   = true
}
