/**
 * The outbox's dispatcher: the one publisher of the application's events.
 *
 * The application never publishes: a state change and the event announcing it are written together
 * into Firestore (the event as a document in `outbox`), and the function `outbox` (functions.tf,
 * entry point dispatch_outbox) sends what is due to the event's Pub/Sub topic, at least once. Two
 * Eventarc triggers start it: a document created in `outbox`, so a new event goes out at once, and
 * a sweep every minute (Cloud Scheduler -> Pub/Sub), which sends the retries a failed send left
 * waiting. Either way it ignores what started it and sends every due event. At most one instance
 * runs (functions.tf), so two runs rarely send one event twice; the handlers are idempotent anyway.
 */

# Direct Firestore events come from the database's own location.
resource "google_eventarc_trigger" "outbox_created" {
  project         = var.project_id
  location        = google_firestore_database.main.location_id
  name            = "${var.name_prefix}-outbox-created"
  service_account = google_service_account.this["invoker"].email

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.firestore.document.v1.created"
  }
  matching_criteria {
    attribute = "database"
    value     = google_firestore_database.main.name
  }
  matching_criteria {
    attribute = "document"
    value     = "outbox/{event}"
    operator  = "match-path-pattern"
  }

  # The payload is not read; JSON spares the function a protobuf decoder.
  event_data_content_type = "application/json"

  destination {
    cloud_run_service {
      service = google_cloudfunctions2_function.this["outbox"].name
      region  = var.region
    }
  }

  depends_on = [google_project_iam_member.runtime, google_cloud_run_v2_service_iam_member.invokers]
}

resource "google_pubsub_topic" "outbox_sweep" {
  # checkov:skip=CKV_GCP_83: Google-managed encryption; a sweep message is empty.
  project = var.project_id
  name    = "${var.name_prefix}-outbox-sweep"

  depends_on = [google_project_service.apis]
}

resource "google_cloud_scheduler_job" "outbox_sweep" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-outbox-sweep"
  description = "Every minute: the outbox's dispatcher sends the events whose retry is due."
  schedule    = "* * * * *"
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.outbox_sweep.id
    data       = base64encode("{}")
  }

  depends_on = [google_project_service.apis]
}

# The function always answers success (functions/outbox/main.py), so a sweep is never retried: the
# next one comes within a minute.
resource "google_eventarc_trigger" "outbox_sweep" {
  project         = var.project_id
  location        = var.region
  name            = "${var.name_prefix}-outbox-sweep"
  service_account = google_service_account.this["invoker"].email

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.pubsub.topic.v1.messagePublished"
  }

  transport {
    pubsub {
      topic = google_pubsub_topic.outbox_sweep.id
    }
  }

  destination {
    cloud_run_service {
      service = google_cloudfunctions2_function.this["outbox"].name
      region  = var.region
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.invokers]
}
