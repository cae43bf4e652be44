"""The periodic look: at most one per `every_seconds`, off the scheduler's thread."""

from __future__ import annotations

import threading

from orderhub.alerts.monitor import SETTLE, AlertTicker
from orderhub.clock import FakeClock
from orderhub.engine.scheduler import chain_ticks
from orderhub.store import exceptions as exception_store
from orderhub.store.database import Database

from .alert_world import T0, AlertWorld, Inbox


def test_the_ticker_looks_once_per_period_and_tells_once(database: Database) -> None:
    clock = FakeClock(T0)
    world = AlertWorld(database, clock)
    inbox = Inbox()
    ticker = AlertTicker(world.monitor(inbox, exceptions=1), every_seconds=60, clock=clock)
    tick = chain_ticks(None, ticker)
    assert tick is not None
    stop = threading.Event()
    world.exceptions(2)
    tick(stop)
    ticker.join(10)
    assert len(inbox.messages) == 1
    clock.advance(30)
    tick(stop)  # too soon: no look
    ticker.join(10)
    with database.session() as session:
        for item in exception_store.list_exceptions(session, limit=10):
            exception_store.resolve_exception(session, item.exception_id, now=clock.now())
    tick(stop)
    ticker.join(10)
    assert len(inbox.messages) == 1
    clock.advance(31)
    tick(stop)  # looks: the problem is gone, for now
    ticker.join(10)
    assert len(inbox.messages) == 1
    clock.advance(SETTLE.total_seconds())
    tick(stop)  # gone for five minutes: cleared
    ticker.join(10)
    assert [m.event for m in inbox.messages] == ["opened", "cleared"]
    world.exceptions(2)  # a look now would open a new incident
    stop.set()
    clock.advance(120)
    tick(stop)  # stopping: no look
    ticker.join(10)
    assert len(inbox.messages) == 2
