"""Sync exceptions retried or closed by hand.

A retry of many (`retry_exceptions`) names what it retries — every open exception, one
integration's, one flow's, one reason's, or the portal's group (integration, flow and reason) —
and runs each flow concerned once, retrying exactly those now (`FlowRunner.retry_all`); the
count a page or an answer shows is `count_to_retry` of the same scope. Resolving closes an
exception without a retry, when the merchant has fixed or accepted the record elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from orderhub.domain import ExceptionStatus, FlowName, Run, SyncException
from orderhub.engine import FlowRunner
from orderhub.errors import NotFoundError
from orderhub.hub import Hub
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, Origin, StoredRecord, get_record, get_record_by_ext
from orderhub.store.timeline import add_timeline_note

__all__ = [
    "Resolved",
    "RetryScope",
    "count_to_retry",
    "record_of_exception",
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
    """The hub record an exception is about, when the hub holds one: the integration's copy
    (a pull), a hub-native record under the same key (a push of a SKU), or the record with
    that hub id (a push)."""
    if item.entity_type not in {kind.value for kind in EntityKind}:
        return None
    kind = EntityKind(item.entity_type)
    return (
        get_record_by_ext(session, kind, item.integration, item.ext_entity_id)
        or get_record_by_ext(session, kind, None, item.ext_entity_id)
        or get_record(session, kind, item.ext_entity_id)
    )
