"""Sync exceptions retried or closed by hand.

A retry of many (`retry_exceptions`) names what it retries — every open exception, one
integration's, one flow's, one reason's, or the portal's group (integration, flow and reason) —
and runs each flow concerned once, retrying exactly those now (`FlowRunner.retry_all`); the
count a page or an answer shows is `count_to_retry` of the same scope. Resolving closes an
exception without a retry, when the merchant has fixed or accepted the record elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orderhub.domain import ExceptionStatus, FlowName, Run, SyncException
from orderhub.engine import FlowRunner
from orderhub.errors import NotFoundError
from orderhub.hub import Hub
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store.records import (
    EntityKind,
    Origin,
    StoredRecord,
    get_records,
    records_held_by,
)
from orderhub.store.timeline import add_timeline_note

__all__ = [
    "Resolved",
    "RetryScope",
    "count_to_retry",
    "record_of_exception",
    "records_of_exceptions",
    "resolve_exception",
    "retry_exceptions",
]


@dataclass(frozen=True)
class RetryScope:
    """Which open exceptions a retry takes; an unset field does not narrow it."""

    integration_id: str | None = None
    flow: FlowName | None = None
    reason: str | None = None
    """The exception code (`missingSku`)."""


def count_to_retry(hub: Hub, scope: RetryScope) -> int:
    """How many open exceptions `scope` takes. `NotFoundError` for an unknown integration."""
    where = exception_store.ExceptionFilter(
        integration=scope.integration_id,
        flows=(scope.flow.value,) if scope.flow is not None else (),
        statuses=(ExceptionStatus.OPEN.value,),
        reasons=(scope.reason,) if scope.reason is not None else (),
    )
    with hub.db.read_session() as session:
        if scope.integration_id is not None and not integration_store.get_integration(
            session, scope.integration_id
        ):
            raise NotFoundError(f"No integration with id {scope.integration_id!r}")
        _, total = exception_store.page_exceptions(session, where, skip=0, count=0)
    return total


def retry_exceptions(runner: FlowRunner, scope: RetryScope) -> list[Run]:
    """Retry the open exceptions `scope` takes, now: one run of each flow concerned."""
    return runner.retry_all(scope.integration_id, flow=scope.flow, reason=scope.reason)


@dataclass(frozen=True)
class Resolved:
    exception: SyncException
    resolved_now: bool
    """False when it was resolved already (nothing changed)."""


def resolve_exception(
    hub: Hub, exception_id: str, *, actor: str, by: str | None = None
) -> Resolved:
    """Mark an exception resolved. With `by` (a person), the record it is about (when the
    hub holds one) notes on its timeline who resolved it, and where (`actor`: "portal", …).
    `NotFoundError` for an unknown id."""
    now = hub.clock.now()
    with hub.db.session() as session:
        item = exception_store.get_exception(session, exception_id)
        if item is None:
            raise NotFoundError(f"No exception with id {exception_id!r}")
        done = exception_store.resolve_exception(session, exception_id, now=now)
        record = record_of_exception(session, item) if done and by else None
        if record is not None:
            add_timeline_note(
                session,
                record.kind,
                record.hub_id,
                note=f"Exception {item.exception_type} marked resolved by {by} in the {actor} "
                "(not fixed by a sync)",
                origin=Origin(integration_id=None, actor=actor),
                now=now,
            )
        after = exception_store.get_exception(session, exception_id)
    assert after is not None
    return Resolved(after, done)


def record_of_exception(session: Session, item: SyncException) -> StoredRecord | None:
    """The hub record an exception is about, when the hub holds one (`records_of_exceptions`)."""
    return records_of_exceptions(session, [item]).get(item.exception_id)


def records_of_exceptions(
    session: Session, items: Sequence[SyncException]
) -> dict[str, StoredRecord]:
    """The hub record each exception is about, by exception id, for those the hub holds one
    of: the integration's copy (a pull), else a hub-native record under the same key (a push
    of a SKU), else the record with that hub id (a push). Two queries per kind of record
    among them, however many exceptions (a page of them reads in a few)."""
    by_kind: dict[EntityKind, list[SyncException]] = {}
    kinds = {kind.value: kind for kind in EntityKind}
    for item in items:
        if item.entity_type in kinds:
            by_kind.setdefault(kinds[item.entity_type], []).append(item)
    found: dict[str, StoredRecord] = {}
    for kind, of_kind in by_kind.items():
        ext_ids = [item.ext_entity_id for item in of_kind]
        owners = [*{item.integration for item in of_kind}, None]
        held = {
            (record.integration_id, record.ext_id): record
            for record in records_held_by(session, kind, owners, ext_ids)
        }
        by_hub_id = {record.hub_id: record for record in get_records(session, kind, ext_ids)}
        for item in of_kind:
            record = (
                held.get((item.integration, item.ext_entity_id))
                or held.get((None, item.ext_entity_id))
                or by_hub_id.get(item.ext_entity_id)
            )
            if record is not None:
                found[item.exception_id] = record
    return found
