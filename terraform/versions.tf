/**
 * TalentCrew on Google Cloud: provider and Terraform versions.
 *
 * google 7.x: `deletion_protection` on Cloud Run v2 services, `urls` on services, and
 * `service_config.service` as an output of gen2 functions (all used below).
 */

terraform {
  # Lifecycle postconditions check the deterministic URLs this module computes.
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0.0, < 8.0.0"
    }
    # The signing keys (ES256: ECDSA on P-256); private_key_pem_pkcs8 since 4.0.
    tls = {
      source  = "hashicorp/tls"
      version = ">= 4.0.0, < 5.0.0"
    }
    # Glob patterns (`**`) in archive_file excludes.
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.7.0, < 3.0.0"
    }
  }
}
