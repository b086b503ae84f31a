# The Switchyard edge Worker: the bundle `wrangler deploy` would upload, with wrangler.toml's
# [vars] (overridable through var.vars), LIBSQL_URL as a plain-text var and the credentials as
# secret_text bindings, plus an optional route and/or custom domain.

locals {
  worker = jsondecode(file("${var.build_dir}/worker.json"))

  plain_vars = merge(local.worker.vars, var.vars, { LIBSQL_URL = var.libsql_url })

  secrets = merge(
    {
      LIBSQL_AUTH_TOKEN = var.libsql_auth_token
      TOKEN_SIGNING_KEY = var.token_signing_key
    },
    var.operator_key == null ? {} : { EDGE_OPERATOR_KEY = var.operator_key },
  )
}

resource "cloudflare_workers_script" "edge" {
  account_id          = var.account_id
  script_name         = var.script_name
  content             = file("${var.build_dir}/index.js")
  main_module         = "index.js"
  compatibility_date  = local.worker.compatibility_date
  compatibility_flags = local.worker.compatibility_flags

  bindings = concat(
    [for name in sort(keys(local.plain_vars)) : { type = "plain_text", name = name, text = local.plain_vars[name] }],
    [for name in sort(keys(local.secrets)) : { type = "secret_text", name = name, text = local.secrets[name] }],
  )
}

resource "cloudflare_workers_route" "edge" {
  count   = var.route_pattern == null ? 0 : 1
  zone_id = var.zone_id
  pattern = var.route_pattern
  script  = cloudflare_workers_script.edge.script_name
}

resource "cloudflare_workers_custom_domain" "edge" {
  count      = var.custom_domain == null ? 0 : 1
  account_id = var.account_id
  zone_id    = var.zone_id
  hostname   = var.custom_domain
  service    = cloudflare_workers_script.edge.script_name
}
