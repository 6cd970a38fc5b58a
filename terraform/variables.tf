/******************************************
  Project and placement
 *****************************************/

variable "project_id" {
  description = "ID of the Google Cloud project to deploy into. One TalentCrew deployment per project: Firestore's (default) database and the Pub/Sub topic names are per project."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "The project_id must be a Google Cloud project ID: 6 to 30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, Cloud Run services, buckets, Artifact Registry repository and scheduler job, e.g. europe-west1."
  type        = string
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "The region must be a Google Cloud region such as us-central1 or europe-west1."
  }
}

variable "firestore_location" {
  description = "Location of the Firestore database: a region (e.g. europe-west1) or a multi-region (nam5, eur3). null: the same as region. It cannot change once the database exists."
  type        = string
  default     = null

  validation {
    condition     = var.firestore_location == null ? true : can(regex("^([a-z]+-[a-z]+[0-9]+|[a-z]+[0-9]+)$", var.firestore_location))
    error_message = "The firestore_location must be a region such as europe-west1 or a multi-region such as nam5 or eur3."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name this module chooses (services, functions, service accounts, buckets, secrets). Pub/Sub topic names are fixed by the application and carry no prefix."
  type        = string
  default     = "talentcrew"

  validation {
    # 20 characters keep service account ids ("<prefix>-reminders") within 30 characters and
    # "<prefix>-scorecard-webhook-<project number>" within the 63 characters of a deterministic URL.
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "The name_prefix must be 3 to 20 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "labels" {
  description = "Labels added to every resource that takes labels (on top of app = talentcrew)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for key, value in var.labels :
      can(regex("^[a-z][a-z0-9_-]{0,62}$", key)) && can(regex("^[a-z0-9_-]{0,63}$", value))
    ])
    error_message = "Label keys must start with a lowercase letter; keys and values may hold lowercase letters, digits, '_' and '-' (at most 63 characters)."
  }
}

variable "deletion_protection" {
  description = "Protect the data: Firestore's delete protection on (and the database abandoned, not deleted, by terraform destroy), buckets not force-destroyed. Set false only for test projects, and apply before destroying."
  type        = bool
  default     = true
}

/******************************************
  Container images (built from this repository)
 *****************************************/

variable "relay_image" {
  description = "Image of the relay, built from realtime-relay/Dockerfile, e.g. us-central1-docker.pkg.dev/PROJECT/talentcrew/relay:TAG (see README)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]{1,128}|@sha256:[a-f0-9]{64})$", var.relay_image))
    error_message = "The relay_image must be a full image reference with a tag or digest, e.g. us-central1-docker.pkg.dev/PROJECT/talentcrew/relay:v1."
  }
}

variable "web_image" {
  description = "Image of the web app, built from infra/web.Dockerfile, e.g. us-central1-docker.pkg.dev/PROJECT/talentcrew/web:TAG."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]{1,128}|@sha256:[a-f0-9]{64})$", var.web_image))
    error_message = "The web_image must be a full image reference with a tag or digest, e.g. us-central1-docker.pkg.dev/PROJECT/talentcrew/web:v1."
  }
}

variable "report_image" {
  description = "Image of the report service (scorecard PDFs), built from functions/report/Dockerfile, e.g. us-central1-docker.pkg.dev/PROJECT/talentcrew/report:TAG."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]{1,128}|@sha256:[a-f0-9]{64})$", var.report_image))
    error_message = "The report_image must be a full image reference with a tag or digest, e.g. us-central1-docker.pkg.dev/PROJECT/talentcrew/report:v1."
  }
}

/******************************************
  Capacity
 *****************************************/

variable "functions_runtime" {
  description = "Cloud Functions runtime of api, turn, scorecard_webhook and drift."
  type        = string
  default     = "python311"

  validation {
    condition     = can(regex("^python3[0-9]{2}$", var.functions_runtime))
    error_message = "The functions_runtime must be a Python runtime such as python311 or python312."
  }
}

variable "function_max_instances" {
  description = "Most instances of each function (api, turn, scorecard_webhook, drift) and of the report service."
  type        = number
  default     = 20

  validation {
    condition     = var.function_max_instances >= 1 && var.function_max_instances <= 1000 && floor(var.function_max_instances) == var.function_max_instances
    error_message = "The function_max_instances must be a whole number from 1 to 1000."
  }
}

variable "turn_min_instances" {
  description = "Instances of the turn function kept warm, so that no candidate waits for a cold start between questions (0: scale to zero)."
  type        = number
  default     = 0

  validation {
    condition     = var.turn_min_instances >= 0 && var.turn_min_instances <= 100 && floor(var.turn_min_instances) == var.turn_min_instances
    error_message = "The turn_min_instances must be a whole number from 0 to 100."
  }
}

