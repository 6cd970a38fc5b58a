"""The Mail contract, run against the local mailbox and against SMTP through a real local SMTP server.

The SMTP server is aiosmtpd, as strict as a relay in production: it refuses mail before STARTTLS
(with a certificate made for the test, trusted through SSL_CERT_FILE, so the adapter's own default
TLS context checks it) and before a login. Each check reads what arrived back as MIME: the `.eml`
file in the local folder, the DATA the SMTP server received.
"""

from __future__ import annotations

import smtplib
import ssl
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from talentcrew.adapters.local_mail import LocalMail
from talentcrew.adapters.smtp_mail import SmtpMail
from talentcrew.ports import Email, Mail
from tests import servers
from tests.certificates import self_signed

SENDER = "TalentCrew <no-reply@talentcrew.example>"
USERNAME, PASSWORD = "relay-user", "relay-password"
MESSAGE = Email(
    to="rita@acme.example",
    subject="Confirm your email for TalentCrew",
    text="Open this link:\nhttps://app.example/verify#t=abc123\n",
    html='<p><a href="https://app.example/verify#t=abc123">Confirm</a></p>',
)


def _no_envelopes() -> list[tuple[str, list[str]]]:
    return []


@dataclass(frozen=True)
class Inbox:
    """What arrived: each message parsed back from its bytes, and (SMTP) each envelope's sender and recipients."""

    messages: Callable[[], list[EmailMessage]]
    envelopes: Callable[[], list[tuple[str, list[str]]]] = _no_envelopes


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def text_of(part: MIMEPart | None) -> str:
    """A part's text with the line endings the message was written with (CRLF on the wire)."""
    assert part is not None
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


class Received:
    """aiosmtpd's handler: keeps each message's envelope and bytes."""

    def __init__(self) -> None:
        self.items: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd)
        content = envelope.original_content or b""
        self.items.append((str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 OK"


def _authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USERNAME.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, Received]]:
    """A local SMTP server that requires STARTTLS and a login, on a free port."""
    cert_file, key_file = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the adapter's default context trusts it, and only it
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    received = Received()
    port = servers.free_port()
    controller = Controller(
        received,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticate,
    )
    controller.start()
    yield port, received
    controller.stop()


@pytest.fixture(params=["local", "smtp"])
def mail(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Mail, Inbox]:
    if request.param == "local":
        local = LocalMail(tmp_path / "mail", SENDER)
        return local, Inbox(lambda: [parse(path.read_bytes()) for path in sorted(local.folder.glob("*.eml"))])
    port, received = request.getfixturevalue("smtp_server")
    inbox = Inbox(
        lambda: [parse(content) for _, _, content in received.items],
        lambda: [(sender, recipients) for sender, recipients, _ in received.items],
    )
    return SmtpMail("127.0.0.1", port, SENDER, username=USERNAME, password=PASSWORD, starttls=True), inbox


def test_subject_recipient_sender_text_and_html_arrive(mail: tuple[Mail, Inbox]) -> None:
    sender, inbox = mail
    sender.send(MESSAGE)
    [message] = inbox.messages()
    assert message["Subject"] == MESSAGE.subject
    assert message["To"] == MESSAGE.to
    assert message["From"] == SENDER
    assert message["Date"] is not None and message["Message-ID"].endswith("@talentcrew.example>")
    assert message.get_content_type() == "multipart/alternative"
    assert text_of(message.get_body(("plain",))) == MESSAGE.text
    assert text_of(message.get_body(("html",))).strip() == MESSAGE.html
    if isinstance(sender, SmtpMail):  # the envelope names the same people as the headers
        assert inbox.envelopes() == [("no-reply@talentcrew.example", [MESSAGE.to])]


def test_a_text_only_message_has_no_html_part(mail: tuple[Mail, Inbox]) -> None:
    sender, inbox = mail
    sender.send(Email(to=MESSAGE.to, subject="Plain", text="Only text.\n"))
    [message] = inbox.messages()
    assert message.get_content_type() == "text/plain"
    assert text_of(message) == "Only text.\n"
    assert message.get_body(("html",)) is None


