# The control-plane database on Turso: a group in the chosen locations, one database, and one
# token for Switchyard's parts (the Worker reads and records decisions; proxies and aggregators
# write outcomes and state). Run `switchyard db migrate` against it once it exists.

resource "turso_group" "switchyard" {
  name      = var.group
  locations = var.locations
  primary   = var.locations[0]
}

resource "turso_database" "switchyard" {
  name  = var.database_name
  group = turso_group.switchyard.name
}

resource "turso_database_token" "switchyard" {
  database   = turso_database.switchyard.name
  expiration = var.token_expiration
}