variable "relay_concurrency" {
  description = "WebSocket connections (interviews) one relay instance takes before Cloud Run starts another."
  type        = number
  default     = 500

  validation {
    condition     = var.relay_concurrency >= 1 && var.relay_concurrency <= 1000 && floor(var.relay_concurrency) == var.relay_concurrency
    error_message = "The relay_concurrency must be a whole number from 1 to 1000 (Cloud Run's limit)."
  }
}

variable "relay_min_instances" {
  description = "Relay instances kept running (0: scale to zero; the first candidate then waits for a cold start)."
  type        = number
  default     = 0

  validation {
    condition     = var.relay_min_instances >= 0 && var.relay_min_instances <= 100 && floor(var.relay_min_instances) == var.relay_min_instances
    error_message = "The relay_min_instances must be a whole number from 0 to 100."
  }
}

variable "relay_max_instances" {
  description = "Most relay instances: with relay_concurrency, the most interviews at once."
  type        = number
  default     = 10

  validation {
    condition     = var.relay_max_instances >= 1 && var.relay_max_instances <= 1000 && floor(var.relay_max_instances) == var.relay_max_instances
    error_message = "The relay_max_instances must be a whole number from 1 to 1000."
  }
}

variable "web_max_instances" {
  description = "Most instances of the web app (static files and /config.json)."
  type        = number
  default     = 5

  validation {
    condition     = var.web_max_instances >= 1 && var.web_max_instances <= 1000 && floor(var.web_max_instances) == var.web_max_instances
    error_message = "The web_max_instances must be a whole number from 1 to 1000."
  }
}

/******************************************
  Data
 *****************************************/

variable "scorecard_retention_days" {
  description = "Days after which Cloud Storage deletes a scorecard PDF, whatever the account's own retention. The default is the longest retention an account may choose (3650 days); the drift job erases interviews, PDFs included, by each account's setting."
  type        = number
  default     = 3650

  validation {
    condition     = var.scorecard_retention_days >= 1 && var.scorecard_retention_days <= 36500 && floor(var.scorecard_retention_days) == var.scorecard_retention_days
    error_message = "The scorecard_retention_days must be a whole number of days from 1 to 36500."
  }
}

variable "scorecard_noncurrent_days" {
  description = "Days an erased or replaced scorecard PDF is kept as a noncurrent version (for recovery) before Cloud Storage deletes it; soft delete then keeps it 7 more days."
  type        = number
  default     = 7

  validation {
    condition     = var.scorecard_noncurrent_days >= 1 && var.scorecard_noncurrent_days <= 365 && floor(var.scorecard_noncurrent_days) == var.scorecard_noncurrent_days
    error_message = "The scorecard_noncurrent_days must be a whole number of days from 1 to 365."
  }
}

variable "firestore_point_in_time_recovery" {
  description = "Keep 7 days of Firestore versions for point-in-time recovery (erased interviews stay recoverable for those 7 days)."
  type        = bool
  default     = true
}

/******************************************
  Grading (Gemini)
 *****************************************/

variable "gemini_model" {
  description = "Gemini model that grades answers (TALENTCREW_GEMINI_MODEL)."
  type        = string
  default     = "gemini-2.5-flash"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]*$", var.gemini_model))
    error_message = "The gemini_model must be a model name such as gemini-2.5-flash."
  }
}

variable "gemini_location" {
  description = "Vertex AI location of the Gemini calls (TALENTCREW_GEMINI_LOCATION), e.g. europe-west1 or global. null: the same as region. Unused with a Gemini API key."
  type        = string
  default     = null

  validation {
    condition     = var.gemini_location == null ? true : can(regex("^([a-z]+-[a-z]+[0-9]+|global)$", var.gemini_location))
    error_message = "The gemini_location must be a region such as europe-west1, or global."
  }
}

variable "gemini_api_key_enabled" {
  description = "Grade through the Gemini API with a key from Secret Manager instead of Vertex AI with the functions' own identity. true creates the secret; give it a value with gemini_api_key or gcloud (see README)."
  type        = bool
  default     = false
}

variable "gemini_api_key" {
  description = "Gemini API key stored as the secret's first version (with gemini_api_key_enabled). null: create the secret empty and add a version with gcloud before the services start."
  type        = string
  default     = null
  sensitive   = true
}

/******************************************
  Speech (Deepgram)
 *****************************************/

variable "deepgram_api_key" {
  description = "Deepgram API key of the relay, stored as the secret's first version. null: create the secret empty and add a version with gcloud before the relay is deployed (see README)."
  type        = string
  default     = null
  sensitive   = true
}

/******************************************
  Email (sign-up verification, password reset, invitations, reminders)
 *****************************************/

