/**
 * Cloud Functions (gen2) from one source archive (storage.tf): api and turn (HTTP), the
 * CloudEvent functions scorecard_webhook, drift, retention and reminders, and outbox, the events' dispatcher. The report
 * function runs as a Cloud Run service instead (report.tf says why).
 *
 * The CloudEvent functions have no event_trigger: an Eventarc-managed subscription cannot carry a
 * dead-letter policy. pubsub.tf pushes to them through its own subscriptions, and
 * functions-framework turns the Pub/Sub push body into a messagePublished CloudEvent. The
 * dispatcher needs no dead letters (a failed send stays in the outbox): outbox.tf's Eventarc
 * triggers start it.
 *
 * They are one resource: local.functions holds what differs between them, and
 * google_cloudfunctions2_function.this["api"] (["turn"], ...) is each one.
 */

locals {
  function_source = {
    bucket = google_storage_bucket.sources.name
    object = google_storage_bucket_object.functions.name
  }

  # Every function also gets local.platform_env. `secrets` are its own: secret (secrets.tf) => the
  # environment variable it reads it as, by secret reference. One this deployment does not create
  # (gemini_api_key without gemini_api_key_enabled, smtp_password without an SMTP login) is left out.
  functions = {
    api = {
      entry_point = "api"
      name        = local.names.api
      description = "TalentCrew REST API (public; authenticates every request itself)."
      account     = "api"
      # Public by design (browsers call it); it authenticates every request itself.
      ingress       = "ALLOW_ALL"
      memory        = "512Mi"
      concurrency   = 8
      timeout       = 60
      min_instances = 0
      max_instances = var.function_max_instances
      environment = merge(local.api_mail_env, {
        TALENTCREW_RELAY_URL    = local.relay_websocket_url
        TALENTCREW_WEB_URL      = local.urls.web
        TALENTCREW_CORS_ORIGINS = local.urls.web
        # Google's front end appends the client's address to X-Forwarded-For.
        TALENTCREW_TRUSTED_PROXY_HOPS = "1"
      })
      # The api alone signs: recruiters' tokens and relay tickets. It sends email, as reminders does.
      secrets = {
        access_token_key = "TALENTCREW_ACCESS_TOKEN_KEY"
        ticket_key       = "TALENTCREW_TICKET_KEY"
        smtp_password    = "TALENTCREW_SMTP_PASSWORD"
      }
    }

    turn = {
      entry_point = "turn"
      name        = local.names.turn
      description = "TalentCrew interview turn (IAM: only the relay may invoke it)."
      account     = "turn"
      # The relay (Cloud Run without VPC egress) reaches it over the internet, but Cloud Run admits
      # only callers holding roles/run.invoker, which only the relay's account has (iam.tf).
      ingress     = "ALLOW_ALL"
      memory      = "1Gi"
      concurrency = 8
      # One Gemini call, retried once on a malformed reply.
      timeout       = 120
      min_instances = var.turn_min_instances
      max_instances = var.function_max_instances
      environment   = merge(local.brain_env, { TALENTCREW_TURN_AUTH = "iam" })
      # IAM admits only the relay (TALENTCREW_TURN_AUTH=iam): no shared secret, no key.
      secrets = { gemini_api_key = "TALENTCREW_GEMINI_API_KEY" }
    }

    scorecard_webhook = {
      entry_point = "scorecard_webhook"
      name        = local.names.webhook
      description = "TalentCrew scorecard.ready: tells the job's webhook (Pub/Sub push only)."
      account     = "webhook"
      ingress     = "ALLOW_INTERNAL_ONLY"
      memory      = "512Mi"
      concurrency = 8
      # One POST with a 5 s timeout; below the subscription's ack deadline (pubsub.tf).
      timeout       = 50
      min_instances = 0
      max_instances = var.function_max_instances
      environment   = {}
      # It sends the api's download URL, not a signed link: no key.
      secrets = {}
    }

    drift = {
      entry_point = "drift"
      name        = local.names.drift
      description = "TalentCrew analytics.tick: daily drift and bias reports (Pub/Sub push only)."
      account     = "drift"
      ingress     = "ALLOW_INTERNAL_ONLY"
      # bench/README.md: the report over 100,000 answers peaks at about 400 MB (with the offline grader).
      memory = "1Gi"
      # One tick a day: one at a time.
      concurrency = 1
      # Below the subscription's 600 s ack deadline (pubsub.tf), so a slow run is not delivered twice.
      timeout       = 540
      min_instances = 0
      max_instances = 1
      environment   = local.brain_env
      secrets       = { gemini_api_key = "TALENTCREW_GEMINI_API_KEY" }
    }

    retention = {
      entry_point = "retention"
      name        = local.names.retention
      description = "TalentCrew retention.tick: erases interviews past each account's retention period (Pub/Sub push only)."
      account     = "retention"
      ingress     = "ALLOW_INTERNAL_ONLY"
      # Counts and deletes documents; loads no model.
      memory = "512Mi"
      # One tick a day: one at a time.
      concurrency = 1
      # Below the subscription's 600 s ack deadline (pubsub.tf), so a slow run is not delivered twice.
      timeout       = 540
      min_instances = 0
      max_instances = 1
      environment   = {}
      # It erases through the store and the scorecards bucket, as its own account: no key.
      secrets = {}
    }

    reminders = {
      entry_point = "reminders"
      name        = local.names.reminders
      description = "TalentCrew reminders.tick: emails candidates whose interview link expires within 48 hours (Pub/Sub push only)."
      account     = "reminders"
      ingress     = "ALLOW_INTERNAL_ONLY"
      # Reads sessions and sends a few emails; loads no model.
      memory = "512Mi"
      # One tick an hour: one at a time (a repeated tick sends each reminder once anyway).
      concurrency = 1
      # Below the subscription's 600 s ack deadline (pubsub.tf), so a slow run is not delivered twice.
      timeout       = 540
      min_instances = 0
      max_instances = 1
      # The reminder's link opens the web app, as the api's invitation does.
      environment = merge(local.mail_env, { TALENTCREW_WEB_URL = local.urls.web })
      # It emails through the api's SMTP server, with its login when it takes one.
      secrets = { smtp_password = "TALENTCREW_SMTP_PASSWORD" }
    }

    outbox = {
      entry_point = "dispatch_outbox"
      name        = local.names.outbox
      description = "TalentCrew outbox dispatcher: publishes announced events to Pub/Sub (Eventarc only)."
      account     = "outbox"
      ingress     = "ALLOW_INTERNAL_ONLY"
      memory      = "512Mi"
      # One run at a time, in one instance: concurrent runs would send the same due events twice.
      concurrency   = 1
      timeout       = 60
      min_instances = 0
      max_instances = 1
      environment   = {}
      # It reads the outbox and publishes: no key.
      secrets = {}
    }
  }

  # Email (the api's sign-up verification, password reset and invitations; the reminders) goes
  # through smtp_host. Without one (allowed only with verify_email = false: the preconditions below)
  # no email leaves: the local mailbox lies in the instance's /tmp, which a function may always
  # write, and dies with it.
  mail_env = var.smtp_host == null ? {
    TALENTCREW_MAIL     = "local"
    TALENTCREW_DATA_DIR = "/tmp/talentcrew"
    } : {
    TALENTCREW_MAIL          = "smtp"
    TALENTCREW_MAIL_FROM     = var.mail_from
    TALENTCREW_SMTP_HOST     = var.smtp_host
    TALENTCREW_SMTP_PORT     = tostring(var.smtp_port)
    TALENTCREW_SMTP_USERNAME = var.smtp_username
    TALENTCREW_SMTP_STARTTLS = tostring(var.smtp_starttls)
  }

  # The api alone signs accounts up, so it alone is told whether they must verify their address.
  api_mail_env = merge(local.mail_env, { TALENTCREW_VERIFY_EMAIL = tostring(var.verify_email) })
}