def test_non_ascii_subject_and_text_arrive_intact(mail: tuple[Mail, Inbox]) -> None:
    sender, inbox = mail
    words = Email(to="zoë@acme.example", subject="Bestätigen Sie Ihre E-Mail — ✓", text="Grüße, Zoë ✓\n")
    sender.send(words)
    [message] = inbox.messages()
    assert (message["Subject"], message["To"], text_of(message)) == (words.subject, words.to, words.text)


def test_each_message_arrives_on_its_own(mail: tuple[Mail, Inbox]) -> None:
    sender, inbox = mail
    for n in range(3):
        sender.send(Email(to=f"person{n}@acme.example", subject=f"Message {n}", text=f"Text {n}\n"))
    assert sorted(str(message["Subject"]) for message in inbox.messages()) == ["Message 0", "Message 1", "Message 2"]


@pytest.mark.parametrize(
    "forged",
    [
        Email(to="rita@acme.example\r\nBcc: everyone@acme.example", subject="Hi", text="x"),
        Email(to="rita@acme.example", subject="Hi\nBcc: everyone@acme.example", text="x"),
    ],
)
def test_a_header_with_a_line_break_is_refused_and_nothing_is_sent(mail: tuple[Mail, Inbox], forged: Email) -> None:
    sender, inbox = mail
    with pytest.raises(ValueError):
        sender.send(forged)
    assert inbox.messages() == []


# --- what only one adapter has -------------------------------------------------------------------


def test_the_local_mailbox_is_its_owners_alone_and_lists_newest_first(tmp_path: Path) -> None:
    local = LocalMail(tmp_path / "mail", SENDER)
    local.send(MESSAGE)
    local.send(Email(to="sam@acme.example", subject="Second", text="See https://app.example/reset#t=xyz then.\n"))
    assert stat.S_IMODE(local.folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in local.folder.iterdir()} == {0o600}
    newest, oldest = local.letters()
    assert (newest.subject, newest.to, newest.links) == (
        "Second",
        "sam@acme.example",
        ("https://app.example/reset#t=xyz",),
    )
    assert (oldest.subject, oldest.links) == (MESSAGE.subject, ("https://app.example/verify#t=abc123",))
    assert newest.sent_at.tzinfo is not None
    assert [letter.subject for letter in local.letters(limit=1)] == ["Second"]


def test_a_more_open_mailbox_folder_is_closed(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    LocalMail(folder, SENDER).send(MESSAGE)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_local_mailbox_touches_no_disk_until_it_sends(tmp_path: Path) -> None:
    """Every process builds the platform; those that send nothing may run where nothing is writable."""
    local = LocalMail(tmp_path / "nowhere" / "mail", SENDER)
    assert local.letters() == []
    assert not (tmp_path / "nowhere").exists()


def test_smtp_with_a_wrong_password_raises(smtp_server: tuple[int, Received]) -> None:
    port, received = smtp_server
    with pytest.raises(smtplib.SMTPAuthenticationError):
        SmtpMail("127.0.0.1", port, SENDER, username=USERNAME, password="not it").send(MESSAGE)
    assert received.items == []


def test_smtp_refuses_a_server_whose_certificate_it_does_not_trust(
    smtp_server: tuple[int, Received], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port, received = smtp_server
    (tmp_path / "other").mkdir()
    other, _ = self_signed(tmp_path / "other")
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    with pytest.raises(ssl.SSLCertVerificationError):
        SmtpMail("127.0.0.1", port, SENDER, username=USERNAME, password=PASSWORD).send(MESSAGE)
    assert received.items == []


def test_smtp_without_starttls_is_refused_by_a_server_that_requires_it(smtp_server: tuple[int, Received]) -> None:
    port, received = smtp_server
    with pytest.raises(smtplib.SMTPException):
        SmtpMail("127.0.0.1", port, SENDER, starttls=False).send(MESSAGE)
    assert received.items == []


def test_smtp_raises_when_no_server_answers() -> None:
    with pytest.raises(OSError):
        SmtpMail("127.0.0.1", servers.free_port(), SENDER, timeout=2).send(MESSAGE)
