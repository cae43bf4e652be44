"""Settings from the environment (pydantic-settings), built once by the caller and passed down.

`Settings.from_env()` reads the `ORDERHUB_*` variables (`orderhub.settings_source` says how: a
blank value is unset, a bad one a `UsageError` naming its variable); `Settings(...)` built
directly reads nothing else, so a test's settings never depend on the shell it runs in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from orderhub.alert_settings import AlertSettings
from orderhub.private_files import make_private_dir, tighten
from orderhub.proxies import TrustedProxies
from orderhub.public_url import normalize_public_url
from orderhub.settings_source import EnvSettings, EnvSource, env_name, load, one_of, usage_error

__all__ = [
    "CALL_BUDGET_SCOPES",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_IN_FLIGHT",
    "DEFAULT_VERIFY_EVERY_HOURS",
    "KEY_FILE",
    "LOG_FORMATS",
    "Settings",
    "call_budgets_shared",
    "read_key_file",
]

KEY_FILE = "secret.key"
"""The generated secret key's file in the home (used when `ORDERHUB_SECRET_KEY` is unset)."""


CALL_BUDGET_SCOPES = ("auto", "process", "database")

DEFAULT_VERIFY_EVERY_HOURS = 24.0
"""How often each connected integration's pull flows are verified (`integrations verify`)."""
_MAX_VERIFY_EVERY_HOURS = 24.0 * 366

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""1 MiB: an API write is one entity (a product, a fulfillment and its lines) of a few KiB at
most, and a portal form smaller still; large enough to never get in their way."""


DEFAULT_MAX_IN_FLIGHT = 32
"""Requests one web process works on at once before it answers 503 (`orderhub.load_shedding`)."""

LOG_FORMATS = ("auto", "json", "console")
"""`ORDERHUB_LOG_FORMAT`'s values (`orderhub.logs`)."""
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(EnvSettings):
    """The hub's settings: `Settings.from_env()` in a process, built directly in tests."""

    model_config = SettingsConfigDict(
        env_prefix="ORDERHUB_", frozen=True, extra="forbid", arbitrary_types_allowed=True
    )

    home: Path
    database_url: str
    """`ORDERHUB_DATABASE_URL`: any SQLAlchemy URL (default: SQLite in the home)."""
    secret_key: str = Field(repr=False)
    """`ORDERHUB_SECRET_KEY`, else the home's key file; empty when there is neither yet, and
    then `build_hub` makes the key file unless stored tokens need the missing key
    (`orderhub.secret_key`)."""
    call_budget: str = "auto"
    """Where each store's call budget is kept: `process` (this process only), `database`
    (shared by every process on the database), or `auto` (`database` on PostgreSQL)."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """`ORDERHUB_MAX_BODY_BYTES`: the largest request body the API and the portal read."""
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    """`ORDERHUB_MAX_IN_FLIGHT`: requests one web process works on at once; the next is
    answered 503 with `Retry-After` instead of queueing (`orderhub.load_shedding`)."""
    trusted_proxies: TrustedProxies = Field(default_factory=TrustedProxies)
    """`ORDERHUB_TRUSTED_PROXIES`: the only peers whose `X-Forwarded-For`/`-Proto` are believed."""
    verify_every_hours: float = DEFAULT_VERIFY_EVERY_HOURS
    """`ORDERHUB_VERIFY_EVERY_HOURS`: verify each integration when its last verification is
    older than this (0: never on a schedule; `integrations verify` still works)."""
    public_url: str | None = None
    """`ORDERHUB_PUBLIC_URL` (or `serve --public-url`): where the stores can reach this hub, for
    webhooks; None: no webhooks, the flows poll (`orderhub.public_url` says what is valid)."""
    metrics_token: str | None = Field(None, repr=False)
    """`ORDERHUB_METRICS_TOKEN`: the bearer token that lets a scraper on another machine read
    `/metrics`; None: only this machine may (`orderhub.monitor.access`)."""
    log_format: str = "auto"
    """`ORDERHUB_LOG_FORMAT`: `json` (one object a line), `console` (for a person) or `auto`
    (`console` on a terminal, else `json`); `orderhub.logs`."""
    log_level: str = "INFO"
    """`ORDERHUB_LOG_LEVEL`: the least severe level logged (`DEBUG`, `INFO`, `WARNING`…)."""
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    """`ORDERHUB_ALERT_*` and `ORDERHUB_SMTP_*`: thresholds and channels of alerts."""

    @field_validator("call_budget", mode="before")
    @classmethod
    def _call_budget(cls, value: object) -> object:
        return one_of("ORDERHUB_CALL_BUDGET", value, CALL_BUDGET_SCOPES)

    @field_validator("max_body_bytes", "max_in_flight", mode="before")
    @classmethod
    def _positive(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not text.isdigit() or int(text) < 1:
            name = env_name(cls, str(info.field_name))
            default = cls.model_fields[str(info.field_name)].default
            unit = " of bytes" if info.field_name == "max_body_bytes" else ""
            raise ValueError(
                f"{name} must be a whole number{unit} of at least 1, such as {default}; "
                f"not {text!r}"
            )
        return int(text)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        return TrustedProxies.parse(value) if isinstance(value, str) else value

    @field_validator("verify_every_hours", mode="before")
    @classmethod
    def _hours(cls, value: object) -> object:
        if isinstance(value, int | float) and 0 <= value <= _MAX_VERIFY_EVERY_HOURS:
            return float(value)
        try:
            hours = float(str(value).strip())
        except ValueError:
            hours = -1.0
        if not 0 <= hours <= _MAX_VERIFY_EVERY_HOURS:  # also refuses nan and inf
            raise ValueError(
                f"ORDERHUB_VERIFY_EVERY_HOURS must be a number of hours from 0 (never) to "
                f"{_MAX_VERIFY_EVERY_HOURS:.0f}, such as {DEFAULT_VERIFY_EVERY_HOURS:.0f}; "
                f"not {value!r}"
            )
        return hours

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        # The one normal form is kept, so every process builds the same URLs.
        return normalize_public_url(value) if value is not None else None

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        return one_of("ORDERHUB_LOG_FORMAT", value, LOG_FORMATS)

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        return one_of("ORDERHUB_LOG_LEVEL", value, _LOG_LEVELS)

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes`, validated again (a public URL is normalised, a bad value
        refused), as `dataclasses.replace` did when settings were a dataclass."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        try:
            return type(self)(**{**values, **changes})
        except ValidationError as invalid:
            raise usage_error(type(self), invalid) from None

    def shares_call_budgets(self, dialect: str) -> bool:
        """Whether runs keep store call budgets in the database (`dialect`: the database's)."""
        return call_budgets_shared(self.call_budget, dialect)

    @property
    def key_file(self) -> Path:
        return self.home / KEY_FILE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every `ORDERHUB_*` variable of `env` (the process's environment by default):
        `ORDERHUB_HOME`, `_DATABASE_URL`, `_SECRET_KEY`, `_CALL_BUDGET`, `_MAX_BODY_BYTES`,
        `_MAX_IN_FLIGHT`, `_TRUSTED_PROXIES`, `_VERIFY_EVERY_HOURS`, `_PUBLIC_URL`,
        `_METRICS_TOKEN`, `_LOG_FORMAT`, `_LOG_LEVEL`, and the alerts' `ORDERHUB_ALERT_*` /
        `ORDERHUB_SMTP_*` (`orderhub.alert_settings`). A bad value is a `UsageError` that
        names its variable.

        The home folder is created on demand, readable by its owner only (0700). The secret
        key is read here but never made here: whether a new one is safe depends on the
        database (`build_hub`).
        """
        env = os.environ if env is None else env
        found = EnvSource(cls, env)()
        home = make_private_dir(Path(found.get("home") or ".orderhub").expanduser().resolve())
        return load(
            cls,
            env,
            home=home,
            database_url=found.get("database_url") or f"sqlite:///{home / 'orderhub.db'}",
            secret_key=found.get("secret_key") or read_key_file(home / KEY_FILE),
            alerts=AlertSettings.from_env(env),
        )


def call_budgets_shared(scope: str, dialect: str) -> bool:
    """Whether call budgets live in the database for this `ORDERHUB_CALL_BUDGET` scope: `auto`
    shares them on PostgreSQL, the database several processes share; SQLite serves one."""
    if scope == "auto":
        return dialect == "postgresql"
    return scope == "database"


def read_key_file(path: Path) -> str:
    """The key in `path`, or "" when the file is missing or blank; tightened to 0600 if needed."""
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        return ""
    tighten(path)
    return key
