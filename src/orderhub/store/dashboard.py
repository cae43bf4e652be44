"""The dashboard's reads: when orders were placed and for how much, exceptions over time, and
when each flow last succeeded — a few aggregate queries, whatever the number of records.

Orders are found by the hub's `updated_at` index: an order placed since `since` was stored (so
updated) since then too, so the window's orders are a subset of that index range; the placing
time itself is read from the order's document (`extOrderCreatedAt`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from orderhub.domain import FlowName
from orderhub.store.dialect import utc
from orderhub.store.entities import EntityKind
from orderhub.store.runs import last_success_of
from orderhub.store.tables import ExceptionRow, FlowRow, RecordRow

__all__ = ["ExceptionSpan", "OrderPoint", "exception_spans", "last_successes", "order_points"]


@dataclass(frozen=True)
class OrderPoint:
    placed_at: datetime
    total: Decimal | None
    currency: str | None
    status: str | None


@dataclass(frozen=True)
class ExceptionSpan:
    opened_at: datetime
    resolved_at: datetime | None


def order_points(session: Session, *, since: datetime) -> list[OrderPoint]:
    """Every order placed since `since` (by the store's clock), with its total and currency."""
    placed = RecordRow.data["extOrderCreatedAt"].as_string()
    total = RecordRow.data["totalPrice"].as_string()
    currency = RecordRow.data["currency"].as_string()
    rows = session.execute(
        select(placed, total, currency, RecordRow.status, RecordRow.created_at).where(
            RecordRow.kind == EntityKind.ORDER.value, RecordRow.updated_at >= utc(since)
        )
    )
    points = []
    for placed_text, total_text, currency_text, status, stored_at in rows:
        at = _instant(placed_text) or utc(stored_at)
        if at >= since:
            points.append(OrderPoint(at, _decimal(total_text), currency_text, status))
    return points


def exception_spans(session: Session, *, since: datetime) -> list[ExceptionSpan]:
    """Exceptions open at some time since `since`: when each opened and when it was resolved."""
    rows = session.execute(
        select(ExceptionRow.created_at, ExceptionRow.resolved_at).where(
            or_(ExceptionRow.resolved_at.is_(None), ExceptionRow.resolved_at >= utc(since))
        )
    )
    return [
        ExceptionSpan(utc(opened), utc(resolved) if resolved else None) for opened, resolved in rows
    ]


def last_successes(
    session: Session, integration_ids: Sequence[str]
) -> dict[tuple[str, FlowName], datetime]:
    """When each flow of these integrations last finished a run that succeeded (one indexed
    step per flow, as the monitor reads it: `runs.last_success_of`)."""
    if not integration_ids:
        return {}
    last_ok = last_success_of(FlowRow.integration_id, FlowRow.flow).correlate(FlowRow)
    rows = session.execute(
        select(FlowRow.integration_id, FlowRow.flow, last_ok).where(
            FlowRow.integration_id.in_(list(integration_ids))
        )
    )
    known = {flow.value: flow for flow in FlowName}
    return {
        (integration_id, known[flow]): utc(finished)
        for integration_id, flow, finished in rows
        if finished is not None and flow in known
    }


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def _decimal(raw: object) -> Decimal | None:
    """A JSON number as SQLite (a float) or PostgreSQL (its text) returns it, exactly."""
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
