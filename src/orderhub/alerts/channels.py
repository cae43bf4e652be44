"""Where alerts go: e-mail over SMTP, and a signed HTTP POST.

Each channel sends one message or raises `DeliveryFailed` with one line saying why (never a
password or the webhook secret). Both are bounded by a timeout: a dead mail server delays the
next look, it never hangs the process.

The webhook's body is JSON (`messages.AlertMessage.payload`); `X-OrderHub-Signature:
sha256=<hex>` is the HMAC-SHA256 of the exact body bytes under the hub's
`ORDERHUB_ALERT_WEBHOOK_SECRET`, so the receiver can tell the message came from this hub
(`verify_signature` is what it computes). The body carries `sentAt`: a receiver that wants
to refuse replays refuses old ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from typing import Protocol

import httpx

from orderhub import __version__
from orderhub.alert_settings import AlertSettings
from orderhub.alerts.messages import AlertMessage

__all__ = [
    "SIGNATURE_HEADER",
    "Channel",
    "DeliveryFailed",
    "EmailChannel",
    "WebhookChannel",
    "channels_for",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-OrderHub-Signature"
_TIMEOUT_SECONDS = 10.0


class DeliveryFailed(Exception):
    """A channel could not deliver; the message is tried again at the next look."""


class Channel(Protocol):
    name: str

    def send(self, message: AlertMessage) -> None: ...


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver checks: the header is the HMAC-SHA256 of these exact bytes."""
    return header is not None and hmac.compare_digest(sign(secret, body), header.strip())


class EmailChannel:
    name = "email"

    def __init__(self, settings: AlertSettings) -> None:
        self._settings = settings

    def send(self, message: AlertMessage) -> None:
        s = self._settings
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = s.email_from
        mail["To"] = ", ".join(s.email_to)
        mail["X-OrderHub-Event"] = message.event
        mail.set_content(message.text)
        try:
            if s.smtp_security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=_TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=_TIMEOUT_SECONDS)
            with smtp:
                if s.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user and s.smtp_password:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as problem:
            raise DeliveryFailed(
                f"e-mail via {s.smtp_host}:{s.smtp_port} failed: {type(problem).__name__}"
                + (
                    f" {problem.smtp_code}"
                    if isinstance(problem, smtplib.SMTPResponseException)
                    else ""
                )
            ) from problem


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        settings: AlertSettings,
        *,
        http: Callable[[], httpx.Client] | None = None,
    ) -> None:
        if not settings.webhook_url or not settings.webhook_secret:
            raise ValueError("a webhook channel needs ORDERHUB_ALERT_WEBHOOK_URL and _SECRET")
        self._url = settings.webhook_url
        self._secret = settings.webhook_secret
        self._http = http or (lambda: httpx.Client(timeout=_TIMEOUT_SECONDS))

    def send(self, message: AlertMessage) -> None:
        body = json.dumps(message.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"OrderHub/{__version__}",
            SIGNATURE_HEADER: sign(self._secret, body),
        }
        host = httpx.URL(self._url).host
        try:
            with self._http() as client:
                answer = client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as problem:
            raise DeliveryFailed(f"webhook to {host} failed: {type(problem).__name__}") from problem
        if not answer.is_success:
            raise DeliveryFailed(f"webhook to {host} answered HTTP {answer.status_code}")


def channels_for(settings: AlertSettings) -> list[Channel]:
    """The configured channels, in `AlertSettings.channels` order."""
    found: list[Channel] = []
    for name in settings.channels:
        found.append(EmailChannel(settings) if name == "email" else WebhookChannel(settings))
    return found
