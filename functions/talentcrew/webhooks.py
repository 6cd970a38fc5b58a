"""The job's webhook: an applicant-tracking system told that a scorecard is ready.

The notification is JSON signed with the job's secret, Stripe-style: header
`X-TalentCrew-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so the receiver can
check both origin and freshness. `X-TalentCrew-Delivery` is the same on every retry of one
notification, so the receiver can ignore repeats. A network error, a 429 or a 5xx raises (the
event is delivered again, with back-off); any other answer is final.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import requests

from talentcrew.models import InterviewSession, Job, timestamp_text

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0


class WebhookFailed(RuntimeError):
    """The receiver could not take the notification now; it will be sent again."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def notification(session: InterviewSession, job: Job, base_url: str) -> bytes:
    """What the receiver learns: enough to file the result, and where to fetch the scorecard."""
    return json.dumps(
        {
            "type": "scorecard.ready",
            "session_id": session.id,
            "job_id": job.id,
            "job_title": job.title,
            "candidate_name": session.candidate_name,
            "candidate_email": session.candidate_email,
            "overall_score": session.overall_score,
            "recommendation": session.recommendation,
            "completed_at": timestamp_text(session.ended_at) if session.ended_at else None,
            "scorecard_url": f"{base_url}/api/sessions/{session.id}/download-pdf/",
        },
        sort_keys=True,
    ).encode()


def notify(session: InterviewSession, job: Job, base_url: str, delivery_id: str) -> None:
    if not job.webhook_url or not job.webhook_secret:
        return
    body = notification(session, job, base_url)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "TalentCrew-Webhook/1",
        "X-TalentCrew-Event": "scorecard.ready",
        "X-TalentCrew-Delivery": delivery_id,
        "X-TalentCrew-Signature": signature(job.webhook_secret, int(time.time()), body),
    }
    try:
        response = requests.post(
            job.webhook_url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        raise WebhookFailed(f"webhook of job {job.id} unreachable: {type(error).__name__}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise WebhookFailed(f"webhook of job {job.id} answered {response.status_code}")
    level = logging.INFO if response.status_code < 300 else logging.WARNING
    log.log(level, "webhook answered %d", response.status_code, extra={"job_id": job.id, "session_id": session.id})
