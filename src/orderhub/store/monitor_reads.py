"""The monitor's reads (`orderhub.monitor.collector` turns them into gauges at each scrape):
open exceptions per integration and flow, and each enabled flow's sync and webhook lag, in two
queries whatever the number of flows (see the collector's docstring for how)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select

from orderhub.domain import ExceptionStatus, IntegrationStatus
from orderhub.store.database import Database
from orderhub.store.dialect import utc
from orderhub.store.runs import last_success_of
from orderhub.store.tables import (
    ExceptionRow,
    FlowRow,
    IntegrationRow,
    WebhookFlowRow,
)

__all__ = ["FlowLag", "read_flow_lags", "read_open_exceptions"]


class FlowLag:
    """One enabled flow's lags at one moment (seconds; None: not known)."""

    __slots__ = ("flow", "integration", "sync_lag", "webhook_lag", "webhooks_broken")

    def __init__(
        self,
        integration: str,
        flow: str,
        sync_lag: float | None,
        webhook_lag: float | None,
        webhooks_broken: bool | None,
    ) -> None:
        self.integration = integration
        self.flow = flow
        self.sync_lag = sync_lag
        self.webhook_lag = webhook_lag
        self.webhooks_broken = webhooks_broken


def read_open_exceptions(db: Database) -> dict[tuple[str, str], int]:
    """Open exceptions per (integration, flow): one grouped query."""
    with db.read_session() as session:
        rows = session.execute(
            select(ExceptionRow.integration_id, ExceptionRow.flow, func.count())
            .where(ExceptionRow.status == ExceptionStatus.OPEN.value)
            .group_by(ExceptionRow.integration_id, ExceptionRow.flow)
        ).all()
    return {(str(i), str(f)): int(n) for i, f, n in rows}


def read_flow_lags(db: Database, now: datetime) -> list[FlowLag]:
    """Sync and webhook lag of every enabled flow of every integration not switched off."""
    last_ok = last_success_of(FlowRow.integration_id, FlowRow.flow).correlate(FlowRow)
    query = (
        select(
            FlowRow.integration_id,
            FlowRow.flow,
            FlowRow.enabled_at,
            last_ok.label("last_ok"),
            WebhookFlowRow.expected,
            WebhookFlowRow.last_delivery_at,
            WebhookFlowRow.broken_since,
        )
        .join(IntegrationRow, IntegrationRow.integration_id == FlowRow.integration_id)
        .outerjoin(
            WebhookFlowRow,
            and_(
                WebhookFlowRow.integration_id == FlowRow.integration_id,
                WebhookFlowRow.flow == FlowRow.flow,
            ),
        )
        .where(
            FlowRow.enabled.is_(True),
            IntegrationRow.status != IntegrationStatus.DISABLED.value,
        )
        .order_by(FlowRow.integration_id, FlowRow.flow)
    )
    now = utc(now)
    with db.read_session() as session:
        rows = session.execute(query).all()
    lags: list[FlowLag] = []
    for integration, flow, enabled_at, ok_at, expected, delivered_at, broken_since in rows:
        since = ok_at if ok_at is not None else enabled_at
        expected = bool(expected)
        lags.append(
            FlowLag(
                integration=str(integration),
                flow=str(flow),
                sync_lag=_seconds(now, since),
                webhook_lag=_seconds(now, delivered_at) if expected else None,
                webhooks_broken=(broken_since is not None) if expected else None,
            )
        )
    return lags


def _seconds(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - utc(then)).total_seconds())
