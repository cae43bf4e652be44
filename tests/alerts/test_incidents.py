"""When incidents open and clear, and that each channel gets one message each way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderhub.alerts.monitor import SETTLE
from orderhub.clock import FakeClock
from orderhub.domain.alert import AlertKind, IncidentStatus
from orderhub.store import alert_incidents as incident_store
from orderhub.store import integrations as integration_store
from orderhub.store import leases
from orderhub.store.database import Database

from .alert_world import T0, AlertWorld, Inbox

FAILED = "Could not get an answer from the Cart.com store (HTTP 503; GET …/orders)"
REFUSED = "Cart.com rejected the API token (missing, invalid or revoked) (HTTP 401; GET …)"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def world(database: Database, clock: FakeClock) -> AlertWorld:
    return AlertWorld(database, clock)


def incidents(world: AlertWorld) -> list[tuple[str, str]]:
    with world.db.read_session() as session:
        return [(i.kind.value, i.status.value) for i in incident_store.list_incidents(session)]


def test_a_flow_failing_three_times_opens_one_incident_and_one_message(
    world: AlertWorld, clock: FakeClock
) -> None:
    inbox = Inbox()
    monitor = world.monitor(inbox)
    for _ in range(2):
        world.run(error=FAILED)
        clock.advance(60)
        assert monitor.look().opened == []
    world.run(error=FAILED)
    opened = monitor.look()
    assert opened.opened == [f"flowFailing:{world.integration_id}:orders.pull"]
    assert inbox.subjects() == [
        "[OrderHub] Problem: Cap Store: orders.pull keeps failing "
        "(3+ runs in a row, since 2026-03-01 12:00 UTC)"
    ]
    assert FAILED in inbox.messages[0].text
    # It keeps failing all night: no more messages.
    for _ in range(30):
        clock.advance(60)
        world.run(error=FAILED)
        assert monitor.look().sent == []
    assert len(inbox.messages) == 1
    # One success, and five quiet minutes, clear it, with one message.
    world.run()
    assert monitor.look().cleared == []
    clock.advance(SETTLE.total_seconds())
    cleared = monitor.look()
    assert cleared.cleared == opened.opened
    assert inbox.subjects()[1].startswith("[OrderHub] Cleared: Cap Store: orders.pull")
    assert inbox.messages[1].payload["incident"]["status"] == "cleared"
    assert monitor.look().sent == []
    assert incidents(world) == [("flowFailing", "cleared")]


def test_a_flapping_flow_is_one_incident_not_a_flood(world: AlertWorld, clock: FakeClock) -> None:
    inbox = Inbox()
    monitor = world.monitor(inbox)
    for error in [FAILED] * 3 + [None, FAILED, FAILED, FAILED, None, FAILED] * 2:
        world.run(error=error)
        monitor.look()
        clock.advance(60)
    assert [m.event for m in inbox.messages] == ["opened"]
    for _ in range(5):
        world.run()
        monitor.look()
        clock.advance(60)
    assert [m.event for m in inbox.messages] == ["opened", "cleared"]


def test_a_flow_failing_for_too_long_opens_before_n_runs(
    world: AlertWorld, clock: FakeClock
) -> None:
    inbox = Inbox()
    monitor = world.monitor(inbox, failed_runs=10, failing_minutes=30)
    world.run(error=FAILED)
    clock.advance(29 * 60)
    world.run(error=FAILED)
    assert monitor.look().opened == []
    clock.advance(2 * 60)
    assert len(monitor.look().opened) == 1
    assert "2 runs in a row" in inbox.messages[0].subject


def test_success_between_failures_restarts_the_count(world: AlertWorld, clock: FakeClock) -> None:
    monitor = world.monitor(Inbox())
    for error in (FAILED, FAILED, None, FAILED, FAILED):
        world.run(error=error)
        clock.advance(60)
        assert monitor.look().opened == []


def test_a_refused_token_is_one_connection_incident_not_a_failing_flow(
    world: AlertWorld, clock: FakeClock
) -> None:
    inbox = Inbox()
    monitor = world.monitor(inbox)
    world.run(error=REFUSED)
    assert monitor.look().opened == [f"connectionBroken:{world.integration_id}"]
    for _ in range(5):
        world.run(error=REFUSED)
        clock.advance(60)
        monitor.look()
    assert [m.subject for m in inbox.messages] == [
        "[OrderHub] Problem: Cap Store: the store refuses the hub's connection"
    ]
    # The merchant replaces the token: the connection test passes, the next run succeeds.
    with world.db.session() as session:
        integration_store.mark_error(session, world.integration_id, "401", now=clock.now())
    assert monitor.look().cleared == []  # the failed test keeps it open
    with world.db.session() as session:
        integration_store.mark_connected(session, world.integration_id, now=clock.now())
    world.run()
    monitor.look()
    clock.advance(SETTLE.total_seconds())
    assert monitor.look().cleared == [f"connectionBroken:{world.integration_id}"]
    assert len(inbox.messages) == 2


def test_exceptions_piling_up_clear_only_well_below_the_line(
    world: AlertWorld, clock: FakeClock
) -> None:
    inbox = Inbox()
    monitor = world.monitor(inbox, exceptions=10)
    first = world.exceptions(10)
    assert monitor.look().opened == []  # at the line, not over it
    extra = world.exceptions(1)
    assert len(monitor.look().opened) == 1
    assert "11 open exceptions (more than 10)" in inbox.messages[0].subject
    world.resolve([*extra, *first[:1]])  # 9: under the line, above 80 % of it
    assert monitor.look().cleared == []
    world.resolve(first[1:2])  # 8: at 80 %
    monitor.look()
    clock.advance(SETTLE.total_seconds())
    assert len(monitor.look().cleared) == 1
    assert len(inbox.messages) == 2


def test_a_channel_that_is_down_gets_the_message_later_and_the_other_is_not_repeated(
    world: AlertWorld, clock: FakeClock
) -> None:
    mail, hook = Inbox("email"), Inbox("webhook", down=True)
    monitor = world.monitor(mail, hook, exceptions=1)
    world.exceptions(2)
    first = monitor.look()
    assert len(first.sent) == 1
    assert first.failed == [
        f"opened exceptionsPilingUp:{world.integration_id} via webhook: webhook is down"
    ]
    with world.db.read_session() as session:
        (shown,) = incident_store.list_incidents(session)
    assert shown.delivery_error == "webhook is down"
    assert shown.notified == ["email"]
    hook.down = False
    clock.advance(60)
    again = monitor.look()
    assert again.sent == [f"opened exceptionsPilingUp:{world.integration_id} via webhook"]
    assert (len(mail.messages), len(hook.messages)) == (1, 1)


def test_two_processes_looking_send_one_message(world: AlertWorld, clock: FakeClock) -> None:
    inbox = Inbox()
    web = world.monitor(inbox, owner="web-host:10:aaaa", exceptions=1)
    worker = world.monitor(inbox, owner="worker-host:20:bbbb", exceptions=1)
    world.exceptions(2)
    # While one process looks (holds the lease), the other skips its look.
    with world.db.session() as session:
        assert leases.try_acquire(
            session, key="alerts", owner="web-host:10:aaaa", ttl_seconds=300, now=clock.now()
        )
    assert worker.look().skipped
    with world.db.session() as session:
        leases.release(session, key="alerts", owner="web-host:10:aaaa")
    # One after the other: the second finds the incident open and its message sent.
    assert len(web.look().sent) == 1
    assert worker.look().sent == []
    assert len(inbox.messages) == 1
    with world.db.read_session() as session:
        (only,) = incident_store.list_incidents(session, status=IncidentStatus.OPEN)
    assert only.kind is AlertKind.EXCEPTIONS_PILING_UP


def test_an_integration_switched_off_raises_nothing_and_clears_what_it_had(
    world: AlertWorld, clock: FakeClock
) -> None:
    monitor = world.monitor(Inbox(), exceptions=1)
    world.exceptions(2)
    assert len(monitor.look().opened) == 1
    clock.advance(timedelta(minutes=5).total_seconds())
    with world.db.session() as session:
        integration_store.disable_integration(session, world.integration_id, now=clock.now())
    monitor.look()
    clock.advance(SETTLE.total_seconds())
    assert len(monitor.look().cleared) == 1
