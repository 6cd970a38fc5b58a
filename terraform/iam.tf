/**
 * Who may do what: one service account per service, each holding only the roles its code needs.
 * Every grant of the deployment is in this file, so the access model reads in one place.
 * No primitive role (owner, editor, viewer) anywhere; a test enforces it.
 */

/******************************************
  Service accounts
 *****************************************/

locals {
  service_accounts = {
    api       = "api function: the REST API"
    turn      = "turn function: one interview turn"
    webhook   = "scorecard_webhook function: tells a job's webhook"
    drift     = "drift function: the daily analytics report"
    outbox    = "outbox function: sends announced events to Pub/Sub (the one publisher)"
    retention = "retention function: erases interviews past each account's retention period"
    reminders = "reminders function: emails candidates whose interview link is about to expire"
    report    = "report service: renders scorecard PDFs"
    relay     = "relay service: WebSocket, speech and the turn function"
    web       = "web app: static files and /config.json (no roles)"
    invoker   = "Pub/Sub push and Eventarc: invoke report, scorecard_webhook, drift, retention, reminders and outbox"
    build     = "Cloud Build: builds the functions and the images"
  }

  members = { for key, account in google_service_account.this : key => "serviceAccount:${account.email}" }

  pubsub_service_agent = "serviceAccount:service-${local.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_service_account" "this" {
  for_each = local.service_accounts

  project      = var.project_id
  account_id   = "${var.name_prefix}-${each.key}"
  display_name = "TalentCrew ${each.key}"
  description  = each.value

  depends_on = [google_project_service.apis]
}

/******************************************
  Project-level roles (Firestore and Vertex AI have no finer grain)
 *****************************************/

locals {
  project_role_grants = concat(
    # Everything that reads or writes the store. Not the web app, nor the relay: the turn function
    # alone writes interview state, and the relay asks it.
    [for account in ["api", "turn", "webhook", "drift", "retention", "reminders", "report", "outbox"] : { account = account, role = "roles/datastore.user" }],
    # Eventarc's triggers of the outbox's dispatcher (outbox.tf) act as the invoker account; direct
    # Firestore events reach a trigger only through an account that may receive events.
    [{ account = "invoker", role = "roles/eventarc.eventReceiver" }],
    # The brain without an API key calls Gemini through Vertex AI as the function itself.
    var.gemini_api_key_enabled ? [] : [for account in ["turn", "drift"] : { account = account, role = "roles/aiplatform.user" }],
    # Build logs of the functions' builds and of `gcloud builds submit` (see README).
    [{ account = "build", role = "roles/logging.logWriter" }],
  )
}

resource "google_project_iam_member" "runtime" {
  for_each = { for grant in local.project_role_grants : "${grant.account}/${grant.role}" => grant }

  project = var.project_id
  role    = each.value.role
  member  = local.members[each.value.account]
}

/******************************************
  Scorecards bucket (scorecards and answer recordings): custom roles, least privilege per service
 *****************************************/

locals {
  scorecard_permissions = {
    # Erasing a session deletes its PDF and recordings; a signed download link is authorised as the
    # signer, so the api also reads. It never writes: the report service renders scorecards.
    api = ["storage.objects.delete", "storage.objects.get"]
    # Writes each PDF; deletes the card of older data, and an object a redelivery overwrites.
    report = ["storage.objects.create", "storage.objects.delete"]
    # Retention erases old interviews, their PDFs and recordings included.
    retention = ["storage.objects.delete"]
    # Stores each recording of a spoken answer (for jobs that record) and deletes one it stored for an
    # answer erased meanwhile; a retried store replaces the object, which takes delete too. It never
    # reads one, and its grant holds for recordings/ only (scorecard_conditions).
    turn = ["storage.objects.create", "storage.objects.delete"]
  }
  # Grants narrowed to part of the bucket (an IAM condition on the object's name).
  scorecard_conditions = {
    turn = {
      title       = "recordings-only"
      description = "Objects under recordings/: the turn function touches no scorecard."
      expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.scorecards.name}/objects/recordings/\")"
    }
  }
}

resource "google_project_iam_custom_role" "scorecards" {
  for_each = local.scorecard_permissions

  project     = var.project_id
  role_id     = "${replace(var.name_prefix, "-", "_")}_scorecards_${each.key}"
  title       = "TalentCrew scorecards (${each.key})"
  description = "What the ${each.key} service does to scorecards and recordings, granted on the scorecards bucket only."
  permissions = each.value

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket_iam_member" "scorecards" {
  for_each = local.scorecard_permissions

  bucket = google_storage_bucket.scorecards.name
  role   = google_project_iam_custom_role.scorecards[each.key].name
  member = local.members[each.key]

  dynamic "condition" {
    for_each = contains(keys(local.scorecard_conditions), each.key) ? [local.scorecard_conditions[each.key]] : []
    content {
      title       = condition.value.title
      description = condition.value.description
      expression  = condition.value.expression
    }
  }
}

