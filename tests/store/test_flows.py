"""Flow switches, start points, cursors and the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderhub.domain import FlowName
from orderhub.store import Database, NotFoundError
from orderhub.store.due_flows import due_flows
from orderhub.store.flows import set_next_run
from orderhub.store.integrations import (
    disable_integration,
    get_flow_state,
    get_integration,
    mark_connected,
    mark_error,
    save_cursor,
    set_flow_enabled,
    set_flow_interval,
    set_flow_schedule,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONNECTED_AT = T0 + timedelta(hours=1)
ORDERS = FlowName.ORDERS_PULL
CURSOR = {"updatedAt": "2026-03-02T00:00:00.000000Z", "id": 42}


@pytest.fixture
def connected(database: Database, integration_id: str) -> str:
    with database.session() as session:
        mark_connected(session, integration_id, now=CONNECTED_AT)
    return integration_id


def test_a_flow_enabled_later_starts_from_the_integrations_enabled_at(
    database: Database, connected: str
) -> None:
    enable = CONNECTED_AT + timedelta(days=1)
    with database.session() as session:
        setting = set_flow_enabled(session, connected, ORDERS, True, now=enable)
        state = get_flow_state(session, connected, ORDERS)
    assert (setting.flow, setting.enabled, setting.enabled_at) == (ORDERS, True, enable)
    assert state.enabled
    assert state.cursor is None
    assert state.start_from == CONNECTED_AT
    assert state.next_run_at is None
    assert state.interval_seconds == 60


def test_disable_keeps_the_cursor_and_enable_resumes_from_it(
    database: Database, connected: str
) -> None:
    with database.session() as session:
        set_flow_enabled(session, connected, ORDERS, True, now=CONNECTED_AT)
        save_cursor(session, connected, ORDERS, CURSOR)
        set_flow_enabled(session, connected, ORDERS, False, now=T0 + timedelta(days=2))
    with database.read_session() as session:
        off = get_flow_state(session, connected, ORDERS)
    assert not off.enabled
    assert off.cursor == CURSOR
    with database.session() as session:
        set_flow_enabled(session, connected, ORDERS, True, now=T0 + timedelta(days=3))
        on = get_flow_state(session, connected, ORDERS)
    assert on.enabled
    assert on.cursor == CURSOR
    assert on.start_from == CONNECTED_AT


def test_enabled_at_of_a_flow_marks_its_last_switch_on(database: Database, connected: str) -> None:
    first, second = T0 + timedelta(days=1), T0 + timedelta(days=5)
    with database.session() as session:
        set_flow_enabled(session, connected, ORDERS, True, now=first)
        again = set_flow_enabled(session, connected, ORDERS, True, now=first + timedelta(hours=1))
        assert again.enabled_at == first  # already on: unchanged
        set_flow_enabled(session, connected, ORDERS, False, now=second - timedelta(days=1))
        reenabled = set_flow_enabled(session, connected, ORDERS, True, now=second)
    assert reenabled.enabled_at == second
    with database.read_session() as session:
        integration = get_integration(session, connected)
    assert integration is not None
    (orders,) = [flow for flow in integration.flows if flow.flow is ORDERS]
    assert orders.enabled_at == second


def test_since_clears_the_cursor_and_becomes_the_start_point(
    database: Database, connected: str
) -> None:
    since = datetime(2000, 1, 1, tzinfo=UTC)
    with database.session() as session:
        set_flow_enabled(session, connected, ORDERS, True, now=CONNECTED_AT)
        save_cursor(session, connected, ORDERS, CURSOR)
        set_flow_schedule(
            session,
            connected,
            ORDERS,
            last_run_at=T0,
            next_run_at=T0 + timedelta(hours=9),
            last_error=None,
        )
        set_flow_enabled(session, connected, ORDERS, True, now=T0 + timedelta(days=1), since=since)
        state = get_flow_state(session, connected, ORDERS)
    assert state.cursor is None
    assert state.start_from == since
    assert state.next_run_at is None  # a backfill is due at once


def test_since_only_applies_when_enabling(database: Database, connected: str) -> None:
    with database.session() as session, pytest.raises(ValueError, match="since"):
        set_flow_enabled(session, connected, ORDERS, False, now=T0, since=T0)


def test_reconnecting_after_disable_resets_cursors_and_backfills(
    database: Database, connected: str
) -> None:
    reconnect = T0 + timedelta(days=10)
    with database.session() as session:
        set_flow_enabled(session, connected, ORDERS, True, now=CONNECTED_AT)
        save_cursor(session, connected, ORDERS, CURSOR)
        set_flow_enabled(
            session,
            connected,
            FlowName.PRODUCTS_PULL,
            True,
            now=CONNECTED_AT,
            since=datetime(2001, 1, 1, tzinfo=UTC),
        )
        disable_integration(session, connected, now=T0 + timedelta(days=5))
    with database.session() as session:
        mark_connected(session, connected, now=reconnect)
        orders = get_flow_state(session, connected, ORDERS)
        products = get_flow_state(session, connected, FlowName.PRODUCTS_PULL)
    # What changed while the integration was off is skipped: both start from the reconnection.
    assert (orders.enabled, orders.cursor, orders.start_from) == (True, None, reconnect)
    assert (products.enabled, products.cursor, products.start_from) == (True, None, reconnect)


def test_a_cursor_saved_in_a_failed_transaction_is_rolled_back(
    database: Database, connected: str
) -> None:
    with database.session() as session:
        set_flow_enabled(session, connected, ORDERS, True, now=CONNECTED_AT)
        save_cursor(session, connected, ORDERS, {"page": 1})

    def crash_after_saving() -> None:
        with database.session() as session:
            save_cursor(session, connected, ORDERS, {"page": 2})
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError, match="crash"):
        crash_after_saving()
    with database.read_session() as session:
        assert get_flow_state(session, connected, ORDERS).cursor == {"page": 1}


def test_a_returned_cursor_is_a_copy(database: Database, connected: str) -> None:
    with database.session() as session:
        save_cursor(session, connected, ORDERS, {"nested": {"page": 1}})
        state = get_flow_state(session, connected, ORDERS)
        assert state.cursor is not None
        state.cursor["nested"]["page"] = 99
        assert get_flow_state(session, connected, ORDERS).cursor == {"nested": {"page": 1}}


def test_due_flows_are_enabled_flows_of_connected_integrations_whose_time_has_come(
    database: Database, connected: str
) -> None:
    now = T0 + timedelta(days=1)
    with database.session() as session:
        assert due_flows(session, now=now) == []  # nothing enabled
        for flow in (ORDERS, FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL):
            set_flow_enabled(session, connected, flow, True, now=CONNECTED_AT)
        set_flow_schedule(
            session,
            connected,
            ORDERS,
            last_run_at=now,
            next_run_at=now + timedelta(seconds=60),
            last_error=None,
        )
        set_flow_schedule(
            session,
            connected,
            FlowName.LOCATIONS_PULL,
            last_run_at=now,
            next_run_at=now - timedelta(seconds=1),
            last_error="boom",
        )
        due = due_flows(session, now=now)
        assert due == [(connected, FlowName.PRODUCTS_PULL), (connected, FlowName.LOCATIONS_PULL)]
        assert (connected, ORDERS) in due_flows(session, now=now + timedelta(seconds=60))
        state = get_flow_state(session, connected, FlowName.LOCATIONS_PULL)
        assert (state.last_run_at, state.last_error) == (now, "boom")


@pytest.mark.parametrize("stop", ["disable", "error"])
def test_flows_of_a_disabled_or_failing_integration_are_not_due(
    database: Database, connected: str, stop: str
) -> None:
    with database.session() as session:
        set_flow_enabled(session, connected, ORDERS, True, now=CONNECTED_AT)
        assert due_flows(session, now=T0 + timedelta(days=1)) == [(connected, ORDERS)]
        if stop == "disable":
            disable_integration(session, connected, now=T0 + timedelta(days=1))
        else:
            mark_error(session, connected, "401", now=T0 + timedelta(days=1))
        assert due_flows(session, now=T0 + timedelta(days=1)) == []


def test_flows_of_a_never_connected_integration_are_not_due(
    database: Database, integration_id: str
) -> None:
    with database.session() as session:
        set_flow_enabled(session, integration_id, ORDERS, True, now=T0)
        assert due_flows(session, now=T0 + timedelta(days=1)) == []
        assert get_flow_state(session, integration_id, ORDERS).start_from is None


def test_set_flow_interval(database: Database, connected: str) -> None:
    with database.session() as session:
        set_flow_interval(session, connected, ORDERS, 300)
        assert get_flow_state(session, connected, ORDERS).interval_seconds == 300
        with pytest.raises(ValueError, match="interval"):
            set_flow_interval(session, connected, ORDERS, 0)


def test_unknown_integration_or_flow(database: Database, connected: str) -> None:
    with database.session() as session:
        with pytest.raises(NotFoundError):
            get_flow_state(session, "missing", ORDERS)
        with pytest.raises(NotFoundError):
            save_cursor(session, "missing", ORDERS, {})
        with pytest.raises(ValueError, match=r"orders\.push"):
            set_flow_enabled(session, connected, "orders.push", True, now=T0)  # type: ignore[arg-type]


def test_set_next_run_moves_only_the_next_run(database: Database, connected: str) -> None:
    with database.session() as session:
        save_cursor(session, connected, ORDERS, CURSOR)
        set_flow_schedule(
            session, connected, ORDERS, last_run_at=T0, next_run_at=T0, last_error="boom"
        )
        assert set_next_run(session, connected, ORDERS, T0 + timedelta(minutes=5))
    with database.read_session() as session:
        state = get_flow_state(session, connected, ORDERS)
    assert (state.next_run_at, state.last_run_at, state.last_error) == (
        T0 + timedelta(minutes=5),
        T0,
        "boom",
    )
    assert state.cursor == CURSOR
    assert not state.requested


def test_set_next_run_marks_requested_and_keeps_a_mark(database: Database, connected: str) -> None:
    with database.session() as session:
        assert set_next_run(session, connected, ORDERS, T0, mark_requested=True)
        assert set_next_run(session, connected, ORDERS, T0 + timedelta(seconds=3))
        assert get_flow_state(session, connected, ORDERS).requested  # a later move keeps it
        assert not set_next_run(session, "missing", ORDERS, T0)
