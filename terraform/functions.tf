/**
 * Cloud Functions (gen2) from one source archive (storage.tf): api and turn (HTTP), and the
 * CloudEvent functions scorecard_webhook and drift. The report function runs as a Cloud Run
 * service instead (report.tf says why).
 *
 * The CloudEvent functions have no event_trigger: an Eventarc-managed subscription cannot carry a
 * dead-letter policy. pubsub.tf pushes to them through its own subscriptions, and
 * functions-framework turns the Pub/Sub push body into a messagePublished CloudEvent.
 */

locals {
  function_source = {
    bucket = google_storage_bucket.sources.name
    object = google_storage_bucket_object.functions.name
  }
}

# A function's service reads its secrets and builds as the build account: deploying it before those
# grants (and the signing key's version) exist fails. One node to depend on, instead of the list
# four times.
resource "terraform_data" "function_prerequisites" {
  depends_on = [
    google_secret_manager_secret_iam_member.readers,
    google_secret_manager_secret_version.secret_key,
    google_secret_manager_secret_version.gemini_api_key,
    google_artifact_registry_repository_iam_member.build_writer,
    google_storage_bucket_iam_member.build_sources,
    google_project_iam_member.build_function_staging,
    google_project_iam_member.runtime,
    google_firestore_database.main,
  ]
}

resource "google_cloudfunctions2_function" "api" {
  # checkov:skip=CKV_GCP_124: the REST API is public by design (browsers call it); it authenticates every request itself.
  project     = var.project_id
  location    = var.region
  name        = local.names.api
  description = "TalentCrew REST API (public; authenticates every request itself)."

  build_config {
    runtime           = var.functions_runtime
    entry_point       = "api"
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
    service_account_email            = google_service_account.this["api"].email
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    available_cpu                    = "1"
    available_memory                 = "512Mi"
    max_instance_request_concurrency = 8
    timeout_seconds                  = 60
    min_instance_count               = 0
    max_instance_count               = var.function_max_instances

    environment_variables = merge(local.platform_env, {
      TALENTCREW_RELAY_URL    = local.relay_websocket_url
      TALENTCREW_WEB_URL      = local.urls.web
      TALENTCREW_CORS_ORIGINS = local.urls.web
      # Google's front end appends the client's address to X-Forwarded-For.
      TALENTCREW_TRUSTED_PROXY_HOPS = "1"
    })

    secret_environment_variables {
      key        = "TALENTCREW_SECRET_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret_key.secret_id
      version    = "latest"
    }
  }

  lifecycle {
    postcondition {
      condition     = can(regex("(^|/)${local.names.api}$", self.service_config[0].service))
      error_message = "The api's Cloud Run service is not named ${local.names.api}: the URLs computed in main.tf would be wrong."
    }
  }

  depends_on = [terraform_data.function_prerequisites]
}

resource "google_cloudfunctions2_function" "turn" {
  # checkov:skip=CKV_GCP_124: the relay (Cloud Run without VPC egress) reaches it over the internet; IAM admits only the relay's account.
  project     = var.project_id
  location    = var.region
  name        = local.names.turn
  description = "TalentCrew interview turn (IAM: only the relay may invoke it)."

  build_config {
    runtime           = var.functions_runtime
    entry_point       = "turn"
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
    service_account_email = google_service_account.this["turn"].email
    # Reachable from the internet, but Cloud Run admits only callers holding roles/run.invoker,
    # which only the relay's account has (iam.tf).
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    available_cpu                    = "1"
    available_memory                 = "1Gi"
    max_instance_request_concurrency = 8
    # One Gemini call, retried once on a malformed reply.
    timeout_seconds    = 120
    min_instance_count = var.turn_min_instances
    max_instance_count = var.function_max_instances

    environment_variables = merge(local.platform_env, local.brain_env, {
      TALENTCREW_TURN_AUTH = "iam"
    })

    secret_environment_variables {
      key        = "TALENTCREW_SECRET_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret_key.secret_id
      version    = "latest"
    }

    dynamic "secret_environment_variables" {
      for_each = var.gemini_api_key_enabled ? [google_secret_manager_secret.gemini_api_key[0].secret_id] : []

      content {
        key        = "TALENTCREW_GEMINI_API_KEY"
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  lifecycle {
    postcondition {
      condition     = can(regex("(^|/)${local.names.turn}$", self.service_config[0].service))
      error_message = "The turn function's Cloud Run service is not named ${local.names.turn}: its invoker grant would miss it."
    }
  }

  depends_on = [terraform_data.function_prerequisites]
}

resource "google_cloudfunctions2_function" "scorecard_webhook" {
  project     = var.project_id
  location    = var.region
  name        = local.names.webhook
  description = "TalentCrew scorecard.ready: tells the job's webhook (Pub/Sub push only)."

  build_config {
    runtime           = var.functions_runtime
    entry_point       = "scorecard_webhook"
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
    service_account_email            = google_service_account.this["webhook"].email
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true
    available_cpu                    = "1"
    available_memory                 = "512Mi"
    max_instance_request_concurrency = 8
    # One POST with a 5 s timeout; below the subscription's ack deadline (pubsub.tf).
    timeout_seconds    = 50
    min_instance_count = 0
    max_instance_count = var.function_max_instances

    environment_variables = local.platform_env

    secret_environment_variables {
      key        = "TALENTCREW_SECRET_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret_key.secret_id
      version    = "latest"
    }
  }

  lifecycle {
    postcondition {
      condition     = can(regex("(^|/)${local.names.webhook}$", self.service_config[0].service))
      error_message = "The scorecard_webhook function's Cloud Run service is not named ${local.names.webhook}: its invoker grant would miss it."
    }
  }

  depends_on = [terraform_data.function_prerequisites]
}

resource "google_cloudfunctions2_function" "drift" {
  project     = var.project_id
  location    = var.region
  name        = local.names.drift
  description = "TalentCrew analytics.tick: daily drift and bias reports, retention (Pub/Sub push only)."

  build_config {
    runtime           = var.functions_runtime
    entry_point       = "drift"
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
    service_account_email          = google_service_account.this["drift"].email
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    available_cpu                  = "1"
    # bench/README.md: the report over 100,000 answers peaks under 500 MB.
    available_memory = "1Gi"
    # One tick a day: one at a time.
    max_instance_request_concurrency = 1
    # Below the subscription's 600 s ack deadline (pubsub.tf), so a slow run is not delivered twice.
    timeout_seconds    = 540
    min_instance_count = 0
    max_instance_count = 1

    environment_variables = merge(local.platform_env, local.brain_env)

    secret_environment_variables {
      key        = "TALENTCREW_SECRET_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret_key.secret_id
      version    = "latest"
    }

    dynamic "secret_environment_variables" {
      for_each = var.gemini_api_key_enabled ? [google_secret_manager_secret.gemini_api_key[0].secret_id] : []

      content {
        key        = "TALENTCREW_GEMINI_API_KEY"
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  lifecycle {
    postcondition {
      condition     = can(regex("(^|/)${local.names.drift}$", self.service_config[0].service))
      error_message = "The drift function's Cloud Run service is not named ${local.names.drift}: its invoker grant would miss it."
    }
  }

  depends_on = [terraform_data.function_prerequisites]
}
