"""Which flows should run now, and why: the one question every scheduler asks the store.

A flow is due on a timer (its `next_run_at` has come) or because something asked for it: a
trigger (`flows.mark_due`: a webhook, Sync now, a settings change) or a hub change waiting in
a push flow's change feed. The embedded scheduler and the distributed dispatcher both ask
`find_due_flows` and start triggered flows first. The feed question is the costly one at
scale, so it is answered per feed kind, not per flow row (`_behind_the_feed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from orderhub.domain import FlowName, IntegrationStatus
from orderhub.store.dialect import utc
from orderhub.store.flows import FLOW_ORDER
from orderhub.store.tables import ChangeRow, FlowRow, IntegrationRow

__all__ = ["DueFlow", "FeedWatch", "due_flows", "find_due_flows"]

FeedWatch = tuple[str, bool]
"""A change feed kind a push flow reads, and whether its integration's own changes count."""


class DueFlow(NamedTuple):
    """A flow that should run now, and whether a trigger made it due.

    `triggered`: someone or something asked for it — a webhook, Sync now, a settings change
    (the flow's `requested` mark), or a hub change waiting in a push flow's feed. Otherwise it
    is due on a timer: a pull's safety poll, a push's first look or safety look, a retry's
    backoff. Schedulers start triggered flows first, so a backlog of timer work never delays
    what a merchant or a store is waiting for.
    """

    integration_id: str
    flow: FlowName
    triggered: bool


def due_flows(
    session: Session,
    *,
    now: datetime,
    feeds: Mapping[FlowName, Sequence[FeedWatch]] | None = None,
) -> list[tuple[str, FlowName]]:
    """(integration, flow) of `find_due_flows`, in its order."""
    return [(due.integration_id, due.flow) for due in find_due_flows(session, now=now, feeds=feeds)]


def find_due_flows(
    session: Session,
    *,
    now: datetime,
    feeds: Mapping[FlowName, Sequence[FeedWatch]] | None = None,
) -> list[DueFlow]:
    """Enabled flows of connected integrations that should run now, triggered ones first.

    A flow is due when its `next_run_at` is unset or has come (a pull's polling interval, a
    trigger, a retry's backoff, a push's safety net). A push flow named in `feeds` is due
    besides as soon as the change feed holds a change it reads after its position (its
    `feed_seq` below the newest such change: `_behind_the_feed`, one index lookup per feed
    kind and a range scan of the flows behind): hub changes reach the store within a
    dispatcher tick, and a push with nothing new is never started. Triggered flows
    (`DueFlow.triggered`) come first; within each group, the longest-waiting first.
    """
    now = utc(now)
    base = (
        select(FlowRow.integration_id, FlowRow.flow, FlowRow.next_run_at, FlowRow.requested)
        .join(IntegrationRow, IntegrationRow.integration_id == FlowRow.integration_id)
        .where(
            IntegrationRow.status == IntegrationStatus.CONNECTED.value,
            FlowRow.enabled.is_(True),
        )
    )
    found: list[tuple[Any, bool]] = [
        (row, bool(row.requested))
        for row in session.execute(
            base.where(FlowRow.next_run_at.is_(None) | (FlowRow.next_run_at <= now))
        )
    ]
    heads: dict[str, tuple[int, str | None] | None] = {}
    for flow, watches in (feeds or {}).items():
        behind = _behind_the_feed(session, watches, heads)
        if behind is None:
            continue
        found.extend(
            (row, True)  # a hub change waits for it
            for row in session.execute(
                base.where(
                    FlowRow.flow == FlowName(flow).value,
                    FlowRow.next_run_at > now,
                    behind,
                )
            )
        )
    found.sort(
        key=lambda item: (
            not item[1],
            item[0].next_run_at is not None,
            item[0].next_run_at or now,
            item[0].integration_id,
            FLOW_ORDER.get(item[0].flow, len(FLOW_ORDER)),
        )
    )
    return [DueFlow(row.integration_id, FlowName(row.flow), triggered) for row, triggered in found]


def _behind_the_feed(
    session: Session,
    watches: Sequence[FeedWatch],
    heads: dict[str, tuple[int, str | None] | None],
) -> ColumnElement[bool] | None:
    """Which flow rows have a change of a watched kind waiting after their position.

    A change waits for a flow when its seq is above the flow's `feed_seq` (and, for a watch
    that leaves out the integration's own changes, it was not made by the flow's integration):
    that is, when `feed_seq` is below the newest such change. The newest change of each kind
    is one lookup on the feed's (kind, seq) index (`heads` keeps them for the other flows of
    this look); then only the integration that made it needs the feed probed for an older
    change of someone else. So the look costs a range scan over the flows behind (index
    (flow, feed_seq)), not one probe of the feed per flow row. None: nothing can wait.
    """
    conditions: list[ColumnElement[bool]] = []
    newest = 0
    for kind, include_own in watches:
        if kind not in heads:
            top = session.execute(
                select(ChangeRow.seq, ChangeRow.integration_id)
                .where(ChangeRow.kind == kind)
                .order_by(ChangeRow.seq.desc())
                .limit(1)
            ).first()
            heads[kind] = (int(top.seq), top.integration_id) if top is not None else None
        head = heads[kind]
        if head is None:
            continue
        seq, maker = head
        newest = max(newest, seq)
        if include_own or maker is None:
            conditions.append(FlowRow.feed_seq < seq)
            continue
        conditions.append(  # the maker's own flow: is there someone else's change after it?
            or_(
                and_(FlowRow.integration_id != maker, FlowRow.feed_seq < seq),
                and_(FlowRow.integration_id == maker, _waiting_change(kind, include_own)),
            )
        )
    if not conditions:
        return None
    return and_(FlowRow.feed_seq.is_not(None), FlowRow.feed_seq < newest, or_(*conditions))


def _waiting_change(kind: str, include_own: bool) -> ColumnElement[bool]:
    change = aliased(ChangeRow)
    found = exists().where(change.kind == kind, change.seq > FlowRow.feed_seq)
    if not include_own:
        found = found.where(
            change.integration_id.is_(None) | (change.integration_id != FlowRow.integration_id)
        )
    return found
