"""The job's webhook: an applicant-tracking system told that a scorecard is ready.

The notification is JSON signed with the job's secret, Stripe-style: header
`X-TalentCrew-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so the receiver can
check both origin and freshness. `X-TalentCrew-Delivery` is the same on every retry of one
notification, so the receiver can ignore repeats. A network error, a 429 or a 5xx raises (the
event is delivered again, with back-off); any other answer is final.

A recruiter chooses the URL, and our servers call it: so it must not become a way into our network
(the metadata server, internal services). This module alone says what a destination may be
(`check_destination`): https, and a host every address of which is on the public internet, unless
the operator allows private destinations (tests, labs; then plain http too). It is checked when a
job is saved, and again when sending, against the address actually connected to, so a name that
resolves elsewhere by then (DNS rebinding) gets nothing: no TLS handshake, no request. Redirects are
not followed and the answer's body is never read. A destination refused at send time is final: it
was refused when saved or has been moved since, and no retry can make it acceptable, so the event is
dropped with a warning rather than retried against an internal address for days.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from talentcrew.models import InterviewSession, Job, timestamp_text

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
NAT64 = ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address

IPAddress = IPv4Address | IPv6Address


class WebhookFailed(RuntimeError):
    """The receiver could not take the notification now; it will be sent again."""


class Refused(ValueError):
    """A destination we do not send to; the message says why (the recruiter sees it when saving)."""


class Unresolved(Refused):
    """The host has no address (at send time perhaps only for now)."""


def _embedded(address: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses an IPv6 one leads to: 6to4, Teredo (server and client), NAT64."""
    found = [address.sixtofour, *(address.teredo or ())]
    if address in NAT64:
        found.append(IPv4Address(int(address) & 0xFFFFFFFF))
    return [inside for inside in found if inside is not None]


def is_public(address: IPAddress) -> bool:
    """On the public internet: not private, loopback, link-local, CGNAT (100.64/10), multicast, unspecified or
    reserved, nor an IPv6 address standing for such an IPv4 one (mapped, 6to4, Teredo, NAT64)."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)  # judged as the IPv4 address it is, whatever Python's version says
    special = (
        not address.is_global  # private, loopback, link-local, CGNAT, unspecified, documentation, benchmarking
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or (isinstance(address, IPv6Address) and address.is_site_local)
    )
    if special:
        return False
    return isinstance(address, IPv4Address) or all(is_public(inside) for inside in _embedded(address))


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host has now (a literal address is its own, without asking DNS)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as error:
        raise Unresolved(f"{host} does not resolve to any address") from error
    return [ip_address(info[4][0]) for info in found]


def check_destination(url: str, allow_private: bool) -> None:
    """Raises Refused unless `url` may receive webhooks: https, and every address of its host public
    (`allow_private`: any address, and http too)."""
    try:
        parts = parse_url(url)  # as requests will read it
    except LocationParseError as error:
        raise Refused("a webhook URL must be an https URL") from error
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise Refused("a webhook URL must use https")
    if not parts.host:
        raise Refused("a webhook URL must name a host")
    host = parts.host.strip("[]")
    addresses = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    private = sorted({str(address) for address in addresses if not is_public(address)})
    if private and not allow_private:
        where = host if private == [host] else f"{host} ({', '.join(private)})"
        raise Refused(
            f"{where} is not a public internet address: webhooks cannot reach private, loopback, link-local "
            "or reserved addresses"
        )


def _public_peer(sock: socket.socket) -> socket.socket:
    """The connected socket, if its peer is public; else it is closed before a byte is sent."""
    peer = ip_address(sock.getpeername()[0])
    if not is_public(peer):
        sock.close()
        raise Refused(f"the webhook's host now resolves to {peer}, which is not a public internet address")
    return sock


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _public_peer(super()._new_conn())


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _public_peer(super()._new_conn())  # before TLS, which still checks the certificate's host name


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnly(HTTPAdapter):
    """Connects only to public addresses, whatever the name resolves to at that moment."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def _session(allow_private: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # straight to the receiver: a proxy from the environment would be the checked peer
    if not allow_private:
        session.mount("http://", _PublicOnly())
        session.mount("https://", _PublicOnly())
    return session


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


def notify(session: InterviewSession, job: Job, base_url: str, delivery_id: str, allow_private: bool) -> None:
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
    where = {"job_id": job.id, "session_id": session.id}
    try:
        check_destination(job.webhook_url, allow_private)
        with _session(allow_private) as http:
            response = http.post(
                job.webhook_url,
                data=body,
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
                stream=True,  # only the status is wanted: a receiver cannot make us hold a large body
            )
            response.close()
    except Unresolved as error:
        raise WebhookFailed(f"webhook of job {job.id} unreachable: {error}") from error
    except Refused as refused:
        log.warning("webhook not sent: %s", refused, extra=where)
        return
    except requests.RequestException as error:
        raise WebhookFailed(f"webhook of job {job.id} unreachable: {type(error).__name__}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise WebhookFailed(f"webhook of job {job.id} answered {response.status_code}")
    level = logging.INFO if response.status_code < 300 else logging.WARNING
    log.log(level, "webhook answered %d", response.status_code, extra=where)
