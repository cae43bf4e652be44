"""Triggered flows go first: a webhook's or Sync now's run never queues behind timer work.

`find_due_flows` says why each flow is due (`triggered`: its `requested` mark, or a hub change
waiting in a push flow's feed), and the embedded scheduler hands out its slots in that order.
"""

from __future__ import annotations

from datetime import timedelta

from orderhub.clock import FakeClock
from orderhub.engine import EmbeddedScheduler, FlowContext, FlowRegistry, FlowRunner
from orderhub.secrets import SecretBox
from orderhub.store import Database
from orderhub.store import integrations as store_integrations
from orderhub.store.due_flows import DueFlow, find_due_flows

from .engine_fakes import CONNECTOR, FLOW, add_integration


def test_a_requested_flow_is_due_triggered_and_ahead_of_older_timer_work(
    database: Database, box: SecretBox, clock: FakeClock
) -> None:
    waiting_long = add_integration(database, box)  # never ran: due since forever (timer)
    asked = add_integration(database, box)
    with database.session() as session:
        store_integrations.set_flow_schedule(
            session,
            asked,
            FLOW,
            last_run_at=None,
            next_run_at=clock.now() + timedelta(hours=1),
            last_error=None,
        )
        store_integrations.mark_due(session, asked, [FLOW], now=clock.now())  # a webhook

    with database.read_session() as session:
        due = find_due_flows(session, now=clock.now())

    assert due == [DueFlow(asked, FLOW, True), DueFlow(waiting_long, FLOW, False)]


class _Recorder:
    """A flow that only notes which integration it ran for."""

    def __init__(self, started: list[str]) -> None:
        self.started = started

    def run(self, ctx: FlowContext) -> None:
        self.started.append(ctx.integration_id)


def test_the_embedded_scheduler_runs_triggered_flows_first(
    database: Database, box: SecretBox, clock: FakeClock
) -> None:
    timers = [add_integration(database, box) for _ in range(3)]  # never ran: due on a timer
    asked = add_integration(database, box)
    with database.session() as session:
        store_integrations.set_flow_schedule(
            session,
            asked,
            FLOW,
            last_run_at=None,
            next_run_at=clock.now() + timedelta(hours=1),
            last_error=None,
        )
        store_integrations.mark_due(session, asked, [FLOW], now=clock.now())  # Sync now
    started: list[str] = []
    registry = FlowRegistry()
    registry.register(CONNECTOR, FLOW, lambda _ctx: _Recorder(started))
    runner = FlowRunner(database, box, registry, clock=clock, sleep=clock.sleep)

    EmbeddedScheduler(runner, database, clock=clock, max_workers=1).run_due_once()

    assert started[0] == asked
    assert sorted(started[1:]) == sorted(timers)
