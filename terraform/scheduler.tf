/**
 * Cloud Scheduler: the daily analytics tick. Cloud Scheduler publishes as its own service agent,
 * so no service account of ours is involved.
 */

resource "google_cloud_scheduler_job" "analytics_tick" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-analytics-tick"
  description = "Daily talentcrew.analytics.tick: drift and bias reports, retention."
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
