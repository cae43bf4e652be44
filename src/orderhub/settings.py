"""Settings from the environment, built once by the caller and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orderhub.alert_settings import AlertSettings
from orderhub.errors import UsageError
from orderhub.private_files import make_private_dir, tighten
from orderhub.proxies import TrustedProxies
from orderhub.public_url import normalize_public_url

__all__ = [
    "CALL_BUDGET_SCOPES",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_IN_FLIGHT",
    "DEFAULT_VERIFY_EVERY_HOURS",
    "KEY_FILE",
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


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    secret_key: str
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
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
    """`ORDERHUB_TRUSTED_PROXIES`: the only peers whose `X-Forwarded-For`/`-Proto` are believed."""
    verify_every_hours: float = DEFAULT_VERIFY_EVERY_HOURS
    """`ORDERHUB_VERIFY_EVERY_HOURS`: verify each integration when its last verification is
    older than this (0: never on a schedule; `integrations verify` still works)."""
    public_url: str | None = None
    """`ORDERHUB_PUBLIC_URL` (or `serve --public-url`): where Cart.com can reach this hub, for
    webhooks; None: no webhooks, the flows poll (`orderhub.public_url` says what is valid)."""
    metrics_token: str | None = None
    """`ORDERHUB_METRICS_TOKEN`: the bearer token that lets a scraper on another machine read
    `/metrics`; None: only this machine may (`orderhub.monitor.access`)."""
    alerts: AlertSettings = field(default_factory=AlertSettings)
    """`ORDERHUB_ALERT_*` and `ORDERHUB_SMTP_*`: thresholds and channels of alerts."""

    def __post_init__(self) -> None:
        if self.call_budget not in CALL_BUDGET_SCOPES:
            raise UsageError(
                f"ORDERHUB_CALL_BUDGET must be one of {', '.join(CALL_BUDGET_SCOPES)}, "
                f"not {self.call_budget!r}"
            )
        if self.public_url is not None:
            # Frozen: the one normal form is kept, so every process builds the same URLs.
            object.__setattr__(self, "public_url", normalize_public_url(self.public_url))

    def shares_call_budgets(self, dialect: str) -> bool:
        """Whether runs keep store call budgets in the database (`dialect`: the database's)."""
        return call_budgets_shared(self.call_budget, dialect)

    @property
    def key_file(self) -> Path:
        return self.home / KEY_FILE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `ORDERHUB_HOME`, `_DATABASE_URL`, `_SECRET_KEY`, `_CALL_BUDGET`,
        `_MAX_BODY_BYTES`, `_MAX_IN_FLIGHT`, `_TRUSTED_PROXIES`, `_VERIFY_EVERY_HOURS`,
        `_PUBLIC_URL` and `_METRICS_TOKEN`, and the alerts' `ORDERHUB_ALERT_*` /
        `ORDERHUB_SMTP_*` (`orderhub.alert_settings`).

        The home folder is created on demand, readable by its owner only (0700). The secret
        key is read here but never made here: whether a new one is safe depends on the
        database (`build_hub`).
        """
        env = os.environ if env is None else env
        home = make_private_dir(
            Path(env.get("ORDERHUB_HOME") or ".orderhub").expanduser().resolve()
        )
        database_url = env.get("ORDERHUB_DATABASE_URL") or f"sqlite:///{home / 'orderhub.db'}"
        secret_key = env.get("ORDERHUB_SECRET_KEY") or read_key_file(home / KEY_FILE)
        call_budget = (env.get("ORDERHUB_CALL_BUDGET") or "auto").strip().lower()
        return cls(
            home=home,
            database_url=database_url,
            secret_key=secret_key,
            call_budget=call_budget,
            max_body_bytes=_positive_int(env, "ORDERHUB_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            max_in_flight=_positive_int(env, "ORDERHUB_MAX_IN_FLIGHT", DEFAULT_MAX_IN_FLIGHT),
            trusted_proxies=TrustedProxies.parse(env.get("ORDERHUB_TRUSTED_PROXIES") or ""),
            verify_every_hours=_hours(env, "ORDERHUB_VERIFY_EVERY_HOURS"),
            public_url=(env.get("ORDERHUB_PUBLIC_URL") or "").strip() or None,
            metrics_token=(env.get("ORDERHUB_METRICS_TOKEN") or "").strip() or None,
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


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise UsageError(
            f"{name} must be a whole number of bytes, such as {default}; not {value!r}"
        )
    return int(value)


def _hours(env: Mapping[str, str], name: str) -> float:
    value = (env.get(name) or "").strip()
    if not value:
        return DEFAULT_VERIFY_EVERY_HOURS
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= _MAX_VERIFY_EVERY_HOURS:  # also refuses nan and inf
        raise UsageError(
            f"{name} must be a number of hours from 0 (never) to {_MAX_VERIFY_EVERY_HOURS:.0f}, "
            f"such as {DEFAULT_VERIFY_EVERY_HOURS:.0f}; not {value!r}"
        )
    return hours
