"""The change feed: one row per created or updated record, which push flows read.

Every created or updated record appends one row here (`record_changes`), which push flows
read (`changes_since`), and one event to its timeline (`orderhub.store.timeline`);
`records.upsert_records` writes both in the caller's transaction.

Change-feed gaps on PostgreSQL: `seq` comes from a sequence, which hands out numbers when a
transaction inserts, not when it commits. A reader can therefore see seq 11 committed while
seq 10 is still in flight (and a rolled-back or lost-race transaction leaves a hole forever).
A push flow that stores "last seq seen" must allow for this — e.g. re-read a window behind
its position, or only advance past a gap once it is older than the longest transaction.
SQLite serialises writers, so there the feed has no gaps. `settled_seq` is the one rule every
feed reader follows: it never saves a position past a gap younger than `FEED_SETTLE_GRACE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, func, insert, select
from sqlalchemy.orm import Session, aliased

from orderhub.store.dialect import utc
from orderhub.store.entities import EntityKind, Origin, origin_columns
from orderhub.store.tables import Base, ChangeRow, TimelineRow

__all__ = [
    "FEED_SETTLE_GRACE",
    "Change",
    "changed_fields_of",
    "changes_since",
    "changes_written_by_run",
    "discard_change",
    "discard_changes",
    "feed_head",
    "feed_position_at",
    "has_changes_after",
    "record_change",
    "record_changes",
    "settled_seq",
]

FEED_SETTLE_GRACE = timedelta(minutes=2)
"""How long a gap in the feed may be a transaction still in flight. Hub writes are short (a
page of upserts, an API call, a 500-row import chunk); a gap older than this is a rollback."""

_CHANGES = Base.metadata.tables["changes"]
_INSERT_CHANGES = insert(_CHANGES).returning(_CHANGES.c.seq, _CHANGES.c.hub_id)


@dataclass(frozen=True)
class Change:
    """One entry of the change feed. `integration_id` is the integration that made the change."""

    seq: int
    kind: EntityKind
    hub_id: str
    integration_id: str | None
    run_id: str | None
    at: datetime
    flow: str | None = None
    actor: str = "flow"


def changes_since(
    session: Session,
    kind: EntityKind,
    after_seq: int,
    *,
    exclude_integration: str | None = None,
    limit: int = 500,
) -> list[Change]:
    """Changes of one kind with `seq > after_seq`, oldest first.

    `exclude_integration` leaves out changes that integration made itself, so a push flow
    never echoes back what its own pull brought in. Every change is listed, so one record may
    appear several times; readers that only need the latest state dedupe by `hub_id`.
    See the module docstring about gaps in `seq` on PostgreSQL.
    """
    # Columns, not ORM entities: a first push reads every change of a large import, and an
    # entity per row (identity map, instance state) cost more than the query itself.
    query = select(*_CHANGE_COLUMNS).where(
        ChangeRow.kind == kind.value, ChangeRow.seq > after_seq, *_not_by(exclude_integration)
    )
    rows = session.execute(query.order_by(ChangeRow.seq).limit(limit))
    return [
        Change(
            seq=seq,
            kind=kind,
            hub_id=hub_id,
            integration_id=integration_id,
            run_id=run_id,
            at=at,
            flow=flow,
            actor=actor,
        )
        for seq, hub_id, integration_id, run_id, at, flow, actor in rows
    ]


_CHANGE_COLUMNS = (
    ChangeRow.seq,
    ChangeRow.hub_id,
    ChangeRow.integration_id,
    ChangeRow.run_id,
    ChangeRow.at,
    ChangeRow.flow,
    ChangeRow.actor,
)


def _not_by(integration_id: str | None) -> tuple[ColumnElement[bool], ...]:
    """The condition leaving out the changes `integration_id` made (none for None)."""
    if integration_id is None:
        return ()
    return (ChangeRow.integration_id.is_(None) | (ChangeRow.integration_id != integration_id),)


def feed_head(session: Session, kind: EntityKind) -> int:
    """The newest seq of `kind` in the feed (0 for none)."""
    newest = session.scalar(select(func.max(ChangeRow.seq)).where(ChangeRow.kind == kind.value))
    return int(newest or 0)


def changes_written_by_run(session: Session, run_id: str) -> int:
    """How many record changes a run has committed so far (its progress, as others see it)."""
    query = select(func.count()).select_from(ChangeRow).where(ChangeRow.run_id == run_id)
    return session.scalar(query) or 0


def has_changes_after(
    session: Session, kind: EntityKind, after_seq: int, *, exclude_integration: str | None
) -> bool:
    """Whether the feed holds a change of `kind` after `after_seq` (not by that integration)."""
    query = select(ChangeRow.seq).where(
        ChangeRow.kind == kind.value, ChangeRow.seq > after_seq, *_not_by(exclude_integration)
    )
    return session.scalar(query.limit(1)) is not None


def feed_position_at(session: Session, kind: EntityKind, at: datetime) -> int:
    """The `after_seq` from which `changes_since` lists the changes of `kind` made at/after `at`.

    A push flow's first cursor: it carries changes made since the integration was enabled
    (or since a backfill date), not the hub's whole history. With no such change yet it is
    the newest seq of that kind (0 for an empty feed), so later changes all come after it.
    """
    first = session.scalar(
        select(func.min(ChangeRow.seq)).where(ChangeRow.kind == kind.value, ChangeRow.at >= utc(at))
    )
    return int(first) - 1 if first is not None else feed_head(session, kind)


def record_change(
    session: Session,
    kind: EntityKind,
    hub_id: str,
    origin: Origin,
    now: datetime,
) -> int:
    """Append a change-feed row for `hub_id` and return its seq (the timeline event follows)."""
    return record_changes(session, kind, [hub_id], origin, now)[hub_id]


def discard_change(session: Session, seq: int) -> None:
    """Remove a change this transaction wrote but must not commit (a lost insert race)."""
    discard_changes(session, [seq])


def record_changes(
    session: Session,
    kind: EntityKind,
    hub_ids: Sequence[str],
    origin: Origin,
    now: datetime,
) -> dict[str, int]:
    """Append one change-feed row per hub id in one statement; their seqs, keyed by hub id.

    The ids must be distinct (one change per record per batch). Seqs are mapped back by hub id,
    so the answer does not depend on the order the database returns the rows in.
    """
    if not hub_ids:
        return {}
    rows = session.execute(
        _INSERT_CHANGES, [{**origin_columns(kind, hub_id, origin), "at": now} for hub_id in hub_ids]
    )
    return {str(hub_id): int(seq) for seq, hub_id in rows}


def discard_changes(session: Session, seqs: Iterable[int]) -> None:
    """Remove changes this transaction wrote but must not commit (lost insert races)."""
    wanted = list(seqs)
    if wanted:
        session.execute(delete(_CHANGES).where(_CHANGES.c.seq.in_(wanted)))


def settled_seq(
    session: Session,
    after_seq: int,
    upto_seq: int,
    *,
    now: datetime,
    grace: timedelta = FEED_SETTLE_GRACE,
) -> int:
    """How far past `after_seq` (up to `upto_seq`) a feed reader may save its position safely.

    A gap in `seq` (of any kind) followed by a change at most `grace` old may be a transaction
    still in flight (see the module docstring): the answer stays before the first such gap,
    so its change is read once it commits. An older gap is taken for a rollback or a lost
    insert race and passed. SQLite has no gaps, so there the answer is always `upto_seq`.
    Readers re-read what lies past the answer, so what they do with a change must be
    idempotent.
    """
    if upto_seq <= after_seq or session.get_bind().dialect.name == "sqlite":
        return max(after_seq, upto_seq)
    previous = aliased(ChangeRow)
    young_after_gap = session.scalar(
        select(func.min(ChangeRow.seq)).where(
            ChangeRow.seq > after_seq + 1,
            ChangeRow.seq <= upto_seq,
            ChangeRow.at > utc(now) - grace,
            ~exists().where(previous.seq == ChangeRow.seq - 1),
        )
    )
    if young_after_gap is None:
        return upto_seq
    before_gap = session.scalar(
        select(func.max(ChangeRow.seq)).where(
            ChangeRow.seq > after_seq, ChangeRow.seq < young_after_gap
        )
    )
    return int(before_gap) if before_gap is not None else after_seq


def changed_fields_of(
    session: Session, kind: EntityKind, changes: Iterable[Change]
) -> dict[int, tuple[str, ...]]:
    """The fields each change touched (all fields for a creation), keyed by the change's seq."""
    wanted = {change.seq: change.hub_id for change in changes}
    if not wanted:
        return {}
    rows = session.execute(
        select(TimelineRow.seq, TimelineRow.changed_fields).where(
            TimelineRow.kind == kind.value,
            TimelineRow.hub_id.in_(set(wanted.values())),
            TimelineRow.seq.in_(list(wanted)),
        )
    )
    return {int(seq): tuple(fields) for seq, fields in rows if seq is not None}
