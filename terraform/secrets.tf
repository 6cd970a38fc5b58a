/**
 * Secrets in Secret Manager, and the signing keys. The services read secrets through secret
 * references (secret_environment_variables, env.value_source.secret_key_ref), never as plain
 * environment values; who reads which is in iam.tf.
 *
 * One key per purpose, so that a service holds only what its own work needs: the api signs
 * recruiters' tokens and relay tickets (ES256, a private key each); the relay holds only the
 * tickets' public key, which checks a ticket but cannot mint one; no other service holds a key.
 * Download links need none on Google Cloud: the api signs them through IAM signBlob, keyless.
 *
 * A service whose secret reference names no version fails to deploy. The signing keys always have
 * a version (generated here). The API keys and the SMTP password get one from their variable, or -
 * when the variable is null, to keep the value out of Terraform's state - from
 * `gcloud secrets versions add` between the two applies described in README.md.
 */

locals {
  # With a login, the api authenticates to the SMTP server with the password secret.
  smtp_login = var.smtp_host != null && var.smtp_username != ""

  # The secrets, each named PREFIX-KEY with "_" as "-" (PREFIX-access-token-key ...).
  secrets = toset(concat(
    [
      # TALENTCREW_ACCESS_TOKEN_KEY: the api's private key signing recruiters' tokens.
      "access_token_key",
      # TALENTCREW_TICKET_KEY: the api's private key signing relay tickets.
      "ticket_key",
      # DEEPGRAM_API_KEY: the relay's speech-to-text and text-to-speech.
      "deepgram_api_key",
    ],
    # TALENTCREW_GEMINI_API_KEY: only with gemini_api_key_enabled; otherwise the brain uses Vertex AI.
    var.gemini_api_key_enabled ? ["gemini_api_key"] : [],
    # TALENTCREW_SMTP_PASSWORD: only with an SMTP server that takes a login.
    local.smtp_login ? ["smtp_password"] : [],
  ))

  # The version each reader is given. A generated key's own, so that replacing the key (README:
  # Update) redeploys its readers at once; "latest" where gcloud adds the versions.
  secret_versions = {
    access_token_key = google_secret_manager_secret_version.access_token_key.version
    ticket_key       = google_secret_manager_secret_version.ticket_key.version
  }
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

# The signing keys are generated here, so they always have a version. Terraform's state holds the
# private halves (README: Before you start).
resource "tls_private_key" "access_token" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_private_key" "ticket" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "google_secret_manager_secret_version" "access_token_key" {
  secret      = google_secret_manager_secret.this["access_token_key"].id
  secret_data = tls_private_key.access_token.private_key_pem_pkcs8

  # On a new key, the old version stays until the api runs on the new one: instances the old
  # revision starts meanwhile still find theirs.
  lifecycle {
    create_before_destroy = true
  }
}

resource "google_secret_manager_secret_version" "ticket_key" {
  secret      = google_secret_manager_secret.this["ticket_key"].id
  secret_data = tls_private_key.ticket.private_key_pem_pkcs8

  lifecycle {
    create_before_destroy = true
  }
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

resource "google_secret_manager_secret_version" "smtp_password" {
  count = local.smtp_login && nonsensitive(var.smtp_password != null) ? 1 : 0

  secret      = google_secret_manager_secret.this["smtp_password"].id
  secret_data = var.smtp_password
}
