"""An integration's history: who changed its settings, and when, in the timeline table.

The rows are `timeline_events` with kind "integration" and the integration's id, beside the
records' timelines, so no table of its own is needed; they go when the integration is removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from orderhub.store.dialect import utc
from orderhub.store.entities import ACTORS
from orderhub.store.tables import TimelineRow

__all__ = ["HistoryEntry", "add_history", "forget_history", "history"]

KIND = "integration"


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    actor: str
    note: str


def add_history(
    session: Session, integration_id: str, *, action: str, note: str, actor: str, now: datetime
) -> None:
    if actor not in ACTORS:
        raise ValueError(f"actor must be one of {sorted(ACTORS)}, not {actor!r}")
    session.add(
        TimelineRow(
            kind=KIND,
            hub_id=integration_id,
            seq=None,
            at=utc(now),
            action=action,
            changed_fields=[],
            integration_id=integration_id,
            run_id=None,
            flow=None,
            actor=actor,
            note=note,
        )
    )
    session.flush()


def history(session: Session, integration_id: str, *, limit: int = 50) -> list[HistoryEntry]:
    """The newest entries first."""
    rows = session.scalars(
        select(TimelineRow)
        .where(TimelineRow.kind == KIND, TimelineRow.hub_id == integration_id)
        .order_by(TimelineRow.id.desc())
        .limit(limit)
    )
    return [HistoryEntry(utc(row.at), row.action, row.actor, row.note or "") for row in rows]


def forget_history(session: Session, integration_id: str) -> None:
    session.execute(
        delete(TimelineRow).where(TimelineRow.kind == KIND, TimelineRow.hub_id == integration_id)
    )
