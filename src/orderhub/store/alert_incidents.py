"""Alert incidents: opened when a problem is seen, cleared when it is gone, and which channels
have delivered each message. None of these functions commit."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderhub.domain.alert import AlertIncident, AlertKind, IncidentStatus
from orderhub.store.dialect import utc
from orderhub.store.tables import AlertIncidentRow

__all__ = [
    "Notice",
    "clear_incident",
    "count_incidents",
    "incident_of",
    "list_incidents",
    "mark_absent",
    "mark_sent",
    "open_incident",
    "open_incidents",
    "pending_notices",
]


def open_incidents(session: Session) -> dict[str, AlertIncidentRow]:
    """Every open incident, by key."""
    rows = session.scalars(
        select(AlertIncidentRow).where(AlertIncidentRow.status == IncidentStatus.OPEN.value)
    )
    return {row.key: row for row in rows}


def open_incident(
    session: Session,
    *,
    key: str,
    kind: AlertKind,
    integration_id: str | None,
    flow: str | None,
    title: str,
    detail: str | None,
    now: datetime,
) -> AlertIncidentRow:
    """A new open incident (the caller checked none is open for `key`; the index insists)."""
    row = AlertIncidentRow(
        incident_id=secrets.token_hex(8),
        key=key,
        kind=AlertKind(kind).value,
        integration_id=integration_id,
        flow=flow,
        status=IncidentStatus.OPEN.value,
        title=title,
        detail=detail,
        opened_at=utc(now),
        cleared_at=None,
        absent_since=None,
        open_sent=[],
        clear_sent=[],
        delivery_error=None,
    )
    session.add(row)
    session.flush()
    return row


def clear_incident(session: Session, row: AlertIncidentRow, *, now: datetime) -> None:
    row.status = IncidentStatus.CLEARED.value
    row.cleared_at = utc(now)
    row.absent_since = None
    session.flush()


def mark_absent(session: Session, row: AlertIncidentRow, *, now: datetime | None) -> None:
    """Note when the problem was first seen gone (None: it is back)."""
    if now is None:
        row.absent_since = None
    elif row.absent_since is None:
        row.absent_since = utc(now)
    session.flush()


class Notice:
    """One message still owed: an incident's opening or clearing, and the channels it lacks."""

    __slots__ = ("event", "missing", "row")

    def __init__(self, row: AlertIncidentRow, event: str, missing: list[str]) -> None:
        self.row = row
        self.event = event
        self.missing = missing


def pending_notices(
    session: Session, channels: tuple[str, ...], *, cleared_since: datetime
) -> list[Notice]:
    """Messages some configured channel has not delivered yet, oldest incident first.

    An opening comes before its clearing. A channel that never delivered an incident's
    opening is not sent its clearing, nor, once it cleared, the stale opening: no one hears
    "cleared" about a problem they never heard of. A clearing not delivered by
    `cleared_since` is given up (the incident list keeps it).
    """
    if not channels:
        return []
    rows = session.scalars(
        select(AlertIncidentRow)
        .where(
            (AlertIncidentRow.status == IncidentStatus.OPEN.value)
            | (AlertIncidentRow.cleared_at >= utc(cleared_since))
        )
        .order_by(AlertIncidentRow.id)
    )
    notices: list[Notice] = []
    for row in rows:
        opened_missing = [c for c in channels if c not in row.open_sent]
        if row.status == IncidentStatus.OPEN.value:
            if opened_missing:
                notices.append(Notice(row, "opened", opened_missing))
            continue
        cleared_missing = [c for c in channels if c not in row.clear_sent and c in row.open_sent]
        if cleared_missing:
            notices.append(Notice(row, "cleared", cleared_missing))
    return notices


def mark_sent(
    session: Session, incident_id: str, event: str, channel: str, error: str | None
) -> None:
    """Record a delivery (error None) or its failure (kept to show, retried next look)."""
    row = session.scalar(
        select(AlertIncidentRow).where(AlertIncidentRow.incident_id == incident_id)
    )
    if row is None:
        return
    if error is None:
        column = "open_sent" if event == "opened" else "clear_sent"
        done = list(getattr(row, column))
        if channel not in done:
            setattr(row, column, [*done, channel])
    row.delivery_error = error
    session.flush()


def list_incidents(
    session: Session, *, status: IncidentStatus | None = None, limit: int = 200, skip: int = 0
) -> list[AlertIncident]:
    """Newest first."""
    query = select(AlertIncidentRow).order_by(AlertIncidentRow.id.desc()).offset(skip).limit(limit)
    if status is not None:
        query = query.where(AlertIncidentRow.status == status.value)
    return [incident_of(row) for row in session.scalars(query)]


def count_incidents(session: Session, *, status: IncidentStatus | None = None) -> int:
    query = select(func.count()).select_from(AlertIncidentRow)
    if status is not None:
        query = query.where(AlertIncidentRow.status == status.value)
    return int(session.scalar(query) or 0)


def incident_of(row: AlertIncidentRow) -> AlertIncident:
    """The domain view of a row."""
    return AlertIncident(
        incident_id=row.incident_id,
        kind=AlertKind(row.kind),
        key=row.key,
        integration=row.integration_id,
        flow=row.flow,
        status=IncidentStatus(row.status),
        title=row.title,
        detail=row.detail,
        opened_at=row.opened_at,
        cleared_at=row.cleared_at,
        notified=sorted(set(row.open_sent)),
        delivery_error=row.delivery_error,
    )