variable "verify_email" {
  description = "Accounts work only once their owner followed the emailed verification link (TALENTCREW_VERIFY_EMAIL). Needs smtp_host. false: no verification; without smtp_host no email is sent at all, so no password reset either."
  type        = bool
  default     = true
}

variable "smtp_host" {
  description = "SMTP server the api and the reminders send email through (TALENTCREW_SMTP_HOST), e.g. smtp.sendgrid.net, smtp.mailgun.org or smtp-relay.gmail.com. null: no email leaves, which only verify_email = false allows."
  type        = string
  default     = null

  validation {
    condition     = var.smtp_host == null ? true : can(regex("^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$", var.smtp_host))
    error_message = "The smtp_host must be a host name such as smtp.sendgrid.net."
  }
}

variable "smtp_port" {
  description = "Port of smtp_host (TALENTCREW_SMTP_PORT): 587, the submission port, upgraded to TLS with STARTTLS."
  type        = number
  default     = 587

  validation {
    condition     = var.smtp_port >= 1 && var.smtp_port <= 65535 && floor(var.smtp_port) == var.smtp_port
    error_message = "The smtp_port must be a whole number from 1 to 65535."
  }
}

variable "smtp_starttls" {
  description = "Upgrade the SMTP connection to TLS with STARTTLS before logging in (TALENTCREW_SMTP_STARTTLS). Leave it on: off sends the password and every link in clear."
  type        = bool
  default     = true
}

variable "smtp_username" {
  description = "SMTP login (TALENTCREW_SMTP_USERNAME), e.g. apikey for SendGrid. \"\": the server takes mail without one, and no password secret is created."
  type        = string
  default     = ""
}

variable "smtp_password" {
  description = "SMTP password (with smtp_username), stored as the secret's first version. null: create the secret empty and add a version with gcloud before the api and the reminders function are deployed (see README)."
  type        = string
  default     = null
  sensitive   = true
}

variable "mail_from" {
  description = "Sender of every email (TALENTCREW_MAIL_FROM), e.g. \"TalentCrew <no-reply@example.com>\": an address smtp_host may send from. Required with smtp_host."
  type        = string
  default     = null

  validation {
    condition     = var.mail_from == null ? true : can(regex("^([^<>@]*<[^<>@\\s]+@[^<>@\\s]+\\.[^<>@\\s]+>|[^<>@\\s]+@[^<>@\\s]+\\.[^<>@\\s]+)$", var.mail_from))
    error_message = "The mail_from must be an email address, alone or as \"Name <address>\", e.g. \"TalentCrew <no-reply@example.com>\"."
  }
}

/******************************************
  Events
 *****************************************/

variable "analytics_schedule" {
  description = "Cron schedule of the daily analytics tick (drift and bias reports)."
  type        = string
  default     = "15 2 * * *"

  validation {
    condition     = length(split(" ", trimspace(var.analytics_schedule))) == 5
    error_message = "The analytics_schedule must be a five-field cron expression such as \"15 2 * * *\"."
  }
}

variable "retention_schedule" {
  description = "Cron schedule of the daily retention tick (erasing interviews past each account's retention period), in analytics_time_zone; before analytics_schedule, so the day's report shows what was erased."
  type        = string
  default     = "15 1 * * *"

  validation {
    condition     = length(split(" ", trimspace(var.retention_schedule))) == 5
    error_message = "The retention_schedule must be a five-field cron expression such as \"15 1 * * *\"."
  }
}

variable "reminder_schedule" {
  description = "Cron schedule of the reminders tick (emailing candidates whose interview link expires within 48 hours and who have not started), in analytics_time_zone; hourly, so a reminder goes out within the hour it falls due. Without smtp_host the reminders, like the api's email, stay in the function's local mailbox in /tmp and reach nobody."
  type        = string
  default     = "0 * * * *"

  validation {
    condition     = length(split(" ", trimspace(var.reminder_schedule))) == 5
    error_message = "The reminder_schedule must be a five-field cron expression such as \"0 * * * *\"."
  }
}

variable "analytics_time_zone" {
  description = "Time zone of analytics_schedule, retention_schedule and reminder_schedule (tz database name)."
  type        = string
  default     = "Etc/UTC"

  validation {
    condition     = can(regex("^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", var.analytics_time_zone))
    error_message = "The analytics_time_zone must be a tz database name such as Etc/UTC or Europe/Paris."
  }
}

variable "max_delivery_attempts" {
  description = "Deliveries of an event to its handler before Pub/Sub moves it to the topic's dead-letter topic."
  type        = number
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100 && floor(var.max_delivery_attempts) == var.max_delivery_attempts
    error_message = "The max_delivery_attempts must be a whole number from 5 to 100 (Pub/Sub's limits)."
  }
}
