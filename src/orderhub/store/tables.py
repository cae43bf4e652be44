"""The store's tables, as SQLAlchemy 2 declarative classes.

These classes are the store's private representation: the rest of the hub sees the
dataclasses and domain models that the repository modules (`records`, `integrations`, …)
return. The schema itself is created by the hand-written Alembic migrations in
`orderhub.store.migrations`; a test checks that the migrations and these classes agree.

Every time column is aware UTC (`UtcDateTime`); every JSON column is `JsonDocument`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from orderhub.store.dialect import JsonDocument, UtcDateTime

__all__ = [
    "AlertIncidentRow",
    "ApiKeyRow",
    "Base",
    "ChangeRow",
    "ExceptionRow",
    "FlowRow",
    "IntegrationRow",
    "LeaseRow",
    "RecordRow",
    "RunRow",
    "ShippingMethodMappingRow",
    "TimelineRow",
    "UserRow",
    "VerificationRow",
    "WebhookEndpointRow",
    "WebhookFlowRow",
    "WebhookInboxRow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An integer that autoincrements on both databases: BIGSERIAL on PostgreSQL, and on SQLite an
# INTEGER PRIMARY KEY (the rowid), which `sqlite_autoincrement` keeps from reusing values.
SerialId = BigInteger().with_variant(Integer(), "sqlite")

_OPEN = text("status = 'open'")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UtcDateTime,
        dict[str, Any]: JsonDocument,
        list[str]: JsonDocument,
    }


class RecordRow(Base):
    """One canonical record (order, product, …) of any kind.

    Keyed for upserts by `(kind, integration_id, ext_id)`. A hub-native record (created by the
    API or the CLI, not pulled from an integration) has no integration; it is stored with
    `integration_id = ""` so that one plain unique constraint covers both cases on both
    databases (SQL treats NULLs as distinct in unique constraints). The repository functions
    translate `""` to and from `None` (`store.stored.owner_key`); nothing outside the store
    sees the empty string.
    """

    __tablename__ = "records"
    __table_args__ = (
        # The upsert key; it also serves filters by integration. No other index may start
        # with (kind, integration_id): on a freshly filled table, before PostgreSQL has
        # analysed it, the planner could pick that index for the key lookup and scan.
        UniqueConstraint("kind", "integration_id", "ext_id"),
        Index(None, "kind", "updated_at"),
        Index(None, "kind", "status"),
        Index(None, "kind", "ext_ref"),
        Index(None, "kind", "sku"),
        Index(None, "kind", "ext_updated_at"),
    )

    hub_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    integration_id: Mapped[str] = mapped_column(String(32))
    ext_id: Mapped[str] = mapped_column(String(255))
    data: Mapped[dict[str, Any]]
    source_doc: Mapped[dict[str, Any] | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str | None] = mapped_column(String(64))
    ext_ref: Mapped[str | None] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255))
    ext_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChangeRow(Base):
    """The change feed: one row per created or updated record, numbered by `seq`.

    On PostgreSQL `seq` is allocated at insert, not at commit, so readers can see a higher
    seq before a lower one commits (see `orderhub.store.records`); on SQLite it is gapless
    in commit order.
    """

    __tablename__ = "changes"
    __table_args__ = (Index(None, "kind", "seq"), {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    hub_id: Mapped[str] = mapped_column(String(16))
    integration_id: Mapped[str | None] = mapped_column(String(32))
    run_id: Mapped[str | None] = mapped_column(String(16))
    flow: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]


class TimelineRow(Base):
    """A record's history: creations, updates (with the fields that changed) and notes."""

    __tablename__ = "timeline_events"
    __table_args__ = (Index(None, "hub_id", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    hub_id: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(16))
    changed_fields: Mapped[list[str]]
    integration_id: Mapped[str | None] = mapped_column(String(32))
    run_id: Mapped[str | None] = mapped_column(String(16))
    flow: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class IntegrationRow(Base):
    """A connected store; the API token only ever encrypted (`api_token_encrypted`).

    `disabled_at` is set while the merchant has the integration switched off; it is how the
    next successful connection knows it is a re-enable (new `enabled_at`, cursors reset)
    even if a failed connection test has set the status to `error` in between.
    """

    __tablename__ = "integrations"

    integration_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    connector: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    api_url: Mapped[str] = mapped_column(Text)
    api_token_encrypted: Mapped[str] = mapped_column(Text)
    api_key_hint: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_message: Mapped[str | None] = mapped_column(Text)
    enabled_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    settings: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FlowRow(Base):
    """One of an integration's six flows: switch, schedule, cursor and backfill start."""

    __tablename__ = "flow_settings"
    __table_args__ = (
        Index(None, "enabled", "next_run_at"),
        Index(None, "flow", "feed_seq"),  # push flows behind a kind's newest change (0013)
    )

    integration_id: Mapped[str] = mapped_column(
        String(16),
        ForeignKey("integrations.integration_id", ondelete="CASCADE"),
        primary_key=True,
    )
    flow: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    enabled_at: Mapped[datetime | None]
    interval_seconds: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime | None]
    cursor: Mapped[dict[str, Any] | None]
    feed_seq: Mapped[int | None] = mapped_column(BigInteger)
    """A push flow's position in the change feed (its cursor's `seq`), for the dispatcher."""
    idle_runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """A pull flow's runs in a row that found nothing new: they stretch its polling interval."""
    max_interval_seconds: Mapped[int] = mapped_column(Integer, default=900, server_default="900")
    requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    """A run was asked for (Sync now, a trigger): it runs even with nothing new in its feed."""
    next_run_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class RunRow(Base):
    """One run of one flow. `id` orders runs that started in the same microsecond."""

    __tablename__ = "runs"
    __table_args__ = (
        Index(None, "integration_id", "flow", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(16), unique=True)
    integration_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("integrations.integration_id", ondelete="CASCADE")
    )
    flow: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    fetched: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    api_calls: Mapped[int] = mapped_column(Integer)
    rate_limit_wait_seconds: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)


