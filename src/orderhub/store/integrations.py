"""Integrations: a connected store, its encrypted API token, its status and its six flows.

`enabled_at` is the integration's start point, as Pipe17's guide describes it: the moment its
connection first succeeded, moved again only when it is connected after having been disabled
(`disable_integration`). Re-testing a connected integration, or recovering from an `error`
status that was not preceded by a disable, keeps it — a failed connection test is not the
merchant switching the integration off, so nothing in between is skipped.

Deleting an integration deletes its flow settings, runs, sync exceptions, flow leases and
webhook state; the records it brought in stay, still carrying its (now dangling) integration
id, so orders and their history never vanish with a connection.

The per-flow functions (`set_flow_enabled`, `get_flow_state`, `save_cursor`, …) live in
`orderhub.store.flows` and are re-exported here. None of these functions commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.orm import Session

from orderhub.domain import Integration, IntegrationStatus
from orderhub.redaction import mask_secret
from orderhub.secrets import SecretBox
from orderhub.store.dialect import utc
from orderhub.store.errors import NotFoundError
from orderhub.store.flows import (
    DEFAULT_INTERVAL_SECONDS,
    FlowState,
    flow_rows,
    flow_setting,
    get_flow_state,
    mark_due,
    new_flow_rows,
    save_cursor,
    set_flow_enabled,
    set_flow_interval,
    set_flow_schedule,
)
from orderhub.store.integration_history import forget_history
from orderhub.store.leases import flow_lease_prefix
from orderhub.store.tables import (
    ExceptionRow,
    FlowRow,
    IntegrationRow,
    LeaseRow,
    RunRow,
    WebhookEndpointRow,
    WebhookFlowRow,
    WebhookInboxRow,
)

__all__ = [
    "DEFAULT_INTERVAL_SECONDS",
    "FlowState",
    "count_stored_tokens",
    "create_integration",
    "delete_integration",
    "disable_integration",
    "get_api_token",
    "get_flow_state",
    "get_integration",
    "get_integration_for_run",
    "list_integrations",
    "mark_connected",
    "mark_due",
    "mark_error",
    "save_cursor",
    "set_api_token",
    "set_flow_enabled",
    "set_flow_interval",
    "set_flow_schedule",
    "update_integration_settings",
]


def create_integration(
    session: Session,
    *,
    name: str,
    api_url: str,
    api_token: str,
    box: SecretBox,
    now: datetime,
    connector: str,
) -> Integration:
    """A new integration, `notConfigured`, with its six flows switched off."""
    now = utc(now)
    row = IntegrationRow(
        integration_id=secrets.token_hex(8),
        connector=connector,
        name=name,
        api_url=api_url,
        api_token_encrypted=box.encrypt(api_token),
        api_key_hint=mask_secret(api_token),
        status=IntegrationStatus.NOT_CONFIGURED.value,
        status_message=None,
        enabled_at=None,
        disabled_at=None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    flows = new_flow_rows(row.integration_id)
    session.add_all(flows)
    session.flush()
    return _integration(row, flows)


def get_integration(session: Session, integration_id: str) -> Integration | None:
    row = session.get(IntegrationRow, integration_id)
    if row is None:
        return None
    return _integration(row, flow_rows(session, [integration_id])[integration_id])


def get_integration_for_run(
    session: Session, integration_id: str, box: SecretBox
) -> tuple[Integration, Callable[[], str]] | None:
    """`get_integration` and its API token in one read, for a run's start: the token comes
    from the returned function (it raises `SecretDecryptError` on a wrong key, which fails
    the run rather than refusing it)."""
    row = session.get(IntegrationRow, integration_id)
    if row is None:
        return None
    encrypted = row.api_token_encrypted
    integration = _integration(row, flow_rows(session, [integration_id])[integration_id])
    return integration, lambda: box.decrypt(encrypted)


def list_integrations(session: Session) -> list[Integration]:
    """Every integration, oldest first."""
    rows = list(
        session.scalars(
            select(IntegrationRow).order_by(
                IntegrationRow.created_at, IntegrationRow.integration_id
            )
        )
    )
    flows = flow_rows(session, [row.integration_id for row in rows])
    return [_integration(row, flows[row.integration_id]) for row in rows]


def delete_integration(session: Session, integration_id: str) -> bool:
    """Delete an integration with its flows, runs, exceptions, leases, history and webhook
    state (endpoint secret, inbox, health); records stay."""
    if session.get(IntegrationRow, integration_id) is None:
        return False
    tables = (FlowRow, RunRow, ExceptionRow, WebhookInboxRow, WebhookFlowRow, WebhookEndpointRow)
    for table in tables:
        session.execute(
            delete(table)
            .where(table.integration_id == integration_id)
            .execution_options(synchronize_session="fetch")
        )
    session.execute(
        delete(LeaseRow)
        .where(LeaseRow.key.startswith(flow_lease_prefix(integration_id), autoescape=True))
        .execution_options(synchronize_session=False)
    )
    forget_history(session, integration_id)
    session.execute(
        delete(IntegrationRow)
        .where(IntegrationRow.integration_id == integration_id)
        .execution_options(synchronize_session="fetch")
    )
    return True


def count_stored_tokens(session: Session) -> int:
    """How many API tokens are stored (encrypted); 0 on a database with no schema yet."""
    if not inspect(session.connection()).has_table(IntegrationRow.__tablename__):
        return 0
    return session.scalar(select(func.count()).select_from(IntegrationRow)) or 0


def get_api_token(session: Session, integration_id: str, box: SecretBox) -> str:
    """The integration's API token in clear; raises `SecretDecryptError` on a wrong key."""
    return box.decrypt(_row(session, integration_id).api_token_encrypted)


