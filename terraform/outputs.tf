output "api_url" {
  description = "Base URL of the REST API (API_URL/api/health answers); the web app and every link use this deterministic run.app URL."
  value       = local.urls.api
}

output "api_service_uri" {
  description = "The api function's Cloud Run URI as Cloud Functions reports it (serves the same API)."
  value       = google_cloudfunctions2_function.this["api"].service_config[0].uri
}

output "web_url" {
  description = "Where recruiters open TalentCrew, and where candidates' invite links point."
  # The deterministic URL among the ones the service reports (its postcondition checks it is there).
  value = one([for url in google_cloud_run_v2_service.web.urls : trimsuffix(url, "/") if trimsuffix(url, "/") == local.urls.web])
}

output "relay_url" {
  description = "The relay's WebSocket base URL (wss://…), which the api hands to candidates."
  value       = replace(one([for url in google_cloud_run_v2_service.relay.urls : trimsuffix(url, "/") if trimsuffix(url, "/") == local.urls.relay]), "https://", "wss://")
}

output "turn_url" {
  description = "The turn function's URL (IAM: only the relay may call it)."
  value       = google_cloudfunctions2_function.this["turn"].service_config[0].uri
}

output "report_url" {
  description = "The report service's URL (internal ingress; Pub/Sub push only)."
  value       = google_cloud_run_v2_service.report.uri
}

output "scorecards_bucket" {
  description = "Bucket of the scorecard PDFs (private)."
  value       = google_storage_bucket.scorecards.name
}

output "sources_bucket" {
  description = "Bucket of the functions' source archives and `gcloud builds submit` uploads."
  value       = google_storage_bucket.sources.name
}

output "image_repository" {
  description = "Artifact Registry repository to push the relay, web and report images to (REPOSITORY/relay:TAG …)."
  value       = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${google_artifact_registry_repository.images.project}/${google_artifact_registry_repository.images.repository_id}"
}

output "build_service_account" {
  description = "Service account for `gcloud builds submit --service-account` (README: building the images)."
  value       = google_service_account.this["build"].id
}

output "build_staging_dir" {
  description = "Where `gcloud builds submit --gcs-source-staging-dir` uploads the build context (readable by the build account)."
  value       = "gs://${google_storage_bucket.sources.name}/builds"
}

output "topics" {
  description = "Pub/Sub topic of each event type."
  value       = { for key, topic in google_pubsub_topic.events : local.event_types[key] => topic.name }
}

output "dead_letter_subscriptions" {
  description = "Pull subscriptions holding each event type's dead letters (31 days)."
  value       = { for key, subscription in google_pubsub_subscription.dead_letter : local.event_types[key] => subscription.name }
}

output "secrets" {
  description = "Secret Manager secrets. Add a version to an API key's or the SMTP password's secret with `gcloud secrets versions add SECRET --data-file=-`."
  # gemini_api_key is null without gemini_api_key_enabled, smtp_password without an SMTP login.
  value = merge({ gemini_api_key = null, smtp_password = null }, { for key, secret in google_secret_manager_secret.this : key => secret.secret_id })
}

output "access_token_public_key" {
  description = "PEM public key of the api's ES256 key signing recruiters' tokens: whoever must check such a token needs only this."
  value       = tls_private_key.access_token.public_key_pem
}

output "service_accounts" {
  description = "Email of each service's own service account."
  value       = { for key, account in google_service_account.this : key => account.email }
}