# A function's service reads its secrets and builds as the build account: deploying it before those
# grants (and the secrets' versions) exist fails. One node to depend on, instead of the list in
# every function.
resource "terraform_data" "function_prerequisites" {
  depends_on = [
    google_secret_manager_secret_iam_member.readers,
    google_secret_manager_secret_version.access_token_key,
    google_secret_manager_secret_version.ticket_key,
    google_secret_manager_secret_version.gemini_api_key,
    google_secret_manager_secret_version.smtp_password,
    google_artifact_registry_repository_iam_member.build_writer,
    google_storage_bucket_iam_member.build_sources,
    google_project_iam_member.build_function_staging,
    google_project_iam_member.runtime,
    google_firestore_database.main,
  ]
}

resource "google_cloudfunctions2_function" "this" {
  # checkov:skip=CKV_GCP_124: checkov sees this block once, unexpanded: api (public, authenticates every request itself) and turn (IAM: only the relay may invoke it) take ALLOW_ALL by design; scorecard_webhook, drift, retention, reminders and outbox are ALLOW_INTERNAL_ONLY, which tests/terraform asserts.
  for_each = local.functions

  project     = var.project_id
  location    = var.region
  name        = each.value.name
  description = each.value.description

  build_config {
    runtime           = var.functions_runtime
    entry_point       = each.value.entry_point
    service_account   = google_service_account.this["build"].id
    docker_repository = google_artifact_registry_repository.images.id

    source {
      storage_source {
        bucket = local.function_source.bucket
        object = local.function_source.object
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.this[each.value.account].email
    ingress_settings                 = each.value.ingress
    all_traffic_on_latest_revision   = true
    available_cpu                    = "1"
    available_memory                 = each.value.memory
    max_instance_request_concurrency = each.value.concurrency
    timeout_seconds                  = each.value.timeout
    min_instance_count               = each.value.min_instances
    max_instance_count               = each.value.max_instances

    environment_variables = merge(local.platform_env, each.value.environment)

    dynamic "secret_environment_variables" {
      for_each = { for secret, name in each.value.secrets : secret => name if contains(local.secrets, secret) }

      content {
        key        = secret_environment_variables.value
        project_id = var.project_id
        secret     = google_secret_manager_secret.this[secret_environment_variables.key].secret_id
        version    = lookup(local.secret_versions, secret_environment_variables.key, "latest")
      }
    }
  }

  lifecycle {
    # Sign-up waits for the emailed link: without an SMTP server nobody could ever sign in.
    precondition {
      condition     = each.key != "api" || var.smtp_host != null || !var.verify_email
      error_message = "verify_email = true (the default) needs an SMTP server to send the verification links: set smtp_host (README: Variables), or verify_email = false."
    }
    precondition {
      condition     = each.key != "api" || var.smtp_host == null || var.mail_from != null
      error_message = "smtp_host needs mail_from: the sender address of every email, one the SMTP server may send from."
    }
    postcondition {
      condition     = can(regex("(^|/)${each.value.name}$", self.service_config[0].service))
      error_message = "The ${each.key} function's Cloud Run service is not named ${each.value.name}: the URLs computed in main.tf and its invoker grant (iam.tf) would miss it."
    }
  }

  depends_on = [terraform_data.function_prerequisites]
}
