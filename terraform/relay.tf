/**
 * The realtime relay on Cloud Run (realtime-relay/Dockerfile): candidates' WebSockets, Deepgram
 * speech, and the turn function over IAM. The turn function alone writes interview state: the
 * relay holds no Store, Blobs or Events, so it gets none of their settings and its account no
 * Firestore, Storage or Pub/Sub role (iam.tf).
 */

resource "google_cloud_run_v2_service" "relay" {
  project     = var.project_id
  location    = var.region
  name        = local.names.relay
  description = "TalentCrew realtime relay (WebSocket; admits only a valid relay ticket)."

  # Browsers connect from anywhere; the relay checks each socket's ticket.
  ingress = "INGRESS_TRAFFIC_ALL"
  # Stateless: interviews are the turn function's, the image in Artifact Registry.
  deletion_protection = false

  template {
    service_account = google_service_account.this["relay"].email
    # A WebSocket is one request that lasts the whole interview: allow Cloud Run's maximum.
    timeout = "3600s"
    # A reconnecting candidate usually lands on the instance that holds the conversation.
    session_affinity                 = true
    max_instance_request_concurrency = var.relay_concurrency

    scaling {
      min_instance_count = var.relay_min_instances
      max_instance_count = var.relay_max_instances
    }

    containers {
      image = var.relay_image

      ports {
        container_port = 8080
      }

      # Headroom for relay_concurrency audio streams; measure with `make bench-relay-capacity`
      # before raising the concurrency.
      resources {
        limits = {
          cpu    = "2"
          memory = "2Gi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      # Up to two minutes to import the app and open its clients before the first candidate.
      startup_probe {
        period_seconds    = 5
        failure_threshold = 24
        http_get {
          path = "/healthz"
        }
      }

      dynamic "env" {
        for_each = {
          TALENTCREW_SPEECH     = "deepgram"
          TALENTCREW_LOG_FORMAT = "json"
          # The turn function's real URL; the relay sends a Google ID token for it.
          TALENTCREW_TURN_URL  = google_cloudfunctions2_function.this["turn"].service_config[0].uri
          TALENTCREW_TURN_AUTH = "iam"
        }

        content {
          name  = env.key
          value = env.value
        }
      }

      # The relay checks candidates' tickets with the public half of the api's ticket key: a plain
      # value, since it is public. It can check a ticket but not mint one, nor any recruiter token.
      env {
        name  = "TALENTCREW_TICKET_PUBLIC_KEY"
        value = tls_private_key.ticket.public_key_pem
      }

      env {
        name = "DEEPGRAM_API_KEY"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.this["deepgram_api_key"].secret_id
            version = "latest"
          }
        }
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  lifecycle {
    precondition {
      condition     = var.relay_min_instances <= var.relay_max_instances
      error_message = "relay_min_instances must not exceed relay_max_instances."
    }
    # The api and the web app send candidates to local.urls.relay.
    postcondition {
      condition     = contains([for url in self.urls : trimsuffix(url, "/")], local.urls.relay)
      error_message = "The relay does not serve ${local.urls.relay}, the URL the api and the web app give candidates."
    }
  }

  # The relay cannot start without a Deepgram key version: with deepgram_api_key null, add one with
  # gcloud before this apply (README).
  depends_on = [
    terraform_data.function_prerequisites,
    google_secret_manager_secret_version.deepgram_api_key,
  ]
}
