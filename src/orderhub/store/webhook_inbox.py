"""The webhook inbox: every accepted webhook delivery, durable before the hub answers 200.

A row names the event, the pull flow it made due and the record it announced (an order or a
product id), never the body (`WebhookInboxRow` says why). What it is for:

- the receiver stores a delivery and makes its flow due in one transaction
  (`record_delivery` with `orderhub.store.flows.mark_due`), so an accepted webhook is never
  lost between the answer and the run;
- "did a webhook announce record X since T" (`announced`, `unannounced`): a poll that finds
  changes nobody announced is how the hub sees that webhooks stopped arriving
  (`orderhub.store.webhook_health`);
- the last delivery per integration and pull flow, kept on `webhook_flows` and written at
  most once a second per flow, so a burst does not queue every delivery on one row.

Rows older than `RETENTION` are pruned a bounded batch at a time (`prune_inbox`). None of
these functions commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from orderhub.domain import FlowName
from orderhub.store.dialect import dialect_insert, in_chunks, rowcount, utc
from orderhub.store.tables import WebhookFlowRow, WebhookInboxRow

__all__ = [
    "RETENTION",
    "Delivery",
    "StoredDelivery",
    "announced",
    "count_deliveries",
    "list_deliveries",
    "prune_inbox",
    "record_delivery",
    "unannounced",
]

RETENTION = timedelta(days=7)
"""Long enough for any poll interval to ask about its window; the rows are a few dozen bytes."""
_LAST_DELIVERY_RESOLUTION = timedelta(seconds=1)


@dataclass(frozen=True)
class Delivery:
    """What the receiver keeps of one accepted delivery."""

    event_type: str
    flow: FlowName | None
    ext_id: str | None
    body_bytes: int


@dataclass(frozen=True)
class StoredDelivery:
    id: int
    integration_id: str
    event_type: str
    flow: FlowName | None
    ext_id: str | None
    body_bytes: int
    received_at: datetime


def record_delivery(
    session: Session, integration_id: str, delivery: Delivery, *, now: datetime
) -> datetime | None:
    """Insert the delivery, and move its flow's last delivery time (at most once a second).

    Returns the flow's last delivery time before this one (None: none, or no flow), which
    tells a delivery in a burst from one after a quiet spell.
    """
    now = utc(now)
    previous = None
    if delivery.flow is not None:
        previous = session.scalar(
            select(WebhookFlowRow.last_delivery_at).where(
                WebhookFlowRow.integration_id == integration_id,
                WebhookFlowRow.flow == delivery.flow.value,
            )
        )
    session.add(
        WebhookInboxRow(
            integration_id=integration_id,
            event_type=delivery.event_type,
            flow=delivery.flow.value if delivery.flow is not None else None,
            ext_id=delivery.ext_id,
            body_bytes=delivery.body_bytes,
            received_at=now,
        )
    )
    if delivery.flow is not None:
        flows = WebhookFlowRow.__table__
        insert = dialect_insert(session, flows).values(
            integration_id=integration_id,
            flow=delivery.flow.value,
            expected=False,
            last_delivery_at=now,
            last_poll_changed=0,
            last_poll_unannounced=0,
            unannounced_streak=0,
        )
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["integration_id", "flow"],
                set_={"last_delivery_at": now},
                where=or_(
                    flows.c.last_delivery_at.is_(None),
                    flows.c.last_delivery_at < now - _LAST_DELIVERY_RESOLUTION,
                ),
            )
        )
    session.flush()
    return previous


def announced(
    session: Session,
    integration_id: str,
    flow: FlowName,
    ext_ids: Iterable[str],
    since: datetime,
) -> set[str]:
    """Those of `ext_ids` that a delivery for `flow` named at or after `since`."""
    found: set[str] = set()
    for chunk in in_chunks(str(ext_id) for ext_id in ext_ids):
        found.update(
            str(ext_id)
            for ext_id in session.scalars(
                select(WebhookInboxRow.ext_id)
                .where(
                    WebhookInboxRow.integration_id == integration_id,
                    WebhookInboxRow.flow == FlowName(flow).value,
                    WebhookInboxRow.ext_id.in_(chunk),
                    WebhookInboxRow.received_at >= utc(since),
                )
                .distinct()
            )
        )
    return found


def unannounced(
    session: Session,
    integration_id: str,
    flow: FlowName,
    ext_ids: Iterable[str],
    since: datetime,
) -> int:
    """How many of `ext_ids` (records a poll found changed) no webhook announced since `since`.

    `since`: when the window the poll read began, on the hub's clock, less a few seconds for
    the store's clock to differ from the hub's. Duplicate ids count once.
    """
    wanted = set(dict.fromkeys(str(ext_id) for ext_id in ext_ids))
    return len(wanted - announced(session, integration_id, flow, wanted, since))


def list_deliveries(
    session: Session, integration_id: str | None = None, *, limit: int = 100
) -> list[StoredDelivery]:
    """The latest deliveries first (all integrations unless one is named)."""
    query = select(WebhookInboxRow).order_by(WebhookInboxRow.id.desc()).limit(max(1, limit))
    if integration_id is not None:
        query = query.where(WebhookInboxRow.integration_id == integration_id)
    return [
        StoredDelivery(
            id=row.id,
            integration_id=row.integration_id,
            event_type=row.event_type,
            flow=FlowName(row.flow) if row.flow else None,
            ext_id=row.ext_id,
            body_bytes=row.body_bytes,
            received_at=row.received_at,
        )
        for row in session.scalars(query)
    ]


def count_deliveries(session: Session, integration_id: str | None = None) -> int:
    query = select(func.count()).select_from(WebhookInboxRow)
    if integration_id is not None:
        query = query.where(WebhookInboxRow.integration_id == integration_id)
    return int(session.scalar(query) or 0)


def prune_inbox(session: Session, *, now: datetime, limit: int = 5000) -> int:
    """Delete up to `limit` deliveries older than `RETENTION`; how many went."""
    cutoff = utc(now) - RETENTION
    oldest = (
        select(WebhookInboxRow.id)
        .where(WebhookInboxRow.received_at < cutoff)
        .order_by(WebhookInboxRow.id)
        .limit(max(1, limit))
    )
    result = session.execute(
        delete(WebhookInboxRow)
        .where(WebhookInboxRow.id.in_(oldest.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
