output "script_name" {
  description = "Name of the deployed Worker script."
  value       = cloudflare_workers_script.edge.script_name
}

output "edge_url" {
  description = "Where clients reach the edge: the custom domain when set, else null (use the route or workers.dev)."
  value       = var.custom_domain == null ? null : "https://${var.custom_domain}"
}
