"""Alert settings from the environment: when a problem is worth a message, and where it goes.

Part of `Settings` (`Settings.alerts`), read once by `Settings.from_env`. With neither an
e-mail recipient nor a webhook URL, incidents are still recorded (`orderhub alerts list`, the
API, the portal) but nobody is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from orderhub.settings_source import EnvSettings, env_name, load

__all__ = ["SMTP_SECURITY", "AlertSettings"]

SMTP_SECURITY = ("starttls", "ssl", "none")


def _env(default: Any, name: str, *, secret: bool = False) -> Any:
    # The variable's name; a field is still given by its own name (`validate_by_name`).
    return Field(default, validation_alias=name, repr=not secret)


class AlertSettings(EnvSettings):
    """When a problem is worth a message, and where it goes (`ORDERHUB_ALERT_*`, `_SMTP_*`)."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True
    )

    failed_runs: int = _env(3, "ORDERHUB_ALERT_FAILED_RUNS")
    """`ORDERHUB_ALERT_FAILED_RUNS`: a flow whose last N runs all failed is failing."""
    failing_minutes: float = _env(30.0, "ORDERHUB_ALERT_FAILING_MINUTES")
    """`ORDERHUB_ALERT_FAILING_MINUTES`: or whose runs have failed for longer than this."""
    exceptions: int = _env(100, "ORDERHUB_ALERT_EXCEPTIONS")
    """`ORDERHUB_ALERT_EXCEPTIONS`: more open exceptions than this in one integration pile up
    (the incident clears at 80 % of it, so a count hovering at the line sends no flood)."""
    every_seconds: float = _env(60.0, "ORDERHUB_ALERT_EVERY_SECONDS")
    """`ORDERHUB_ALERT_EVERY_SECONDS`: how often the scheduler or a worker looks (0: never)."""
    email_to: tuple[str, ...] = _env((), "ORDERHUB_ALERT_EMAIL_TO")
    """`ORDERHUB_ALERT_EMAIL_TO`: recipients, comma-separated."""
    email_from: str = _env("orderhub@localhost", "ORDERHUB_ALERT_EMAIL_FROM")
    """`ORDERHUB_ALERT_EMAIL_FROM`."""
    smtp_host: str = _env("localhost", "ORDERHUB_SMTP_HOST")
    """`ORDERHUB_SMTP_HOST`."""
    smtp_port: int = _env(587, "ORDERHUB_SMTP_PORT")
    """`ORDERHUB_SMTP_PORT`."""
    smtp_security: str = _env("starttls", "ORDERHUB_SMTP_SECURITY")
    """`ORDERHUB_SMTP_SECURITY`: `starttls` (default), `ssl` (implicit TLS, port 465) or
    `none` (a relay on this machine or the local network only)."""
    smtp_user: str | None = _env(None, "ORDERHUB_SMTP_USER")
    """`ORDERHUB_SMTP_USER`; with `ORDERHUB_SMTP_PASSWORD`, log in before sending."""
    smtp_password: str | None = _env(None, "ORDERHUB_SMTP_PASSWORD", secret=True)
    webhook_url: str | None = _env(None, "ORDERHUB_ALERT_WEBHOOK_URL")
    """`ORDERHUB_ALERT_WEBHOOK_URL`: POST each message there as JSON, signed."""
    webhook_secret: str | None = _env(None, "ORDERHUB_ALERT_WEBHOOK_SECRET", secret=True)
    """`ORDERHUB_ALERT_WEBHOOK_SECRET`: the hub's key for the `X-OrderHub-Signature` header
    (HMAC-SHA256 of the body); required with a webhook URL."""

    @field_validator("failed_runs", "exceptions", "smtp_port", mode="before")
    @classmethod
    def _whole(cls, value: object, info: ValidationInfo) -> object:
        return _number(cls, value, info, whole=True)

    @field_validator("failing_minutes", "every_seconds", mode="before")
    @classmethod
    def _decimal(cls, value: object, info: ValidationInfo) -> object:
        return _number(cls, value, info, whole=False)

    @field_validator("email_to", mode="before")
    @classmethod
    def _addresses(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("smtp_security", mode="before")
    @classmethod
    def _security(cls, value: object) -> object:
        security = str(value).strip().lower()
        if security not in SMTP_SECURITY:
            raise ValueError(
                f"ORDERHUB_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {value!r}"
            )
        return security

    @model_validator(mode="after")
    def _webhook(self) -> AlertSettings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "ORDERHUB_ALERT_WEBHOOK_URL needs ORDERHUB_ALERT_WEBHOOK_SECRET: the receiver "
                "checks each message's X-OrderHub-Signature with it"
            )
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise ValueError("ORDERHUB_ALERT_WEBHOOK_URL must be an http(s):// URL")
        return self

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
        """The `ORDERHUB_ALERT_*` and `ORDERHUB_SMTP_*` variables of `env`; a bad value is a
        `UsageError` naming its variable."""
        return load(cls, env)


_LOWEST: dict[str, float] = {"every_seconds": 0}


def _number(
    settings_cls: type[BaseSettings], value: object, info: ValidationInfo, *, whole: bool
) -> float:
    field = str(info.field_name)
    low = _LOWEST.get(field, 1)
    text = str(value).strip()
    try:
        number: float | None = int(text) if whole else float(text)
    except ValueError:
        number = None
    if number is None or not low <= number < 10**9:  # also refuses nan and inf
        kind = "a whole number" if whole else "a number"
        raise ValueError(
            f"{env_name(settings_cls, field)} must be {kind} of at least {low:g}, "
            f"such as {settings_cls.model_fields[field].default:g}; not {text!r}"
        )
    return number