# V4 signed download links: the api's runtime credentials hold no private key, so it signs
# through the IAM signBlob API as itself (functions/talentcrew/adapters/gcs_blobs.py). Granted on
# its own account only. scorecard_webhook sends the api's download URL, not a signed link.
resource "google_service_account_iam_member" "api_signs_as_itself" {
  service_account_id = google_service_account.this["api"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.members.api
}

/******************************************
  Secrets: each service reads only the secrets it uses
 *****************************************/

locals {
  # Secret (secrets.tf) => the accounts that read it.
  secret_readers = {
    # Only the api signs recruiters' tokens and relay tickets; the relay checks tickets with the
    # public key (a plain value, relay.tf), and no other service signs or checks anything.
    access_token_key = ["api"]
    ticket_key       = ["api"]
    deepgram_api_key = ["relay"]
    gemini_api_key   = var.gemini_api_key_enabled ? ["turn", "drift"] : []
    # Only the api (sign-up verification, password reset, invitations) and the reminders send email.
    smtp_password = local.smtp_login ? ["api", "reminders"] : []
  }

  secret_grants = merge([
    for secret, readers in local.secret_readers : {
      for account in readers : "${secret}/${account}" => { secret = secret, account = account }
    }
  ]...)
}

resource "google_secret_manager_secret_iam_member" "readers" {
  for_each = local.secret_grants

  secret_id = google_secret_manager_secret.this[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.members[each.value.account]
}

/******************************************
  Pub/Sub: publishers per topic, and the service agent's dead-lettering
 *****************************************/

locals {
  # Who publishes what: only the outbox's dispatcher (outbox.tf). The services announce events by
  # writing them into the outbox with the change they announce (talentcrew/events.py), so none of
  # them publishes. Cloud Scheduler publishes the ticks itself; an operator's re-run of a day
  # (`python -m talentcrew analytics-tick --day`, `retention-tick --day`) or a tick of reminders at
  # once (`reminders-tick`) goes through the outbox.
  topic_publishers = {
    "session_completed/outbox"  = { topic = "session_completed", account = "outbox" }
    "scorecard_ready/outbox"    = { topic = "scorecard_ready", account = "outbox" }
    "scorecard_outdated/outbox" = { topic = "scorecard_outdated", account = "outbox" }
    "analytics_tick/outbox"     = { topic = "analytics_tick", account = "outbox" }
    "retention_tick/outbox"     = { topic = "retention_tick", account = "outbox" }
    "reminders_tick/outbox"     = { topic = "reminders_tick", account = "outbox" }
  }
}

resource "google_pubsub_topic_iam_member" "publishers" {
  for_each = local.topic_publishers

  topic  = google_pubsub_topic.events[each.value.topic].name
  role   = "roles/pubsub.publisher"
  member = local.members[each.value.account]
}

# Dead-lettering is done by the Pub/Sub service agent: it publishes the message to the
# dead-letter topic and acknowledges it on the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.event_types

  topic  = google_pubsub_topic.dead_letter[each.key].name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.event_types

  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# The service agent mints the push requests' OIDC tokens as the invoker account (needed in
# projects created before April 2021; harmless after). Granted on that one account only.
resource "google_service_account_iam_member" "pubsub_mints_invoker_tokens" {
  service_account_id = google_service_account.this["invoker"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent

  depends_on = [google_project_service.apis]
}

/******************************************
  Invokers (roles/run.invoker on one Cloud Run service each)
 *****************************************/

locals {
  # One grant each: the service (its name, so the grant waits for it) and who may call it.
  invoker_grants = {
    # The API does its own authentication (bearer tokens, invite tokens): public.
    api_public = { service = google_cloudfunctions2_function.this["api"].name, member = "allUsers" }
    # Candidates' browsers connect to the relay; it admits a socket only with a valid ticket.
    relay_public = { service = google_cloud_run_v2_service.relay.name, member = "allUsers" }
    # The web app's files are public.
    web_public = { service = google_cloud_run_v2_service.web.name, member = "allUsers" }
    # Only the relay may call the turn function (TALENTCREW_TURN_AUTH=iam): it sends a Google ID token.
    turn_relay = { service = google_cloudfunctions2_function.this["turn"].name, member = local.members.relay }
    # Only the push subscriptions (as the invoker account) may call the event handlers.
    report_invoker    = { service = google_cloud_run_v2_service.report.name, member = local.members.invoker }
    webhook_invoker   = { service = google_cloudfunctions2_function.this["scorecard_webhook"].name, member = local.members.invoker }
    drift_invoker     = { service = google_cloudfunctions2_function.this["drift"].name, member = local.members.invoker }
    retention_invoker = { service = google_cloudfunctions2_function.this["retention"].name, member = local.members.invoker }
    reminders_invoker = { service = google_cloudfunctions2_function.this["reminders"].name, member = local.members.invoker }
    # Only Eventarc's triggers (as the invoker account) may start the outbox's dispatcher.
    outbox_invoker = { service = google_cloudfunctions2_function.this["outbox"].name, member = local.members.invoker }
  }
}

resource "google_cloud_run_v2_service_iam_member" "invokers" {
  for_each = local.invoker_grants

  project  = var.project_id
  location = var.region
  name     = each.value.service
  role     = "roles/run.invoker"
  member   = each.value.member
}

/******************************************
  Builds
 *****************************************/

# The build account pushes the functions' images (and the relay, web and report images) to this
# deployment's repository only.
resource "google_artifact_registry_repository_iam_member" "build_writer" {
  project    = google_artifact_registry_repository.images.project
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = local.members.build
}

# Reads the function archive and `gcloud builds submit` uploads (staged in the sources bucket).
resource "google_storage_bucket_iam_member" "build_sources" {
  bucket = google_storage_bucket.sources.name
  role   = "roles/storage.objectViewer"
  member = local.members.build
}

# Cloud Functions copies each function's source into its own staging bucket
# (gcf-v2-sources-PROJECT_NUMBER-REGION), which the build reads and writes. That bucket is created
# by Cloud Functions on the first deploy, so the grant is a project-level one restricted to it by
# an IAM condition; the build account reaches no other bucket (the scorecards least of all).
resource "google_project_iam_member" "build_function_staging" {
  project = var.project_id
  role    = "roles/storage.objectAdmin"
  member  = local.members.build

  condition {
    title       = "gcf-staging-bucket-only"
    description = "Only Cloud Functions' source staging bucket of this region."
    expression  = "resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-${local.project_number}-${var.region}\")"
  }
}
