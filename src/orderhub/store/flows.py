"""The state of an integration's flows: switch, start point, cursor and schedule.

Where a flow starts reading (the semantics Pipe17's guide gives, which the engine relies on):

- With a cursor, a flow resumes from it. Switching a flow off keeps its cursor, so switching
  it on again resumes where it stopped.
- Without one, it starts from `start_from`: the integration's `enabled_at` (so a flow switched
  on a day after connecting still brings that day's changes), or the `since` given when it
  was enabled, which clears the cursor — an explicit backfill.
- When a disabled integration is connected again, `integrations.mark_connected` moves
  `enabled_at` to that moment and clears every flow's cursor and `since`: changes made while
  the integration was off are not synced unless the merchant asks for a backfill.

`FlowSetting.enabled_at` records when the flow was last switched from off to on (enabling an
already enabled flow keeps it); it is informational and never a start point.

All functions take the caller's session and never commit: `save_cursor` belongs in the same
transaction as the records the cursor covers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orderhub.domain import FlowName, FlowSetting
from orderhub.store.dialect import rowcount, utc
from orderhub.store.errors import NotFoundError
from orderhub.store.tables import FlowRow, IntegrationRow

__all__ = [
    "DEFAULT_INTERVAL_SECONDS",
    "DEFAULT_MAX_INTERVAL_SECONDS",
    "FLOW_ORDER",
    "FlowState",
    "flow_setting",
    "get_flow_state",
    "lock_flow_state",
    "mark_due",
    "save_cursor",
    "set_flow_enabled",
    "set_flow_interval",
    "set_flow_schedule",
    "set_next_run",
]

DEFAULT_INTERVAL_SECONDS = 60
DEFAULT_MAX_INTERVAL_SECONDS = 900
"""A quiet pull flow's polling stretches from its interval up to this (15 minutes)."""
FLOW_ORDER = {flow.value: index for index, flow in enumerate(FlowName)}
"""Flow names in `FlowName` order: how lists of a store's flows are sorted."""


@dataclass
class FlowState:
    integration_id: str
    flow: FlowName
    enabled: bool
    cursor: dict[str, Any] | None
    start_from: datetime | None
    next_run_at: datetime | None
    interval_seconds: int
    last_run_at: datetime | None
    last_error: str | None
    idle_runs: int = 0
    max_interval_seconds: int = DEFAULT_MAX_INTERVAL_SECONDS
    requested: bool = False


def get_flow_state(session: Session, integration_id: str, flow: FlowName) -> FlowState:
    """Everything the engine needs to run one flow: is it on, where to start, when next."""
    return _flow_state(session, integration_id, flow, lock=False)


def lock_flow_state(session: Session, integration_id: str, flow: FlowName) -> FlowState:
    """`get_flow_state`, fresh and locked until the caller's transaction ends: for a
    read-modify-write of the schedule (a run's start and finish, a push's idle look).

    One statement (`SELECT … FOR UPDATE` of the flow row with its integration's `enabled_at`).
    On PostgreSQL a second locker, and any UPDATE of the row (`mark_due`, `set_next_run`),
    waits for this transaction to end and then sees its write; on SQLite every writing
    transaction already runs alone (`BEGIN IMMEDIATE`).
    """
    return _flow_state(session, integration_id, flow, lock=True)


