"""The daily verification: which integrations are due when, on a fake clock, and the hooks.

An integration is due once its last verification started `every` ago (never verified: counted
from its `enabledAt`), if it is connected and one of its pull flows is on.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from orderhub.clock import FakeClock
from orderhub.domain import FlowName, VerificationStatus
from orderhub.engine import EmbeddedScheduler, FlowRegistry, FlowRunner
from orderhub.engine.verify_schedule import VerifySchedule, VerifyTicker, due_verifications
from orderhub.secrets import SecretBox
from orderhub.store import integrations as integration_store
from orderhub.store import verifications as verification_store
from orderhub.store.database import Database
from orderhub.store.verifications import VerificationCounts

from .engine_fakes import T0

DAY = timedelta(hours=24)


def connect(
    db: Database, box: SecretBox, *, at: datetime, flows: tuple[FlowName, ...], name: str
) -> str:
    with db.session() as session:
        created = integration_store.create_integration(
            session,
            connector="cartcom",
            name=name,
            api_url="https://shop.example.com",
            api_token="t",
            box=box,
            now=at,
        )
        integration_store.mark_connected(session, created.integration_id, now=at)
        for flow in flows:
            integration_store.set_flow_enabled(session, created.integration_id, flow, True, now=at)
    return created.integration_id


def verified(db: Database, integration_id: str, at: datetime) -> None:
    with db.session() as session:
        verification_id = verification_store.start_verification(
            session,
            integration_id=integration_id,
            flow=FlowName.ORDERS_PULL,
            trigger="schedule",
            since=None,
            checked_until=None,
            now=at,
        )
        verification_store.finish_verification(
            session,
            verification_id,
            status=VerificationStatus.FAILED,  # a failed check counts as much as any other
            counts=VerificationCounts(),
            error="the store was down",
            now=at,
        )


def due(db: Database, now: datetime, every: timedelta = DAY) -> list[str]:
    with db.read_session() as session:
        return due_verifications(session, now, every=every)


def test_due_a_day_after_connecting_then_a_day_after_each_verification(
    database: Database, box: SecretBox, clock: FakeClock
) -> None:
    shop = connect(database, box, at=T0, flows=(FlowName.ORDERS_PULL,), name="shop")

    assert due(database, T0 + DAY - timedelta(seconds=1)) == []
    assert due(database, T0 + DAY) == [shop]
    verified(database, shop, T0 + DAY)
    assert due(database, T0 + 2 * DAY - timedelta(minutes=1)) == []
    assert due(database, T0 + 2 * DAY) == [shop]
    assert due(database, T0 + 2 * DAY, every=timedelta(0)) == []  # 0: never


def test_only_connected_integrations_with_a_pull_flow_on_longest_waiting_first(
    database: Database, box: SecretBox
) -> None:
    old = connect(database, box, at=T0, flows=(FlowName.PRODUCTS_PULL,), name="old")
    newer = connect(
        database, box, at=T0 + timedelta(hours=1), flows=(FlowName.ORDERS_PULL,), name="newer"
    )
    connect(database, box, at=T0, flows=(FlowName.INVENTORY_PUSH,), name="push only")
    off = connect(database, box, at=T0, flows=(FlowName.ORDERS_PULL,), name="disabled")
    with database.session() as session:
        integration_store.disable_integration(session, off, now=T0)
    verified(database, old, T0 + timedelta(hours=2))  # verified later than `newer` connected

    assert due(database, T0 + 3 * DAY) == [newer, old]


def test_the_ticker_looks_once_a_minute_and_verifies_the_due_ones_off_the_tick(
    database: Database, box: SecretBox, clock: FakeClock
) -> None:
    shop = connect(database, box, at=T0, flows=(FlowName.ORDERS_PULL,), name="shop")
    started: list[str] = []

    def verify(integration_id: str, _stop: threading.Event | None) -> None:
        started.append(integration_id)
        verified(database, integration_id, clock.now())

    ticker = VerifyTicker(VerifySchedule(verify, DAY), database, clock=clock)
    stop = threading.Event()
    clock.advance((DAY - timedelta(minutes=1)).total_seconds())
    ticker(stop)  # not due yet
    clock.advance(30)
    ticker(stop)  # due now, but it looked less than a minute ago
    assert started == []
    clock.advance(30)
    ticker(stop)
    assert ticker.join(5.0)
    assert started == [shop]
    clock.advance(3600)
    ticker(stop)  # verified an hour ago: not due
    assert ticker.join(5.0)
    assert started == [shop]


def test_the_embedded_scheduler_calls_its_tick_hook_with_its_stop_signal(
    database: Database, box: SecretBox
) -> None:
    runner = FlowRunner(database, box, FlowRegistry())
    ticks: list[threading.Event] = []
    scheduler = EmbeddedScheduler(runner, database, tick_seconds=0.01, on_tick=ticks.append)
    scheduler.start()
    deadline = time.monotonic() + 10
    while len(ticks) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()

    assert len(ticks) >= 2
    assert ticks[0].is_set()  # the scheduler's own stop signal, set by stop()
