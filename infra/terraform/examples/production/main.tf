# One production composition: the control-plane database on Turso and the edge Worker on
# Cloudflare reading it, behind a custom domain. Proxies and aggregators run on Kubernetes
# (infra/k8s/) with the database URL and token this composition outputs.

terraform {
  required_version = ">= 1.6"
  required_providers {
    cloudflare = {
      source  = "cloudflare/cloudflare"
      version = "~> 5.0"
    }
    turso = {
      source  = "celest-dev/turso"
      version = "~> 0.2"
    }
  }
}

provider "cloudflare" {
  # Reads CLOUDFLARE_API_TOKEN from the environment.
}

provider "turso" {
  organization = var.turso_organization
  # Reads TURSO_API_TOKEN from the environment.
}

module "database" {
  source        = "../../modules/turso-database"
  locations     = var.turso_locations
  database_name = "switchyard"
}

module "edge" {
  source            = "../../modules/edge-worker"
  account_id        = var.cloudflare_account_id
  zone_id           = var.cloudflare_zone_id
  custom_domain     = var.edge_hostname
  build_dir         = var.edge_build_dir
  libsql_url        = module.database.libsql_url
  libsql_auth_token = module.database.auth_token
  token_signing_key = file(var.signing_key_file)
  operator_key      = var.operator_key
  vars = {
    EDGE_ANSWER_MODE       = "forward"
    EDGE_TOKEN_TTL_SECONDS = "30"
    ROUTE_DEFAULT_STRATEGY = "switchyard"
  }
}
