"""Alert settings from the environment: when a problem is worth a message, and where it goes.

Part of `Settings` (`Settings.alerts`), read once by `Settings.from_env`. With neither an
e-mail recipient nor a webhook URL, incidents are still recorded (`orderhub alerts list`, the
API, the portal) but nobody is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orderhub.errors import UsageError

__all__ = ["SMTP_SECURITY", "AlertSettings"]

SMTP_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class AlertSettings:
    failed_runs: int = 3
    """`ORDERHUB_ALERT_FAILED_RUNS`: a flow whose last N runs all failed is failing."""
    failing_minutes: float = 30.0
    """`ORDERHUB_ALERT_FAILING_MINUTES`: or whose runs have failed for longer than this."""
    exceptions: int = 100
    """`ORDERHUB_ALERT_EXCEPTIONS`: more open exceptions than this in one integration pile up
    (the incident clears at 80 % of it, so a count hovering at the line sends no flood)."""
    every_seconds: float = 60.0
    """`ORDERHUB_ALERT_EVERY_SECONDS`: how often the scheduler or a worker looks (0: never)."""
    email_to: tuple[str, ...] = ()
    """`ORDERHUB_ALERT_EMAIL_TO`: recipients, comma-separated."""
    email_from: str = "orderhub@localhost"
    """`ORDERHUB_ALERT_EMAIL_FROM`."""
    smtp_host: str = "localhost"
    """`ORDERHUB_SMTP_HOST`."""
    smtp_port: int = 587
    """`ORDERHUB_SMTP_PORT`."""
    smtp_security: str = "starttls"
    """`ORDERHUB_SMTP_SECURITY`: `starttls` (default), `ssl` (implicit TLS, port 465) or
    `none` (a relay on this machine or the local network only)."""
    smtp_user: str | None = None
    """`ORDERHUB_SMTP_USER`; with `ORDERHUB_SMTP_PASSWORD`, log in before sending."""
    smtp_password: str | None = None
    webhook_url: str | None = None
    """`ORDERHUB_ALERT_WEBHOOK_URL`: POST each message there as JSON, signed."""
    webhook_secret: str | None = None
    """`ORDERHUB_ALERT_WEBHOOK_SECRET`: the hub's key for the `X-OrderHub-Signature` header
    (HMAC-SHA256 of the body); required with a webhook URL."""

    def __post_init__(self) -> None:
        if self.smtp_security not in SMTP_SECURITY:
            raise UsageError(
                f"ORDERHUB_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
                f"not {self.smtp_security!r}"
            )
        if self.webhook_url and not self.webhook_secret:
            raise UsageError(
                "ORDERHUB_ALERT_WEBHOOK_URL needs ORDERHUB_ALERT_WEBHOOK_SECRET: the receiver "
                "checks each message's X-OrderHub-Signature with it"
            )
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise UsageError("ORDERHUB_ALERT_WEBHOOK_URL must be an http(s):// URL")

    @property
    def channels(self) -> tuple[str, ...]:
        """The configured channels, in delivery order: `email`, `webhook`."""
        found: list[str] = []
        if self.email_to:
            found.append("email")
        if self.webhook_url:
            found.append("webhook")
        return tuple(found)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AlertSettings:
        def text(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        return cls(
            failed_runs=_whole(env, "ORDERHUB_ALERT_FAILED_RUNS", 3, low=1),
            failing_minutes=_decimal(env, "ORDERHUB_ALERT_FAILING_MINUTES", 30.0, low=1),
            exceptions=_whole(env, "ORDERHUB_ALERT_EXCEPTIONS", 100, low=1),
            every_seconds=_decimal(env, "ORDERHUB_ALERT_EVERY_SECONDS", 60.0, low=0),
            email_to=tuple(
                part.strip()
                for part in (env.get("ORDERHUB_ALERT_EMAIL_TO") or "").split(",")
                if part.strip()
            ),
            email_from=text("ORDERHUB_ALERT_EMAIL_FROM") or "orderhub@localhost",
            smtp_host=text("ORDERHUB_SMTP_HOST") or "localhost",
            smtp_port=_whole(env, "ORDERHUB_SMTP_PORT", 587, low=1),
            smtp_security=(text("ORDERHUB_SMTP_SECURITY") or "starttls").lower(),
            smtp_user=text("ORDERHUB_SMTP_USER"),
            smtp_password=env.get("ORDERHUB_SMTP_PASSWORD") or None,
            webhook_url=text("ORDERHUB_ALERT_WEBHOOK_URL"),
            webhook_secret=env.get("ORDERHUB_ALERT_WEBHOOK_SECRET") or None,
        )


def _whole(env: Mapping[str, str], name: str, default: int, *, low: int) -> int:
    return int(_number(env, name, default, low=low, whole=True))


def _decimal(env: Mapping[str, str], name: str, default: float, *, low: float) -> float:
    return _number(env, name, default, low=low, whole=False)


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, whole: bool) -> float:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    try:
        number: float | None = int(value) if whole else float(value)
    except ValueError:
        number = None
    if number is None or not low <= number < 10**9:  # also refuses nan and inf
        kind = "a whole number" if whole else "a number"
        raise UsageError(
            f"{name} must be {kind} of at least {low:g}, such as {default:g}; not {value!r}"
        )
    return number