def _flow_state(session: Session, integration_id: str, flow: FlowName, *, lock: bool) -> FlowState:
    query = (
        select(FlowRow, IntegrationRow.enabled_at)
        .join(IntegrationRow, IntegrationRow.integration_id == FlowRow.integration_id)
        .where(FlowRow.integration_id == integration_id, FlowRow.flow == FlowName(flow).value)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(of=FlowRow)
    found = session.execute(query).one_or_none()
    if found is None:
        raise NotFoundError(f"No flow {flow} on integration {integration_id!r}")
    row, enabled_at = found
    return FlowState(
        integration_id=integration_id,
        flow=FlowName(row.flow),
        enabled=row.enabled,
        cursor=copy.deepcopy(row.cursor),
        start_from=row.since if row.since is not None else enabled_at,
        next_run_at=row.next_run_at,
        interval_seconds=row.interval_seconds,
        last_run_at=row.last_run_at,
        last_error=row.last_error,
        idle_runs=row.idle_runs or 0,
        max_interval_seconds=row.max_interval_seconds or DEFAULT_MAX_INTERVAL_SECONDS,
        requested=bool(row.requested),
    )


def set_flow_enabled(
    session: Session,
    integration_id: str,
    flow: FlowName,
    enabled: bool,
    *,
    now: datetime,
    since: datetime | None = None,
) -> FlowSetting:
    """Switch a flow on or off; `since` (only when switching on) backfills from that time.

    Switching on makes the flow due at once (`next_run_at` cleared). Switching off keeps the
    cursor. A `since` clears the cursor and becomes the flow's start point.
    """
    if since is not None and not enabled:
        raise ValueError("`since` only applies when enabling a flow")
    row = _flow_row(session, integration_id, flow)
    if enabled:
        if not row.enabled:
            row.enabled_at = utc(now)
            row.next_run_at = None
        row.enabled = True
        if since is not None:
            row.since = utc(since)
            row.cursor = None
            row.feed_seq = None
            row.next_run_at = None
    else:
        row.enabled = False
    session.flush()
    return flow_setting(row)


def set_flow_interval(
    session: Session,
    integration_id: str,
    flow: FlowName,
    interval_seconds: int,
    *,
    max_interval_seconds: int | None = None,
) -> None:
    """Change how often the scheduler polls a flow: every `interval_seconds` while runs bring
    changes, stretching up to `max_interval_seconds` while they do not (pull flows)."""
    if interval_seconds < 1:
        raise ValueError("a flow's interval is at least one second")
    row = _flow_row(session, integration_id, flow)
    row.interval_seconds = interval_seconds
    if max_interval_seconds is not None:
        if max_interval_seconds < interval_seconds:
            raise ValueError("a flow's longest interval is at least its interval")
        row.max_interval_seconds = max_interval_seconds
    session.flush()


def save_cursor(
    session: Session, integration_id: str, flow: FlowName, cursor: dict[str, Any]
) -> None:
    """Store a flow's cursor (a JSON-ready dict) in the caller's transaction.

    A push flow's position (`seq`) is kept in a column too, for the dispatcher's question
    "which push flows have changes waiting" (`due_flows`). One UPDATE, no read first.
    """
    seq = cursor.get("seq")
    _update_flow(
        session,
        integration_id,
        flow,
        cursor=copy.deepcopy(cursor),
        feed_seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
    )


def set_flow_schedule(
    session: Session,
    integration_id: str,
    flow: FlowName,
    *,
    last_run_at: datetime | None,
    next_run_at: datetime | None,
    last_error: str | None,
    idle_runs: int | None = None,
    requested: bool | None = None,
) -> None:
    """Record when the flow last ran, when it runs next, and the last run's error (or None).

    `idle_runs` (when given): the pull runs in a row that found nothing new. `requested` (when
    given): a run was asked for (True), or the run that was asked for has started (False).
    One UPDATE, no read first.
    """
    values: dict[str, Any] = {
        "last_run_at": utc(last_run_at) if last_run_at is not None else None,
        "next_run_at": utc(next_run_at) if next_run_at is not None else None,
        "last_error": last_error,
    }
    if idle_runs is not None:
        values["idle_runs"] = idle_runs
    if requested is not None:
        values["requested"] = requested
    _update_flow(session, integration_id, flow, **values)


def set_next_run(
    session: Session,
    integration_id: str,
    flow: FlowName,
    next_run_at: datetime,
    *,
    mark_requested: bool = False,
) -> bool:
    """Move only the flow's next run (and, with `mark_requested`, mark it asked for); its last
    run, last error, cursor and a `requested` mark already there stay. False: no such flow.

    What three writers mean, the same each time — "not now, at `next_run_at`", with nothing
    learned about the last run: a trigger (Sync now: now, marked requested), a run that gave
    its slot back for its store's call budget (when the budget allows; the mark it started
    with is put back), and a due flow that cannot run (not connected: an interval later).
    One UPDATE, a blind write: it needs no lock of its own, since an UPDATE of the row waits
    for a read-modify-write that holds it (`lock_flow_state`) and lands after it.
    """
    values: dict[str, Any] = {"next_run_at": utc(next_run_at)}
    if mark_requested:
        values["requested"] = True
    try:
        _update_flow(session, integration_id, flow, **values)
    except NotFoundError:
        return False
    return True


def mark_due(
    session: Session, integration_id: str, flows: Iterable[FlowName], *, now: datetime
) -> list[FlowName]:
    """Make these flows of the integration due now (a trigger); the ones that moved.

    Only enabled flows move, and only forward in time: a flow already due keeps its time, so a
    burst of triggers is one run (coalesced). A run in progress claimed its next time when it
    started; moving that earlier makes the next run start as soon as this one ends, so a
    trigger during a run is never lost (engine/runner.py keeps the earlier of the two). The
    flows are marked `requested`, so a push runs even with nothing new in its feed.
    Two UPDATEs, in the caller's transaction.
    """
    names = [FlowName(flow).value for flow in flows]
    if not names:
        return []
    moment = utc(now)
    session.execute(  # a push flow asked for runs even with nothing new in its feed
        update(FlowRow)
        .where(
            FlowRow.integration_id == integration_id,
            FlowRow.flow.in_(names),
            FlowRow.enabled.is_(True),
        )
        .values(requested=True)
    )
    moved = session.execute(
        update(FlowRow)
        .where(
            FlowRow.integration_id == integration_id,
            FlowRow.flow.in_(names),
            FlowRow.enabled.is_(True),
            FlowRow.next_run_at.is_not(None),
            FlowRow.next_run_at > moment,
        )
        .values(next_run_at=moment)
        .returning(FlowRow.flow)
    )
    return [FlowName(flow) for flow in moved.scalars()]


def flow_setting(row: FlowRow) -> FlowSetting:
    return FlowSetting(
        flow=FlowName(row.flow),
        enabled=row.enabled,
        enabled_at=row.enabled_at,
        interval_seconds=row.interval_seconds,
        max_interval_seconds=row.max_interval_seconds or DEFAULT_MAX_INTERVAL_SECONDS,
        last_run_at=row.last_run_at,
        last_error=row.last_error,
    )


def new_flow_rows(integration_id: str) -> list[FlowRow]:
    """The six flow rows of a new integration, all switched off."""
    return [
        FlowRow(
            integration_id=integration_id,
            flow=flow.value,
            enabled=False,
            enabled_at=None,
            interval_seconds=DEFAULT_INTERVAL_SECONDS,
            since=None,
            cursor=None,
            next_run_at=None,
            last_run_at=None,
            last_error=None,
        )
        for flow in FlowName
    ]


def flow_rows(session: Session, integration_ids: list[str]) -> dict[str, list[FlowRow]]:
    """The flow rows of several integrations, each list in `FlowName` order."""
    grouped: dict[str, list[FlowRow]] = {integration_id: [] for integration_id in integration_ids}
    if not integration_ids:
        return grouped
    for row in session.scalars(select(FlowRow).where(FlowRow.integration_id.in_(integration_ids))):
        grouped[row.integration_id].append(row)
    for rows in grouped.values():
        rows.sort(key=lambda row: FLOW_ORDER.get(row.flow, len(FLOW_ORDER)))
    return grouped


def _update_flow(session: Session, integration_id: str, flow: FlowName, **values: Any) -> None:
    """One UPDATE of a flow row (the session's copy, if it holds one, follows)."""
    done = session.execute(
        update(FlowRow)
        .where(FlowRow.integration_id == integration_id, FlowRow.flow == FlowName(flow).value)
        .values(**values)
        .execution_options(synchronize_session="evaluate")
    )
    if rowcount(done) == 0:
        raise NotFoundError(f"No flow {flow} on integration {integration_id!r}")


def _flow_row(session: Session, integration_id: str, flow: FlowName) -> FlowRow:
    row = session.get(FlowRow, (integration_id, FlowName(flow).value))
    if row is None:
        raise NotFoundError(f"No flow {flow} on integration {integration_id!r}")
    return row
