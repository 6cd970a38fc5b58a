/**
 * Firestore (native mode): the Store.
 *
 * The composite indexes and field overrides come from firestore.indexes.json (the Firebase CLI's
 * format), the same file the tests load so that the Firestore adapter refuses, on the emulator, any
 * query that lacks an index here.
 */

locals {
  firestore_indexes_file = jsondecode(file("${path.module}/firestore.indexes.json"))

  # The file's entries, normalised to one shape (the Firebase format omits what is default).
  firestore_index_list = [
    for index in try(local.firestore_indexes_file.indexes, []) : {
      collection  = index.collectionGroup
      query_scope = try(index.queryScope, "COLLECTION")
      fields = [
        for field in index.fields : {
          field_path   = field.fieldPath
          order        = try(field.order, null)
          array_config = try(field.arrayConfig, null)
        }
      ]
    }
  ]

  # Keyed by what identifies an index, so that editing one index replaces only that one.
  firestore_indexes = {
    for index in local.firestore_index_list :
    join("/", [
      index.collection,
      index.query_scope,
      join(",", [for field in index.fields : "${field.field_path}:${coalesce(field.order, field.array_config)}"]),
    ]) => index
  }

  firestore_field_overrides = {
    for override in try(local.firestore_indexes_file.fieldOverrides, []) :
    "${override.collectionGroup}/${override.fieldPath}" => {
      collection = override.collectionGroup
      field      = override.fieldPath
      ttl        = try(override.ttl, false)
      # null: inherit the database's single-field indexes; []: none at all.
      indexes = try([
        for index in override.indexes : {
          query_scope  = try(index.queryScope, "COLLECTION")
          order        = try(index.order, null)
          array_config = try(index.arrayConfig, null)
        }
      ], null)
    }
  }
}

resource "google_firestore_database" "main" {
  project     = var.project_id
  name        = "(default)"
  location_id = local.firestore_location
  type        = "FIRESTORE_NATIVE"

  app_engine_integration_mode       = "DISABLED"
  point_in_time_recovery_enablement = var.firestore_point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"

  # Interviews and accounts live here: protected unless a test project says otherwise. With
  # protection, `terraform destroy` leaves the database in place (ABANDON) instead of failing.
  delete_protection_state = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy         = var.deletion_protection ? "ABANDON" : "DELETE"

  depends_on = [google_project_service.apis]
}

resource "google_firestore_index" "composite" {
  for_each = local.firestore_indexes

  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = each.value.collection
  query_scope = each.value.query_scope

  dynamic "fields" {
    for_each = each.value.fields

    content {
      field_path   = fields.value.field_path
      order        = fields.value.order
      array_config = fields.value.array_config
    }
  }
}

# TTL policies (fieldOverrides with "ttl": true) and single-field index overrides.
resource "google_firestore_field" "overrides" {
  for_each = local.firestore_field_overrides

  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = each.value.collection
  field      = each.value.field

  dynamic "ttl_config" {
    for_each = each.value.ttl ? [true] : []

    content {}
  }

  # No block: inherit the database's single-field indexes. An empty block: none at all.
  dynamic "index_config" {
    for_each = each.value.indexes == null ? [] : [each.value.indexes]

    content {
      dynamic "indexes" {
        for_each = index_config.value

        content {
          query_scope  = indexes.value.query_scope
          order        = indexes.value.order
          array_config = indexes.value.array_config
        }
      }
    }
  }
}
