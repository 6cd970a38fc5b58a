"""Mail through an SMTP relay (SendGrid, Mailgun, Google Workspace, a company's own): for production.

stdlib `smtplib`, one connection per message (sign-ups and resets are rare, and a connection kept
open between them would only time out). The connection is upgraded with STARTTLS, checking the
server's certificate and name, before any password is sent, unless configured off.
"""

from __future__ import annotations

import smtplib
import ssl

from talentcrew.emails import compose
from talentcrew.ports import Email


class SmtpMail:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 15.0,
    ) -> None:
        if not host:
            raise ValueError("TALENTCREW_SMTP_HOST is required when TALENTCREW_MAIL=smtp")
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout  # a stalled relay must not hold a sign-up request for long

    def send(self, message: Email) -> None:
        """Raises `smtplib.SMTPException` or `OSError` when the relay refuses or cannot be reached."""
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self._username:
                smtp.login(self._username, self._password or "")
            smtp.send_message(compose(message, self._sender))
