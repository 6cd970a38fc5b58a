/**
 * Cloud Scheduler: the daily ticks, retention's and then the analytics', and the hourly reminders'.
 * Cloud Scheduler publishes as its own service agent, so no service account of ours is involved.
 */

resource "google_cloud_scheduler_job" "analytics_tick" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-analytics-tick"
  description = "Daily talentcrew.analytics.tick: drift and bias reports."
  schedule    = var.analytics_schedule
  time_zone   = var.analytics_time_zone

  pubsub_target {
    topic_name = google_pubsub_topic.events["analytics_tick"].id
    # No "day": the drift function reports on the day of the event's time (its publish time).
    data = base64encode("{}")
    # talentcrew.events.decode reads the event's type from this attribute; without it the tick
    # would be dropped as malformed.
    attributes = {
      type = local.event_types.analytics_tick
    }
  }

  retry_config {
    retry_count = 3
  }

  depends_on = [google_project_service.apis]
}

# Erasing what each account's retention period has run out on is its own step, with its own function
# and account (the store, deleting scorecards), scheduled before the analytics tick so that the day's
# report shows what was erased.
resource "google_cloud_scheduler_job" "retention_tick" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-retention-tick"
  description = "Daily talentcrew.retention.tick: erases interviews past each account's retention period."
  schedule    = var.retention_schedule
  time_zone   = var.analytics_time_zone

  pubsub_target {
    topic_name = google_pubsub_topic.events["retention_tick"].id
    # No "day": the retention function erases as of the day of the event's time (its publish time).
    data = base64encode("{}")
    attributes = {
      type = local.event_types.retention_tick
    }
  }

  retry_config {
    retry_count = 3
  }

  depends_on = [google_project_service.apis]
}

# Reminding candidates whose emailed interview link expires within 48 hours is its own step, with its
# own function and account (the store, and the api's SMTP server). Hourly, so a reminder goes out
# within the hour it falls due.
resource "google_cloud_scheduler_job" "reminders_tick" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-reminders-tick"
  description = "Hourly talentcrew.reminders.tick: emails candidates whose interview link expires within 48 hours."
  schedule    = var.reminder_schedule
  time_zone   = var.analytics_time_zone

  pubsub_target {
    topic_name = google_pubsub_topic.events["reminders_tick"].id
    # The reminders function reminds as of the moment it runs: the message carries nothing.
    data = base64encode("{}")
    attributes = {
      type = local.event_types.reminders_tick
    }
  }

  retry_config {
    retry_count = 3
  }

  depends_on = [google_project_service.apis]
}
