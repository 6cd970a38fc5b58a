/**
 * Pub/Sub: one topic per event type (the Events port), each pushed to its handler by a
 * subscription of our own, with retries, a dead-letter topic, and a pull subscription that keeps
 * the dead letters for inspection. Who publishes is in iam.tf.
 */

locals {
  # Where each event type is delivered, and how long its handler may take.
  event_deliveries = {
    session_completed = {
      handler              = "report"
      endpoint             = google_cloud_run_v2_service.report.uri
      ack_deadline_seconds = 120 # a PDF render (the service times out at 100 s)
    }
    # A review or a decision after the end: the same service renders the card again.
    scorecard_outdated = {
      handler              = "report"
      endpoint             = google_cloud_run_v2_service.report.uri
      ack_deadline_seconds = 120
    }
    scorecard_ready = {
      handler              = "scorecard_webhook"
      endpoint             = google_cloudfunctions2_function.this["scorecard_webhook"].service_config[0].uri
      ack_deadline_seconds = 60 # one webhook POST (the function times out at 50 s)
    }
    analytics_tick = {
      handler              = "drift"
      endpoint             = google_cloudfunctions2_function.this["drift"].service_config[0].uri
      ack_deadline_seconds = 600 # the daily report (the function times out at 540 s); Pub/Sub's maximum
    }
    retention_tick = {
      handler              = "retention"
      endpoint             = google_cloudfunctions2_function.this["retention"].service_config[0].uri
      ack_deadline_seconds = 600 # the daily erasure (the function times out at 540 s); Pub/Sub's maximum
    }
    reminders_tick = {
      handler              = "reminders"
      endpoint             = google_cloudfunctions2_function.this["reminders"].service_config[0].uri
      ack_deadline_seconds = 600 # the hour's reminders (the function times out at 540 s); Pub/Sub's maximum
    }
  }
}

resource "google_pubsub_topic" "events" {
  # checkov:skip=CKV_GCP_83: Google-managed encryption; a message holds ids (session, report object), no personal data.
  for_each = local.topic_ids

  project = var.project_id
  name    = each.value

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  # checkov:skip=CKV_GCP_83: Google-managed encryption; a message holds ids (session, report object), no personal data.
  for_each = local.topic_ids

  project = var.project_id
  name    = "${each.value}-dead-letter"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "push" {
  for_each = local.topic_ids

  project = var.project_id
  name    = "${each.value}-${replace(local.event_deliveries[each.key].handler, "_", "-")}"
  topic   = google_pubsub_topic.events[each.key].id

  ack_deadline_seconds       = local.event_deliveries[each.key].ack_deadline_seconds
  message_retention_duration = "604800s" # 7 days to deliver, through an outage of the handler

  # A quiet deployment must not lose its subscriptions (the default expires them after 31 idle days).
  expiration_policy {
    ttl = ""
  }

  # The raw Pub/Sub push body (wrapped); functions-framework makes it a messagePublished CloudEvent.
  push_config {
    push_endpoint = local.event_deliveries[each.key].endpoint

    oidc_token {
      service_account_email = google_service_account.this["invoker"].email
      audience              = local.event_deliveries[each.key].endpoint
    }
  }

  # The handlers raise to retry (a store or network failure): back off instead of hammering.
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  # What still fails after max_delivery_attempts (a poison message, a bug) is set aside, not lost.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = var.max_delivery_attempts
  }

  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_cloud_run_v2_service_iam_member.invokers,
    google_service_account_iam_member.pubsub_mints_invoker_tokens,
  ]
}

# Dead letters wait here, for someone to read (`gcloud pubsub subscriptions pull`) and replay.
resource "google_pubsub_subscription" "dead_letter" {
  for_each = local.topic_ids

  project = var.project_id
  name    = "${each.value}-dead-letter-hold"
  topic   = google_pubsub_topic.dead_letter[each.key].id

  ack_deadline_seconds       = 60
  message_retention_duration = "2678400s" # 31 days, Pub/Sub's maximum

  expiration_policy {
    ttl = ""
  }
}
