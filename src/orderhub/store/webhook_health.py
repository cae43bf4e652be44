"""Do webhooks still arrive? What the polls of each pull flow say about it.

Webhooks are hints, and the safety poll reads by cursor anyway, so a lost webhook costs
latency, never data. But if the store stops delivering (a subscription deleted by hand, the
public URL no longer reaching the hub), the merchant should hear of it. After a poll finds
changed records, the flow reports how many of them no webhook announced (`record_poll`, with
the count from `orderhub.store.webhook_inbox.unannounced`, or both at once with `check_poll`).
`BROKEN_AFTER` polls in a row that each found unannounced changes make the flow's webhooks
"look broken"; a poll whose changes were all announced makes them look fine again. A poll that
found nothing changes nothing. Only flows whose events were subscribed at the last check
(`expected`) are judged: without webhooks every change is unannounced, and that is no news.

None of these functions commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderhub.domain import FlowName, WebhookFlowHealth
from orderhub.store.dialect import utc
from orderhub.store.tables import WebhookFlowRow
from orderhub.store.webhook_inbox import unannounced

__all__ = ["BROKEN_AFTER", "check_poll", "flow_health", "record_poll"]

BROKEN_AFTER = 3
"""Polls in a row with unannounced changes before webhooks look broken: one such poll can be a
webhook still on its way, or one lost delivery; three in a row are a pattern."""


def record_poll(
    session: Session,
    integration_id: str,
    flow: FlowName,
    *,
    changed: int,
    unannounced: int,
    now: datetime,
) -> WebhookFlowHealth:
    """Record what a poll found: `changed` records, `unannounced` of them with no webhook."""
    if unannounced < 0 or changed < unannounced:
        raise ValueError("0 <= unannounced <= changed")
    name = FlowName(flow).value
    row = session.get(WebhookFlowRow, (integration_id, name))
    if row is None or not row.expected:
        return _health(row, FlowName(flow))
    now = utc(now)
    row.last_poll_at = now
    if changed:
        row.last_poll_changed = changed
        row.last_poll_unannounced = unannounced
        if unannounced:
            row.unannounced_streak += 1
            if row.unannounced_streak >= BROKEN_AFTER and row.broken_since is None:
                row.broken_since = now
        else:
            row.unannounced_streak = 0
            row.broken_since = None
    session.flush()
    return _health(row, FlowName(flow))


def check_poll(
    session: Session,
    integration_id: str,
    flow: FlowName,
    ext_ids: Iterable[str],
    *,
    since: datetime,
    now: datetime,
) -> WebhookFlowHealth:
    """`unannounced` and `record_poll` in one call: the poll found these `ext_ids` changed."""
    changed = list(dict.fromkeys(str(ext_id) for ext_id in ext_ids))
    missed = unannounced(session, integration_id, flow, changed, since) if changed else 0
    return record_poll(
        session, integration_id, flow, changed=len(changed), unannounced=missed, now=now
    )


def flow_health(
    session: Session, integration_ids: list[str]
) -> dict[str, dict[FlowName, WebhookFlowHealth]]:
    """Each integration's known webhook flows (pull flows that subscribed or received)."""
    found: dict[str, dict[FlowName, WebhookFlowHealth]] = {i: {} for i in integration_ids}
    if not integration_ids:
        return found
    rows = session.scalars(
        select(WebhookFlowRow).where(WebhookFlowRow.integration_id.in_(integration_ids))
    )
    for row in rows:
        try:
            flow = FlowName(row.flow)
        except ValueError:  # a flow this version does not know
            continue
        found[row.integration_id][flow] = _health(row, flow)
    return found


def _health(row: WebhookFlowRow | None, flow: FlowName) -> WebhookFlowHealth:
    if row is None:
        return WebhookFlowHealth(flow=flow)
    return WebhookFlowHealth(
        flow=flow,
        expected=row.expected,
        last_delivery_at=row.last_delivery_at,
        last_poll_at=row.last_poll_at,
        last_poll_changed=row.last_poll_changed,
        last_poll_unannounced=row.last_poll_unannounced,
        looks_broken=row.expected and row.broken_since is not None,
        broken_since=row.broken_since,
    )
