"""A hub's database with one connected integration, runs written as the runner writes them,
and a channel that keeps what it was given, for the alert suites (fake clock throughout)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from orderhub.alert_settings import AlertSettings
from orderhub.alerts.channels import DeliveryFailed
from orderhub.alerts.messages import AlertMessage
from orderhub.alerts.monitor import AlertMonitor
from orderhub.clock import FakeClock
from orderhub.domain import FlowName, RunCounts, RunStatus
from orderhub.secrets import SecretBox
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.database import Database

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORDERS = FlowName.ORDERS_PULL


@dataclass
class Inbox:
    """A channel that keeps each message (or fails while `down`)."""

    name: str = "email"
    messages: list[AlertMessage] = field(default_factory=list)
    down: bool = False

    def send(self, message: AlertMessage) -> None:
        if self.down:
            raise DeliveryFailed(f"{self.name} is down")
        self.messages.append(message)

    def subjects(self) -> list[str]:
        return [message.subject for message in self.messages]


class AlertWorld:
    def __init__(self, database: Database, clock: FakeClock) -> None:
        self.db = database
        self.clock = clock
        self._records = 0
        with database.session() as session:
            made = integration_store.create_integration(
                session,
                connector="cartcom",
                name="Cap Store",
                api_url="https://caps.example.com",
                api_token="tok_0123456789abcdef",
                box=SecretBox("alert-world-key"),
                now=clock.now(),
            )
            self.integration_id = made.integration_id
            integration_store.mark_connected(session, self.integration_id, now=clock.now())
            integration_store.set_flow_enabled(
                session, self.integration_id, ORDERS, True, now=clock.now()
            )

    def monitor(self, *channels: Inbox, owner: str = "hub-a:1:x", **limits: float) -> AlertMonitor:
        return AlertMonitor(
            self.db,
            AlertSettings(**limits),  # type: ignore[arg-type]
            clock=self.clock,
            channels=list(channels),
            owner=owner,
        )

    def run(self, *, error: str | None = None, flow: FlowName = ORDERS) -> None:
        """One run of `flow` that failed with `error` (or succeeded), as the runner records it."""
        now = self.clock.now()
        with self.db.session() as session:
            run_id = run_store.start_run(
                session, integration_id=self.integration_id, flow=flow, trigger="schedule", now=now
            )
            run_store.finish_run(
                session,
                run_id,
                status=RunStatus.FAILED if error else RunStatus.SUCCEEDED,
                counts=RunCounts(),
                api_calls=1,
                rate_limit_wait_seconds=0.0,
                error=error,
                now=now,
            )
            integration_store.set_flow_schedule(
                session,
                self.integration_id,
                flow,
                last_run_at=now,
                next_run_at=now + timedelta(minutes=1),
                last_error=error,
            )

    def exceptions(self, count: int) -> list[str]:
        made = []
        with self.db.session() as session:
            for _ in range(count):
                self._records += 1
                made.append(
                    exception_store.raise_exception(
                        session,
                        integration_id=self.integration_id,
                        flow=ORDERS,
                        entity_type="order",
                        ext_entity_id=str(self._records),
                        exception_type="mappingFailed",
                        message="the order has no lines",
                        raw=None,
                        now=self.clock.now(),
                    ).exception_id
                )
        return made

    def resolve(self, exception_ids: list[str]) -> None:
        with self.db.session() as session:
            for exception_id in exception_ids:
                exception_store.resolve_exception(session, exception_id, now=self.clock.now())
