/**
 * TalentCrew on Google Cloud.
 *
 * The resources are split by concern: apis.tf, iam.tf (service accounts and roles), secrets.tf,
 * firestore.tf, storage.tf, registry.tf, functions.tf (api, turn, scorecard_webhook, drift, retention,
 * reminders, outbox),
 * report.tf, relay.tf, web.tf, pubsub.tf, outbox.tf, scheduler.tf. This file holds what they share.
 */

provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = merge({ app = "talentcrew" }, var.labels)
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  project_number = data.google_project.this.number

  firestore_location = coalesce(var.firestore_location, var.region)
  gemini_location    = coalesce(var.gemini_location, var.region)

  # Service (and function) names. A gen2 function's Cloud Run service carries the function's name.
  names = {
    api       = "${var.name_prefix}-api"
    turn      = "${var.name_prefix}-turn"
    webhook   = "${var.name_prefix}-scorecard-webhook"
    drift     = "${var.name_prefix}-drift"
    retention = "${var.name_prefix}-retention"
    reminders = "${var.name_prefix}-reminders"
    outbox    = "${var.name_prefix}-outbox"
    report    = "${var.name_prefix}-report"
    relay     = "${var.name_prefix}-relay"
    web       = "${var.name_prefix}-web"
  }

  # Cloud Run gives every service (gen2 functions included) the deterministic URL
  # https://SERVICE-PROJECT_NUMBER.REGION.run.app when that DNS label fits in 63 characters
  # (name_prefix's validation keeps it so): https://cloud.google.com/run/docs/triggering/https-request
  # The api, the web app and the relay name one another through these, so there is no dependency
  # cycle; postconditions on the services check that they really serve them.
  urls = { for key, name in local.names : key => "https://${name}-${local.project_number}.${var.region}.run.app" }

  relay_websocket_url = replace(local.urls.relay, "https://", "wss://")

  # The event types of functions/talentcrew/events.py, and the handler each one is pushed to.
  # Topic ids follow the application's rule (adapters/pubsub_events.py: "." and "_" become "-"),
  # so they carry no name_prefix.
  event_types = {
    session_completed  = "talentcrew.session.completed"
    scorecard_ready    = "talentcrew.scorecard.ready"
    scorecard_outdated = "talentcrew.scorecard.outdated"
    analytics_tick     = "talentcrew.analytics.tick"
    retention_tick     = "talentcrew.retention.tick"
    reminders_tick     = "talentcrew.reminders.tick"
  }
  topic_ids = { for key, type in local.event_types : key => replace(replace(type, ".", "-"), "_", "-") }

  # Settings every process on Google Cloud shares (functions/talentcrew/config.py reads
  # TALENTCREW_<FIELD>). No key is shared: each service's own are in functions.tf, relay.tf.
  platform_env = {
    TALENTCREW_STORE              = "firestore"
    TALENTCREW_BLOBS              = "gcs"
    TALENTCREW_EVENTS             = "pubsub"
    TALENTCREW_GCP_PROJECT        = var.project_id
    TALENTCREW_FIRESTORE_DATABASE = google_firestore_database.main.name
    TALENTCREW_BUCKET             = google_storage_bucket.scorecards.name
    TALENTCREW_PUBLIC_URL         = local.urls.api
    TALENTCREW_LOG_FORMAT         = "json"
  }

  # The grading brain of turn and drift (drift re-grades the golden set and the audit).
  brain_env = {
    TALENTCREW_BRAIN           = "gemini"
    TALENTCREW_GEMINI_MODEL    = var.gemini_model
    TALENTCREW_GEMINI_LOCATION = local.gemini_location
  }
}
