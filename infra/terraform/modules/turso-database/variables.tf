variable "group" {
  description = "Turso group the database lives in (its locations are where replicas run)."
  type        = string
  default     = "switchyard"
}

variable "locations" {
  description = "Turso location codes for the group, primary first, e.g. [\"iad\", \"fra\", \"sin\"]: put replicas near the edge's busiest colos and the proxies."
  type        = list(string)
  validation {
    condition     = length(var.locations) > 0
    error_message = "locations needs at least one Turso location code."
  }
}

variable "database_name" {
  description = "Database name: lowercase letters, digits and dashes, at most 64 characters."
  type        = string
  default     = "switchyard"
  validation {
    condition     = can(regex("^[a-z0-9-]{1,64}$", var.database_name))
    error_message = "database_name may contain only lowercase letters, digits and dashes (at most 64)."
  }
}

variable "token_expiration" {
  description = "Lifetime of the database token the Worker, proxies and aggregators use, e.g. 2160h; \"never\" for no expiry (rotate by tainting the token)."
  type        = string
  default     = "never"
}