class ExceptionRow(Base):
    """A per-record sync exception. At most one open row per record and flow (partial index)."""

    __tablename__ = "sync_exceptions"
    __table_args__ = (
        Index(
            "uq_sync_exceptions_open",
            "integration_id",
            "flow",
            "entity_type",
            "ext_entity_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(None, "status", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    exception_id: Mapped[str] = mapped_column(String(16), unique=True)
    integration_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("integrations.integration_id", ondelete="CASCADE")
    )
    flow: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    ext_entity_id: Mapped[str] = mapped_column(String(255))
    exception_type: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    raw: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class LeaseRow(Base):
    """A named, time-limited lock held by one owner (`<hostname>:<pid>:<nonce>`)."""

    __tablename__ = "leases"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class CallBudgetRow(Base):
    """The call window of one remote store, shared by every process that calls it.

    `state` belongs to the connector (a document of its own call window); its times are
    the database server's clock in epoch seconds, so processes on different machines agree.
    A row keyed `reported <store>` holds instead what the store reported of its budget, for
    the dashboard (`orderhub.monitor.budget_reports`).
    """

    __tablename__ = "call_budgets"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[dict[str, Any] | None]
    updated_at: Mapped[datetime]


class SignInFailureRow(Base):
    """One failed portal sign-in, kept a minute: every front end throttles from the same rows.

    `key` is a SHA-256 of the client address and the email tried, so the table holds neither.
    """

    __tablename__ = "signin_failures"
    __table_args__ = (Index(None, "key", "failed_at"), Index(None, "failed_at"))

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime]


class ApiKeyRow(Base):
    """A REST API key: only its SHA-256 hash is kept; `prefix` lets a person recognise it."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class UserRow(Base):
    """A portal user; the password only as an argon2/bcrypt hash."""

    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Moved by each sign-out: a session cookie carries the epoch it was issued in."""


class VerificationRow(Base):
    """One completeness check of one pull flow (`orderhub integrations verify`, daily).

    `gaps` holds at most a few short descriptions (order numbers, SKUs); the counts say how
    many there were in all.
    """

    __tablename__ = "verifications"
    __table_args__ = (
        Index(None, "integration_id", "flow", "id"),
        Index(None, "integration_id", "started_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    verification_id: Mapped[str] = mapped_column(String(16), unique=True)
    integration_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("integrations.integration_id", ondelete="CASCADE")
    )
    flow: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    since: Mapped[datetime | None]
    checked_until: Mapped[datetime | None]
    checked: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer)
    stale: Mapped[int] = mapped_column(Integer)
    refetched: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    api_calls: Mapped[int] = mapped_column(Integer)
    gaps: Mapped[list[str]]
    error: Mapped[str | None] = mapped_column(Text)


