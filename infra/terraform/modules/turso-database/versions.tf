terraform {
  required_version = ">= 1.6"
  required_providers {
    turso = {
      source  = "celest-dev/turso"
      version = "~> 0.2"
    }
  }
}
