/******************************************
  Google Cloud APIs
 *****************************************/

locals {
  apis = concat(
    [
      "artifactregistry.googleapis.com", # images of the relay, web app, report service and functions
      "cloudbuild.googleapis.com",       # builds the functions (and the images, see README)
      "cloudfunctions.googleapis.com",
      "cloudresourcemanager.googleapis.com",
      "cloudscheduler.googleapis.com",
      "eventarc.googleapis.com", # the outbox's dispatcher is started by Eventarc triggers (outbox.tf)
      "firestore.googleapis.com",
      "iam.googleapis.com",
      "iamcredentials.googleapis.com", # signBlob: V4 signed scorecard links without a key file
      "logging.googleapis.com",
      "pubsub.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
      "storage.googleapis.com",
    ],
    # Without an API key the brain calls Gemini through Vertex AI in this project.
    var.gemini_api_key_enabled ? [] : ["aiplatform.googleapis.com"],
  )
}

resource "google_project_service" "apis" {
  for_each = toset(local.apis)

  project = var.project_id
  service = each.value

  # Other workloads of the project may use the same APIs: destroying TalentCrew leaves them on.
  disable_on_destroy         = false
  disable_dependent_services = false
}
