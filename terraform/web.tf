/**
 * The web app (web/) on Cloud Run, served by infra/web_server.py from infra/web.Dockerfile.
 *
 * Not a bucket website: the app needs response headers a Cloud Storage website cannot send - a
 * Content-Security-Policy whose connect-src names the api and relay origins, Referrer-Policy
 * no-referrer (a candidate's invite token is in the path), Permissions-Policy microphone=(self) -
 * and every path that names no file must return index.html (the SPA's routes). web_server.py does
 * all of that, and serves /config.json (where the api is) from the same settings as locally.
 */

resource "google_cloud_run_v2_service" "web" {
  project     = var.project_id
  location    = var.region
  name        = local.names.web
  description = "TalentCrew web app (static files, security headers, /config.json)."

  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    # Its own account with no role at all: it reads nothing but its image's files.
    service_account                  = google_service_account.this["web"].email
    timeout                          = "30s"
    max_instance_request_concurrency = 80

    scaling {
      min_instance_count = 0
      max_instance_count = var.web_max_instances
    }

    containers {
      image = var.web_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      # Only where the api and the relay are (the page's CSP and /config.json); no Cloud adapter,
      # so no secret.
      dynamic "env" {
        for_each = {
          TALENTCREW_PUBLIC_URL = local.urls.api
          TALENTCREW_RELAY_URL  = local.relay_websocket_url
          TALENTCREW_LOG_FORMAT = "json"
        }

        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  lifecycle {
    # Invite links and the api's CORS origin name local.urls.web.
    postcondition {
      condition     = contains([for url in self.urls : trimsuffix(url, "/")], local.urls.web)
      error_message = "The web app does not serve ${local.urls.web}, the origin invite links and the api's CORS policy name."
    }
  }

  depends_on = [google_project_service.apis]
}
