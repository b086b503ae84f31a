variable "cloudflare_account_id" {
  description = "Cloudflare account id (dashboard: Workers & Pages, right column)."
  type        = string
}

variable "cloudflare_zone_id" {
  description = "Zone id of the domain the edge hostname belongs to."
  type        = string
}

variable "edge_hostname" {
  description = "Hostname clients (and OpenAI SDK base URLs) use, e.g. route.example.com."
  type        = string
}

variable "edge_build_dir" {
  description = "Directory written by `switchyard edge --build-only --out-dir <dir>` (index.js + worker.json), relative to this directory or absolute."
  type        = string
  default     = "../../../../.switchyard/edge"
}

variable "signing_key_file" {
  description = "Path of signing-key.jwk.json from `switchyard keys generate --out ./keys`; its public half goes to the proxies."
  type        = string
}

variable "operator_key" {
  description = "Operator key for /explain and synthetic requests (`openssl rand -hex 24`); null disables them."
  type        = string
  sensitive   = true
  default     = null
}

variable "turso_organization" {
  description = "Turso organization (slug) that owns the database."
  type        = string
}

variable "turso_locations" {
  description = "Turso locations for the database group, primary first."
  type        = list(string)
  default     = ["iad", "fra", "sin"]
}
