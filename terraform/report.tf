/**
 * The report function (talentcrew.session.completed -> scorecard PDF) as a Cloud Run service.
 *
 * Why not a gen2 function like the others: WeasyPrint needs Pango >= 1.44 (libpango-1.0,
 * libpangoft2-1.0) and the scorecard template sets its text in DejaVu Sans. Cloud Functions'
 * package list (https://cloud.google.com/functions/docs/reference/python-system-packages) could not
 * be shown to carry Pango, and the Google base images' own package lists (GoogleCloudPlatform/
 * buildpacks, stacks/google_gae_22 and google_24_full run-packages.txt) carry libpango-1.0-0 but
 * no DejaVu font. So report runs from functions/report/Dockerfile: the same code and entry point
 * (functions-framework --target report), with Debian's Pango and fonts-dejavu-core installed, the
 * same system the tests render on. Only report renders, so only report moves.
 */

resource "google_cloud_run_v2_service" "report" {
  project     = var.project_id
  location    = var.region
  name        = local.names.report
  description = "TalentCrew session.completed: renders the scorecard PDF (Pub/Sub push only)."

  # Only the push subscription reaches it (Pub/Sub push counts as internal traffic), and only as
  # the invoker account (iam.tf).
  ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  # Stateless: the PDFs are in the scorecards bucket.
  deletion_protection = false

  template {
    service_account = google_service_account.this["report"].email
    # Below the subscription's ack deadline (pubsub.tf), so a slow render is not delivered twice.
    timeout = "100s"
    # WeasyPrint renders on the CPU: a few at a time per instance.
    max_instance_request_concurrency = 4

    scaling {
      min_instance_count = 0
      max_instance_count = var.function_max_instances
    }

    containers {
      image = var.report_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "1Gi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      # No key and no secret: it renders and stores PDFs, and signs nothing.
      dynamic "env" {
        for_each = local.platform_env

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

  depends_on = [terraform_data.function_prerequisites]
}
