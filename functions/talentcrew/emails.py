"""The emails the platform sends (sign-up, password reset, workspace and interview invitations), and how one becomes
a MIME message.

Sign-up mails go to addresses whose owners may never have asked for them, so no message carries text
a stranger typed (a name, a company): only our words and our links. Links hold their token in the
URL fragment, which browsers do not send, so no server log sees it.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from talentcrew.models import utcnow
from talentcrew.ports import Email

IGNORE = "If it was not you, you need do nothing: ignore this message."


def compose(message: Email, sender: str) -> EmailMessage:
    """The message as both Mail adapters send it: plain text, and the HTML as its alternative."""
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(utcnow())
    # The sender's domain, not the host name (make_msgid's default asks DNS for it).
    mime["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "talentcrew.invalid")
    mime.set_content(message.text)
    if message.html:
        mime.add_alternative(message.html, subtype="html")
    return mime


def _letter(to: str, subject: str, opening: str, action: str, url: str, closing: str | list[str]) -> Email:
    """A paragraph, one link to act on, then the closing paragraphs: as text, and as escaped HTML."""
    after = [closing] if isinstance(closing, str) else closing
    text = "\n\n".join([opening, f"{action}:\n{url}", *after, "-- TalentCrew"]) + "\n"
    markup = "".join(
        [
            f"<p>{html.escape(opening)}</p>",
            f'<p><a href="{html.escape(url)}">{html.escape(action)}</a></p>',
            *(f"<p>{html.escape(paragraph)}</p>" for paragraph in after),
            "<p>-- TalentCrew</p>",
        ]
    )
    return Email(to=to, subject=subject, text=text, html=markup)


def confirm_sign_up(to: str, link: str, hours: int) -> Email:
    return _letter(
        to,
        "Confirm your email for TalentCrew",
        "Someone (we hope you) asked to create a TalentCrew account with this email address. To create it, open "
        f"this link within {hours} hours and enter the password you chose when signing up.",
        "Confirm your email and open TalentCrew",
        link,
        "If it was not you, ignore this message: no account is created, even if you open the link.",
    )


def welcome(to: str, login_url: str) -> Email:
    return _letter(
        to,
        "Your TalentCrew account is ready",
        "A TalentCrew account was created with this email address.",
        "Log in",
        login_url,
        "If it was not you, reset the password from the login page, or write to us.",
    )


def already_registered(to: str, reset_url: str) -> Email:
    return _letter(
        to,
        "Someone tried to sign up with your email",
        "Someone tried to create a TalentCrew account with this email address, which already has one. Nothing "
        "about your account changed. If it was you, log in; if you forgot your password, reset it here.",
        "Reset your password",
        reset_url,
        IGNORE,
    )


def reset_password(to: str, link: str, minutes: int) -> Email:
    return _letter(
        to,
        "Reset your TalentCrew password",
        f"Someone (we hope you) asked to reset the password of your TalentCrew account. Open this link within "
        f"{minutes} minutes to choose a new one; it works once.",
        "Choose a new password",
        link,
        f"{IGNORE} Your password stays as it is.",
    )


def no_account(to: str, sign_up_url: str) -> Email:
    return _letter(
        to,
        "Reset your TalentCrew password",
        "Someone asked to reset the password of a TalentCrew account with this email address, but no account "
        "uses it. If you meant to create one, sign up here.",
        "Sign up",
        sign_up_url,
        IGNORE,
    )


def member_invitation(to: str, inviter: str, workspace: str, role: str, link: str, days: int) -> Email:
    """The inviter's verified email and the workspace's name are the only words a member typed: the recipient must
    know who asks before deciding to join."""
    name = f"the workspace {workspace!r}" if workspace else "their TalentCrew workspace"
    return _letter(
        to,
        "You are invited to a TalentCrew workspace",
        f"{inviter} invited you to join {name} as a {role}. Open this link within {days} days to accept: log in "
        "with this email address, or create an account with it. The link works once.",
        "Accept the invitation",
        link,
        "If you do not know who this is, ignore this message: nothing happens unless you accept.",
    )


def candidate_invite(
    to: str, name: str, job: str, link: str, deadline: str, consent: str, contact: str, *, reminder: bool
) -> Email:
    """The candidate's link, with what they need before opening it: the job, the deadline, what is recorded and
    how to ask for an accommodation. A reminder says so in its subject and first words."""
    opening = (
        f"Hello {name}, a reminder: your interview for {job} is waiting, and its link works until {deadline}."
        if reminder
        else f"Hello {name}, you are invited to an interview for {job}. The link works until {deadline}."
    )
    return _letter(
        to,
        f"Reminder: your interview for {job}" if reminder else f"Your interview for {job}",
        opening,
        "Open your interview",
        link,
        [
            f"About the interview: {consent}",
            "You may answer by voice or by typing. If you need an accommodation (more time, text only, another "
            f"date, or anything else), write to {contact} before the link expires.",
            "If you did not expect this message, you can ignore it.",
        ],
    )
