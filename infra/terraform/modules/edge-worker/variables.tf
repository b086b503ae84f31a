variable "account_id" {
  description = "Cloudflare account id that owns the Worker script."
  type        = string
}

variable "script_name" {
  description = "Name of the Worker script (wrangler.toml `name`)."
  type        = string
  default     = "switchyard-edge"
}

variable "build_dir" {
  description = "Output of `switchyard edge --build-only --out-dir <dir>`: the bundle `index.js` (what `wrangler deploy` uploads) and `worker.json` (compatibility date, flags and the [vars] of wrangler.toml)."
  type        = string
}

variable "libsql_url" {
  description = "libSQL URL of the control-plane database the Worker reads (Turso: libsql://<db>-<org>.turso.io); the Worker's LIBSQL_URL."
  type        = string
  validation {
    condition     = can(regex("^(https?|libsql)://[^\\s]+$", var.libsql_url))
    error_message = "libsql_url must be an http(s):// or libsql:// URL."
  }
}

variable "libsql_auth_token" {
  description = "Database token the Worker reads with (secret LIBSQL_AUTH_TOKEN); a read-write token, since the Worker records decisions."
  type        = string
  sensitive   = true
}

variable "token_signing_key" {
  description = "Ed25519 private JWK with a kid, as JSON (secret TOKEN_SIGNING_KEY): `switchyard keys generate` writes signing-key.jwk.json."
  type        = string
  sensitive   = true
}

variable "operator_key" {
  description = "Secret that unlocks /explain and synthetic requests (secret EDGE_OPERATOR_KEY, at least 16 characters); null disables them."
  type        = string
  sensitive   = true
  default     = null
}

variable "vars" {
  description = "Tuning variables (EDGE_* and ROUTE_*, every one documented in workers/README.md) set on top of wrangler.toml's [vars]. Credentials never go here."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.vars) : can(regex("^(EDGE|ROUTE)_[A-Z0-9_]+$", k)) && k != "EDGE_OPERATOR_KEY"])
    error_message = "vars takes EDGE_* and ROUTE_* tuning variables only; LIBSQL_URL, LIBSQL_AUTH_TOKEN, TOKEN_SIGNING_KEY and EDGE_OPERATOR_KEY have their own (sensitive) variables."
  }
}

variable "zone_id" {
  description = "Cloudflare zone id for the route or custom domain; null deploys the script to workers.dev only."
  type        = string
  default     = null
}

variable "route_pattern" {
  description = "Route pattern in front of an existing hostname, e.g. api.example.com/v4/*; null for none."
  type        = string
  default     = null
}

variable "custom_domain" {
  description = "Hostname the Worker owns as a Custom Domain (Cloudflare creates the DNS record and certificate), e.g. route.example.com; null for none."
  type        = string
  default     = null
}
