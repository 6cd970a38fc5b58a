"""Blobs in Cloud Storage, with V4 signed URLs.

On Google Cloud the function's credentials hold no private key, so signing goes through the IAM
signBlob API as the runtime service account (which needs roles/iam.serviceAccountTokenCreator on
itself): no key file anywhere. Credentials that can sign locally (tests) sign directly.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import google.auth
import google.auth.transport.requests
from google.api_core.exceptions import NotFound as GcsNotFound
from google.auth.credentials import Credentials, Signing
from google.cloud.storage import Client as StorageClient

from talentcrew.adapters.local_blobs import check_object_name
from talentcrew.errors import NotFound


class GcsBlobs:
    name = "gcs"

    def __init__(self, bucket: str, project: str, signer: Credentials | None = None) -> None:
        """`signer` signs links; None means the runtime's default credentials (via IAM)."""
        self._bucket = StorageClient(project=project).bucket(bucket)
        self._signer = signer

    def put(self, object_name: str, data: bytes, content_type: str) -> None:
        self._bucket.blob(check_object_name(object_name)).upload_from_string(data, content_type=content_type)

    def get(self, object_name: str) -> bytes:
        try:
            data: bytes = self._bucket.blob(check_object_name(object_name)).download_as_bytes()
        except GcsNotFound as error:
            raise NotFound(object_name) from error
        return data

    def delete(self, object_name: str) -> None:
        with contextlib.suppress(GcsNotFound):
            self._bucket.blob(check_object_name(object_name)).delete()

    def signed_url(self, object_name: str, expires_in: timedelta, download_name: str) -> str:
        blob = self._bucket.blob(check_object_name(object_name))
        credentials = self._signer
        if credentials is None:
            credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
        options: dict[str, str] = {}
        if not isinstance(credentials, Signing):
            # Runtime credentials (Cloud Run, Cloud Functions) hold no key: let IAM sign.
            credentials.refresh(google.auth.transport.requests.Request())
            email = getattr(credentials, "service_account_email", None)
            if not email or not credentials.token:
                raise RuntimeError("signing needs service-account credentials with an access token")
            options = {"service_account_email": email, "access_token": credentials.token}
        url: str = blob.generate_signed_url(
            version="v4",
            expiration=expires_in,
            method="GET",
            credentials=credentials,
            response_disposition=f'attachment; filename="{download_name}"',
            **options,
        )
        return url
