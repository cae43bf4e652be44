"""Record timelines: what changed in a record, when, and who changed it.

Every created or updated record gets one event, written with its change-feed row
(`orderhub.store.feed`) by `records.upsert_records` in the caller's transaction; notes
(`add_timeline_note`) go to the timeline only, never to the feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from orderhub.store.dialect import in_chunks, utc
from orderhub.store.entities import EntityKind, Origin, origin_columns
from orderhub.store.errors import NotFoundError
from orderhub.store.tables import Base, RecordRow, TimelineRow

__all__ = [
    "TimelineEvent",
    "add_timeline_note",
    "add_timeline_notes",
    "record_events",
    "timeline",
]

_INSERT_EVENT = insert(Base.metadata.tables["timeline_events"])


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    action: str
    changed_fields: tuple[str, ...]
    integration_id: str | None
    run_id: str | None
    flow: str | None
    actor: str
    note: str | None


def timeline(session: Session, kind: EntityKind, hub_id: str) -> list[TimelineEvent]:
    """The record's history, oldest first."""
    rows = session.scalars(
        select(TimelineRow)
        .where(TimelineRow.kind == kind.value, TimelineRow.hub_id == hub_id)
        .order_by(TimelineRow.id)
    )
    return [
        TimelineEvent(
            at=row.at,
            action=row.action,
            changed_fields=tuple(row.changed_fields),
            integration_id=row.integration_id,
            run_id=row.run_id,
            flow=row.flow,
            actor=row.actor,
            note=row.note,
        )
        for row in rows
    ]


def add_timeline_note(
    session: Session,
    kind: EntityKind,
    hub_id: str,
    *,
    note: str,
    origin: Origin,
    now: datetime,
) -> None:
    """Append a free-text note to a record's timeline (not a change: no change-feed entry)."""
    add_timeline_notes(session, kind, [(hub_id, note)], origin=origin, now=now)


def add_timeline_notes(
    session: Session,
    kind: EntityKind,
    notes: Sequence[tuple[str, str]],
    *,
    origin: Origin,
    now: datetime,
) -> None:
    """`add_timeline_note` for many `(hub_id, note)`: one lookup and one insert per 500 records.

    Every record must exist (`NotFoundError` names the first that does not, and nothing is
    written); the notes land in the order given.
    """
    if not notes:
        return
    wanted = [hub_id for hub_id, _note in notes]
    found: set[str] = set()
    for chunk in in_chunks(wanted):
        found.update(
            session.scalars(
                select(RecordRow.hub_id).where(
                    RecordRow.kind == kind.value, RecordRow.hub_id.in_(chunk)
                )
            )
        )
    missing = next((hub_id for hub_id in wanted if hub_id not in found), None)
    if missing is not None:
        raise NotFoundError(f"no {kind} with id {missing}")
    at = utc(now)
    session.execute(
        _INSERT_EVENT,
        [_event(kind, hub_id, origin, None, "note", (), at, note) for hub_id, note in notes],
    )


def record_events(
    session: Session,
    kind: EntityKind,
    origin: Origin,
    events: Sequence[tuple[str, int, str, tuple[str, ...]]],
    now: datetime,
) -> None:
    """Append the timeline events of several changes in one statement.

    Each event is `(hub_id, seq, action, changed_fields)`: the record, its change-feed seq,
    `created` or `updated`, and the fields that changed.
    """
    if not events:
        return
    session.execute(
        _INSERT_EVENT,
        [
            _event(kind, hub_id, origin, seq, action, changed, now, None)
            for hub_id, seq, action, changed in events
        ],
    )


def _event(
    kind: EntityKind,
    hub_id: str,
    origin: Origin,
    seq: int | None,
    action: str,
    changed: tuple[str, ...],
    at: datetime,
    note: str | None,
) -> dict[str, Any]:
    return {
        **origin_columns(kind, hub_id, origin),
        "seq": seq,
        "at": at,
        "action": action,
        "changed_fields": list(changed),
        "note": note,
    }