def set_api_token(session: Session, integration_id: str, api_token: str, box: SecretBox) -> None:
    """Replace the stored token (and its hint); the status is left for a connection test."""
    row = _row(session, integration_id)
    row.api_token_encrypted = box.encrypt(api_token)
    row.api_key_hint = mask_secret(api_token)
    session.flush()


def mark_connected(session: Session, integration_id: str, *, now: datetime) -> Integration:
    """Record a successful connection test.

    The first success sets `enabled_at`; a success after `disable_integration` sets it again
    and clears every flow's cursor and backfill start, so the flows start from now.
    """
    now = utc(now)
    row = _row(session, integration_id)
    flows = flow_rows(session, [integration_id])[integration_id]
    if row.disabled_at is not None:
        for flow in flows:
            flow.cursor = None
            flow.feed_seq = None
            flow.since = None
            flow.next_run_at = None
        row.enabled_at = now
        row.disabled_at = None
    elif row.enabled_at is None:
        row.enabled_at = now
    row.status = IntegrationStatus.CONNECTED.value
    row.status_message = None
    row.updated_at = now
    session.flush()
    return _integration(row, flows)


def mark_error(session: Session, integration_id: str, message: str, *, now: datetime) -> None:
    """Record a failed connection test; `enabled_at` is unchanged, its flows stop being due."""
    row = _row(session, integration_id)
    row.status = IntegrationStatus.ERROR.value
    row.status_message = message
    row.updated_at = utc(now)
    session.flush()


def disable_integration(session: Session, integration_id: str, *, now: datetime) -> None:
    """Switch the whole integration off: its flows stop being due; they keep their settings."""
    now = utc(now)
    row = _row(session, integration_id)
    row.status = IntegrationStatus.DISABLED.value
    row.status_message = None
    if row.disabled_at is None:
        row.disabled_at = now
    row.updated_at = now
    session.flush()


def update_integration_settings(
    session: Session, integration_id: str, changes: Mapping[str, Any], *, now: datetime
) -> Integration:
    """Merge `changes` into the integration's settings (a key set to None is removed)."""
    row = _row(session, integration_id)
    merged = dict(row.settings or {})
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    row.settings = merged
    row.updated_at = now
    session.flush()
    found = get_integration(session, integration_id)
    assert found is not None
    return found


def _row(session: Session, integration_id: str) -> IntegrationRow:
    row = session.get(IntegrationRow, integration_id)
    if row is None:
        raise NotFoundError(f"No integration with id {integration_id!r}")
    return row


def _integration(row: IntegrationRow, flows: list[FlowRow]) -> Integration:
    return Integration(
        integration_id=row.integration_id,
        connector=row.connector,
        name=row.name,
        api_url=row.api_url,
        api_key_hint=row.api_key_hint,
        status=IntegrationStatus(row.status),
        status_message=row.status_message,
        enabled_at=row.enabled_at,
        settings=dict(row.settings or {}),
        flows=[flow_setting(flow) for flow in flows],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
