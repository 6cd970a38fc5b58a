/**
 * Secrets in Secret Manager. The services read them through secret references
 * (secret_environment_variables, env.value_source.secret_key_ref), never as plain environment
 * values; who reads which is in iam.tf.
 *
 * A service whose secret reference names no version fails to deploy. The signing key always has a
 * version (generated here). The API keys get one from their variable, or - when the variable is
 * null, to keep the key out of Terraform's state - from `gcloud secrets versions add` between the
 * two applies described in README.md.
 */

locals {
  # The secrets, each named PREFIX-KEY with "_" as "-" (PREFIX-secret-key ...).
  secrets = toset(concat(
    [
      # TALENTCREW_SECRET_KEY: signs recruiters' tokens, relay tickets and invite links (>= 32 characters).
      "secret_key",
      # DEEPGRAM_API_KEY: the relay's speech-to-text and text-to-speech.
      "deepgram_api_key",
    ],
    # TALENTCREW_GEMINI_API_KEY: only with gemini_api_key_enabled; otherwise the brain uses Vertex AI.
    var.gemini_api_key_enabled ? ["gemini_api_key"] : [],
  ))
}

resource "google_secret_manager_secret" "this" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = "${var.name_prefix}-${replace(each.key, "_", "-")}"

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

# The signing key is generated here, so it always has a version.
resource "random_password" "secret_key" {
  length = 64
  # Letters and digits only: the value travels through environment variables untouched.
  special = false
}

resource "google_secret_manager_secret_version" "secret_key" {
  secret      = google_secret_manager_secret.this["secret_key"].id
  secret_data = random_password.secret_key.result
}

resource "google_secret_manager_secret_version" "deepgram_api_key" {
  # Whether a key was given is not itself secret.
  count = nonsensitive(var.deepgram_api_key != null) ? 1 : 0

  secret      = google_secret_manager_secret.this["deepgram_api_key"].id
  secret_data = var.deepgram_api_key
}

resource "google_secret_manager_secret_version" "gemini_api_key" {
  count = var.gemini_api_key_enabled && nonsensitive(var.gemini_api_key != null) ? 1 : 0

  secret      = google_secret_manager_secret.this["gemini_api_key"].id
  secret_data = var.gemini_api_key
}