class WebhookEndpointRow(Base):
    """An integration's webhook endpoint: the secret of its delivery URL, and the last check
    of its subscriptions in the store.

    The secret is kept twice: hashed (SHA-256), which is all the receiver needs to check a
    delivery, and encrypted like the API token, because subscribing again (a flow switched on,
    a repair) must write the same URL back to the store.
    """

    __tablename__ = "webhook_endpoints"

    integration_id: Mapped[str] = mapped_column(
        String(16),
        ForeignKey("integrations.integration_id", ondelete="CASCADE"),
        primary_key=True,
    )
    secret_hash: Mapped[str] = mapped_column(String(64))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    subscriptions: Mapped[dict[str, Any] | None]
    """The last subscription check (`store.webhook_endpoints.SubscriptionStatus`), or None."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookFlowRow(Base):
    """Per integration and pull flow: the last webhook delivery, and what polls say of them.

    `expected`: the flow's events were subscribed at the last check, so a change a poll finds
    should have been announced; `unannounced_streak` counts polls in a row that found changes
    no webhook announced, and past a few of them `broken_since` is set.
    """

    __tablename__ = "webhook_flows"

    integration_id: Mapped[str] = mapped_column(
        String(16),
        ForeignKey("integrations.integration_id", ondelete="CASCADE"),
        primary_key=True,
    )
    flow: Mapped[str] = mapped_column(String(32), primary_key=True)
    expected: Mapped[bool] = mapped_column(Boolean, default=False)
    last_delivery_at: Mapped[datetime | None]
    last_poll_at: Mapped[datetime | None]
    last_poll_changed: Mapped[int] = mapped_column(Integer, default=0)
    last_poll_unannounced: Mapped[int] = mapped_column(Integer, default=0)
    unannounced_streak: Mapped[int] = mapped_column(Integer, default=0)
    broken_since: Mapped[datetime | None]


class WebhookInboxRow(Base):
    """One accepted webhook delivery from a store: which event named which record, and when.

    Only ids are kept, never the body: a delivery is a hint that marks a pull flow due, and
    the run reads the record itself by its cursor. A copy of the body would be a second,
    unvalidated copy of customer data (names, addresses, e-mails) with nothing reading it.
    """

    __tablename__ = "webhook_inbox"
    __table_args__ = (
        Index(None, "integration_id", "flow", "ext_id", "received_at"),
        Index(None, "received_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("integrations.integration_id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(32))
    flow: Mapped[str | None] = mapped_column(String(32))
    """The pull flow the event made due; None for events that trigger nothing (customers)."""
    ext_id: Mapped[str | None] = mapped_column(String(64))
    """The store's id of the record the event names (order or product id), when it names one."""
    body_bytes: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]


class ShippingMethodMappingRow(Base):
    """A merchant's choice of the store's shipping method for a carrier (and service).

    `carrier_key` / `service_key` are the names folded for matching
    (`orderhub.domain.shipping_method.match_key`); `service_key` is `""`
    for a mapping that covers every service of the carrier. `method` is the store's method
    name as the merchant typed it.
    """

    __tablename__ = "shipping_method_mappings"

    integration_id: Mapped[str] = mapped_column(
        String(16),
        ForeignKey("integrations.integration_id", ondelete="CASCADE"),
        primary_key=True,
    )
    carrier_key: Mapped[str] = mapped_column(String(500), primary_key=True)
    service_key: Mapped[str] = mapped_column(String(500), primary_key=True)
    carrier: Mapped[str] = mapped_column(String(500))
    service: Mapped[str | None] = mapped_column(String(500))
    method: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AlertIncidentRow(Base):
    """One alert incident: a problem (a flow failing, exceptions piling up, a broken connection,
    webhooks that stopped) from when it was seen until it cleared.

    `key` names the problem (`flowFailing:<integration>:<flow>`); at most one open row per key
    (partial unique index), so two processes evaluating at once cannot open it twice.
    `open_sent` / `clear_sent` list the channels (`email`, `webhook`) that delivered the
    opening and the clearing message: each channel sends each message once.
    """

    __tablename__ = "alert_incidents"
    __table_args__ = (
        Index(
            "uq_alert_incidents_open",
            "key",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(None, "status", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(String(16), unique=True)
    key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    integration_id: Mapped[str | None] = mapped_column(String(16))
    flow: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    absent_since: Mapped[datetime | None]
    """When the problem was last seen gone while the incident is open: it clears once that
    has lasted `alerts.monitor.SETTLE`, so a flapping problem is one incident, not many."""
    open_sent: Mapped[list[str]]
    clear_sent: Mapped[list[str]]
    delivery_error: Mapped[str | None] = mapped_column(Text)
