/**
 * Cloud Storage: scorecard PDFs and recordings of spoken answers (Blobs), and build inputs. Both
 * private: uniform bucket-level access, public access prevention enforced, no public binding.
 * Scorecards and recordings leave only through V4 signed links the api hands to the recruiters
 * whose workspace holds them.
 */

resource "google_storage_bucket" "scorecards" {
  # checkov:skip=CKV_GCP_62: audit object access with Cloud Audit Logs (Data Access logs, an org or project policy; see README), not legacy usage-log buckets.
  project  = var.project_id
  name     = "${var.project_id}-${var.name_prefix}-scorecards"
  location = var.region

  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection

  # A scorecard deleted or replaced by mistake can be restored for scorecard_noncurrent_days.
  versioning {
    enabled = true
  }

  # The hard cap on a scorecard's age, whatever the account's retention says.
  lifecycle_rule {
    condition {
      age        = var.scorecard_retention_days
      with_state = "LIVE"
    }
    action {
      type = "Delete"
    }
  }

  # Erasure must end: an erased (noncurrent) PDF is deleted after scorecard_noncurrent_days.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.scorecard_noncurrent_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "sources" {
  # checkov:skip=CKV_GCP_62: holds only build inputs made from the repository; nothing to audit beyond Cloud Audit Logs.
  project  = var.project_id
  name     = "${var.project_id}-${var.name_prefix}-sources"
  location = var.region

  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Everything here is rebuilt from the repository.
  force_destroy = true

  versioning {
    enabled = true
  }

  # `gcloud builds submit` uploads staged under builds/ (see README) are needed for minutes.
  lifecycle_rule {
    condition {
      age            = 7
      matches_prefix = ["builds/"]
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# One archive of functions/ deploys every function: functions/main.py re-exports each entry point
# and Cloud Functions installs functions/requirements.txt from it. The object is named by its
# content hash, so a change of code is a new object and a new deployment of each function.
data "archive_file" "functions" {
  type             = "zip"
  source_dir       = "${path.module}/../functions"
  output_path      = "${path.module}/.build/functions.zip"
  output_file_mode = "0644"
  excludes = [
    "**/__pycache__/**",
    "**/*.pyc",
    "report/Dockerfile", # the report service's image, not a function's source
  ]
}

resource "google_storage_bucket_object" "functions" {
  bucket       = google_storage_bucket.sources.name
  name         = "functions-${data.archive_file.functions.output_md5}.zip"
  source       = data.archive_file.functions.output_path
  content_type = "application/zip"
}
