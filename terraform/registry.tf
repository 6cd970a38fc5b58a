/**
 * Artifact Registry: the relay, web app and report images (built from this repository, see
 * README) and the images Cloud Build makes of the functions.
 */

resource "google_artifact_registry_repository" "images" {
  # checkov:skip=CKV_GCP_84: Google-managed encryption; the images hold code from this repository, no data.
  project       = var.project_id
  location      = var.region
  repository_id = var.name_prefix
  format        = "DOCKER"
  description   = "TalentCrew images: relay, web, report and the functions."

  depends_on = [google_project_service.apis]
}
