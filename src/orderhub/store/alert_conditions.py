"""Which problems hold right now: the conditions that open (and, once gone, clear) incidents.

Read from the database in a few queries, whatever the number of flows, plus two small ones
per flow that is failing (a healthy hub pays nothing per flow):

- **flowFailing**: an enabled flow whose last `failed_runs` runs all failed, or whose runs
  have failed for longer than `failing_minutes` (since the first failure after its last
  success). A failure because the store refused the token is the connection's, not the flow's.
- **connectionBroken**: the integration's connection test failed (status `error`), or a flow's
  last run failed because the store refused the token or a permission.
- **exceptionsPilingUp**: more open exceptions in one integration than `exceptions`; an open
  incident stays open until the count falls to 80 % of it (no flood from a count that hovers).
- **webhooksBroken**: polls keep finding changes no webhook announced (`store.webhook_health`).

Integrations switched off raise nothing: the merchant chose that.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orderhub.alert_settings import AlertSettings
from orderhub.domain import ExceptionStatus, IntegrationStatus, RunStatus
from orderhub.domain.alert import AlertKind
from orderhub.store.dialect import utc
from orderhub.store.tables import (
    ExceptionRow,
    FlowRow,
    IntegrationRow,
    RunRow,
    WebhookFlowRow,
)

__all__ = ["CLEAR_AT", "Condition", "ConnectionFailure", "current_conditions"]

CLEAR_AT = 0.8
"""An exceptions incident clears when the count falls to this share of the threshold."""


ConnectionFailure = Callable[[str | None], bool]
"""Whether a run's error says the store refused the token or a permission (the connector's
words: `orderhub.alerts.conditions.is_connection_failure`)."""


@dataclass(frozen=True)
class Condition:
    key: str
    kind: AlertKind
    integration_id: str | None
    flow: str | None
    title: str
    detail: str | None = None


def current_conditions(
    session: Session,
    settings: AlertSettings,
    now: datetime,
    *,
    open_keys: Collection[str],
    connection_failure: ConnectionFailure,
) -> dict[str, Condition]:
    """Every condition that holds at `now`, by key (`open_keys`: incidents open already)."""
    now = utc(now)
    names = {
        integration_id: name
        for integration_id, name in session.execute(
            select(IntegrationRow.integration_id, IntegrationRow.name).where(
                IntegrationRow.status != IntegrationStatus.DISABLED.value
            )
        )
    }
    found: dict[str, Condition] = {}
    for condition in (
        *_broken_connections(session, names),
        *_failing_flows(session, settings, now, names, connection_failure),
        *_piling_exceptions(session, settings, names, open_keys),
        *_broken_webhooks(session, names),
    ):
        found.setdefault(condition.key, condition)
    return found


def _broken_connections(session: Session, names: dict[str, str]) -> list[Condition]:
    rows = session.execute(
        select(IntegrationRow.integration_id, IntegrationRow.status_message).where(
            IntegrationRow.status == IntegrationStatus.ERROR.value
        )
    )
    return [
        _connection(integration_id, names, message or "the connection test failed")
        for integration_id, message in rows
        if integration_id in names
    ]


def _connection(integration_id: str, names: dict[str, str], detail: str) -> Condition:
    return Condition(
        key=f"{AlertKind.CONNECTION_BROKEN.value}:{integration_id}",
        kind=AlertKind.CONNECTION_BROKEN,
        integration_id=integration_id,
        flow=None,
        title=f"{names[integration_id]}: the store refuses the hub's connection",
        detail=detail,
    )


def _failing_flows(
    session: Session,
    settings: AlertSettings,
    now: datetime,
    names: dict[str, str],
    connection_failure: ConnectionFailure,
) -> list[Condition]:
    failing = session.execute(
        select(FlowRow.integration_id, FlowRow.flow, FlowRow.last_error).where(
            FlowRow.enabled.is_(True), FlowRow.last_error.is_not(None)
        )
    ).all()
    found: list[Condition] = []
    for integration_id, flow, error in failing:
        if integration_id not in names:
            continue
        if connection_failure(error):
            found.append(_connection(integration_id, names, f"{flow}: {error}"))
            continue
        streak, since = _failure_streak(session, integration_id, flow, settings.failed_runs)
        if streak == 0 or since is None:
            continue  # the last run failed, but nothing is recorded of it (removed history)
        too_long = now - since > timedelta(minutes=settings.failing_minutes)
        if streak < settings.failed_runs and not too_long:
            continue
        runs = f"{streak}+" if streak >= settings.failed_runs else str(streak)
        found.append(
            Condition(
                key=f"{AlertKind.FLOW_FAILING.value}:{integration_id}:{flow}",
                kind=AlertKind.FLOW_FAILING,
                integration_id=integration_id,
                flow=flow,
                title=f"{names[integration_id]}: {flow} keeps failing "
                f"({runs} runs in a row, since {since:%Y-%m-%d %H:%M} UTC)",
                detail=error,
            )
        )
    return found


def _failure_streak(
    session: Session, integration_id: str, flow: str, enough: int
) -> tuple[int, datetime | None]:
    """Failed runs in a row at the end of the flow's history (counted up to `enough`), and
    when the first of the whole streak started."""
    of_flow = (RunRow.integration_id == integration_id, RunRow.flow == flow)
    last_ok = session.scalar(
        select(func.max(RunRow.id)).where(*of_flow, RunRow.status == RunStatus.SUCCEEDED.value)
    )
    after_ok = (RunRow.id > last_ok,) if last_ok is not None else ()
    latest = session.execute(
        select(RunRow.status)
        .where(*of_flow, *after_ok, RunRow.status != RunStatus.RUNNING.value)
        .order_by(RunRow.id.desc())
        .limit(enough)
    ).scalars()
    streak = sum(1 for status in latest if status == RunStatus.FAILED.value)
    since = session.scalar(
        select(func.min(RunRow.started_at)).where(
            *of_flow, *after_ok, RunRow.status == RunStatus.FAILED.value
        )
    )
    return streak, utc(since) if since is not None else None


def _piling_exceptions(
    session: Session, settings: AlertSettings, names: dict[str, str], open_keys: Collection[str]
) -> list[Condition]:
    counts = session.execute(
        select(ExceptionRow.integration_id, func.count())
        .where(ExceptionRow.status == ExceptionStatus.OPEN.value)
        .group_by(ExceptionRow.integration_id)
    )
    found: list[Condition] = []
    for integration_id, count in counts:
        if integration_id not in names:
            continue
        key = f"{AlertKind.EXCEPTIONS_PILING_UP.value}:{integration_id}"
        line = settings.exceptions * CLEAR_AT if key in open_keys else settings.exceptions
        if count > line:
            found.append(
                Condition(
                    key=key,
                    kind=AlertKind.EXCEPTIONS_PILING_UP,
                    integration_id=integration_id,
                    flow=None,
                    title=f"{names[integration_id]}: {count} open exceptions "
                    f"(more than {settings.exceptions})",
                    detail="Records the flows could not sync; see `orderhub exceptions list`.",
                )
            )
    return found


def _broken_webhooks(session: Session, names: dict[str, str]) -> list[Condition]:
    rows = session.execute(
        select(WebhookFlowRow.integration_id, WebhookFlowRow.flow, WebhookFlowRow.broken_since)
        .join(
            FlowRow,
            (FlowRow.integration_id == WebhookFlowRow.integration_id)
            & (FlowRow.flow == WebhookFlowRow.flow),
        )
        .where(
            WebhookFlowRow.expected.is_(True),
            WebhookFlowRow.broken_since.is_not(None),
            FlowRow.enabled.is_(True),
        )
    )
    return [
        Condition(
            key=f"{AlertKind.WEBHOOKS_BROKEN.value}:{integration_id}:{flow}",
            kind=AlertKind.WEBHOOKS_BROKEN,
            integration_id=integration_id,
            flow=flow,
            title=f"{names[integration_id]}: {flow} webhooks look broken "
            f"(since {utc(since):%Y-%m-%d %H:%M} UTC)"
            if since is not None
            else f"{names[integration_id]}: {flow} webhooks look broken",
            detail="Polls keep finding changes no webhook announced; the flow still polls. "
            "Test the connection to repair the subscriptions.",
        )
        for integration_id, flow, since in rows
        if integration_id in names
    ]
