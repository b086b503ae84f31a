output "libsql_url" {
  description = "libsql:// URL of the database (the Worker's LIBSQL_URL, the proxies' SWITCHYARD_DB_URL, the aggregators' db.url)."
  value       = "libsql://${turso_database.switchyard.database.hostname}"
}

output "auth_token" {
  description = "Database token (LIBSQL_AUTH_TOKEN / SWITCHYARD_DB_AUTH_TOKEN)."
  value       = turso_database_token.switchyard.token
  sensitive   = true
}
