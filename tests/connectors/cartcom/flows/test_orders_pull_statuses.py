"""orders.pull with the merchant's status settings, against the in-process sandbox: skipped
statuses leave new orders out but keep held ones in step; an override changes the hub status;
the statuses the pull read are kept for the settings page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import ExceptionStatus, FlowName, OrderStatus, Run, RunStatus
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integration_settings import change_settings, order_status_map
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store import exceptions as exception_store
from orderhub.store.database import Database
from orderhub.store.records import EntityKind, get_record_by_ext, list_records

KEY = "orders-pull-statuses-secret-key"
STORE_URL = "http://127.0.0.1:9"  # the in-process transport never opens a socket
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
QUOTE, DECLINED, ON_HOLD, PROCESSING = 10, 4, 6, 12  # the sandbox's status ids


@dataclass
class World:
    hub: Hub
    sandbox: Sandbox
    integration_id: str
    clock: FakeClock

    def later(self, seconds: float) -> None:
        """Let time pass in the store and the hub (past a run's re-read overlap: 60 s)."""
        self.clock.advance(seconds)

    def move_on(self) -> None:
        """Let time pass and pull a new order, so the next pull's re-read overlap (60 s
        before where it stands) no longer covers the orders changed until now."""
        self.later(300)
        self.sandbox.store.create_order(order_status_id=PROCESSING)
        self.pull()

    def pull(self) -> Run:
        self.clock.advance(1)
        run = self.hub.runner().run_flow(self.integration_id, FlowName.ORDERS_PULL)
        assert run.status is RunStatus.SUCCEEDED, run.error
        return run

    def set(self, **changes: str | None) -> list[str]:
        return change_settings(self.hub, self.integration_id, changes, actor="cli")

    def held(self) -> dict[str, dict[str, Any]]:
        with self.hub.db.read_session() as session:
            records = list_records(session, EntityKind.ORDER, limit=10_000)
        return {r.ext_id: r.to_wire() for r in records}

    def order(self, order_id: int) -> dict[str, Any]:
        with self.hub.db.read_session() as session:
            record = get_record_by_ext(
                session, EntityKind.ORDER, self.integration_id, str(order_id)
            )
        assert record is not None, order_id
        return record.to_wire()

    def store_orders(self) -> dict[int, int]:
        """Every store order's status id."""
        orders = self.sandbox.store.tables["orders"]
        return {
            order_id: orders.get(row, "order_status_id")
            for row, order_id in enumerate(orders.ids)
            if orders.alive[row]
        }


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[World]:
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    sandbox = Sandbox(SandboxConfig(seed=17, orders=30, products=10, plan="unlimited", clock=clock))
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    hub = Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        http_factory=lambda _integration: http,
        clock=clock,
    )
    added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
    assert added.report.connected, added.report.summary
    integration_id = added.integration.integration_id
    enable_flow(hub, integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
    try:
        yield World(hub, sandbox, integration_id, clock)
    finally:
        http.close()


def test_orders_in_a_skipped_status_stay_out_until_they_leave_it(world: World) -> None:
    store = world.sandbox.store
    quote = store.create_order(order_status_id=QUOTE)["id"]
    declined = store.create_order(order_status_id=DECLINED)["id"]
    world.set(ordersPullSkipStatuses="quote, #4")

    run = world.pull()

    statuses = world.store_orders()
    wanted = {str(i) for i, status in statuses.items() if status not in (QUOTE, DECLINED)}
    left_out = len(statuses) - len(wanted)
    assert left_out >= 2
    assert set(world.held()) == wanted  # no quote and no declined order came in
    assert run.counts.created == len(wanted)
    assert run.counts.unchanged == left_out  # read, and nothing in the hub moved
    assert run.counts.failed == 0
    with world.hub.db.read_session() as session:
        assert exception_store.list_exceptions(session, status=ExceptionStatus.OPEN) == []

    # A held order that moves into a skipped status is still updated: the cancellation of a
    # declined payment reaches the hub.
    held = int(next(iter(sorted(wanted))))
    store.update_order(held, order_status_id=DECLINED)
    # A quote the customer accepts becomes an order: it comes in now.
    store.update_order(quote, order_status_id=PROCESSING)
    run = world.pull()

    assert world.order(held)["status"] == OrderStatus.CANCELED
    assert world.order(held)["extStatus"] == "Declined"
    assert world.order(quote)["status"] == OrderStatus.READY_FOR_FULFILLMENT
    assert str(declined) not in world.held()
    assert (run.counts.created, run.counts.updated) == (1, 1)

    # Pulling every status again (the setting reset) brings nothing old back by itself: the
    # declined order did not change, so it comes in with a backfill or its next change.
    world.move_on()
    assert world.set(ordersPullSkipStatuses=None) == [
        "ordersPullSkipStatuses: quote, 4 → the default (every status is pulled)"
    ]
    world.move_on()
    assert str(declined) not in world.held()
    store.update_order(declined, special_instructions="Call before delivery")
    world.pull()
    assert world.order(declined)["status"] == OrderStatus.CANCELED


def test_an_override_maps_a_status_from_the_next_pull_and_a_backfill_remaps_held_orders(
    world: World,
) -> None:
    store = world.sandbox.store
    before = store.create_order(order_status_id=ON_HOLD)["id"]
    world.pull()
    assert world.order(before)["status"] == OrderStatus.NEW  # "On Hold" carries is_open
    world.move_on()

    assert world.set(orderStatusMap="on hold=On hold, Backordered=onHold") == [
        "orderStatusMap: (every status maps by its flags) → on hold=onHold, Backordered=onHold"
    ]
    after = store.create_order(order_status_id=ON_HOLD)["id"]
    world.pull()

    assert world.order(after)["status"] == OrderStatus.ON_HOLD
    assert world.order(after)["extStatus"] == "On Hold"
    assert world.order(before)["status"] == OrderStatus.NEW  # held orders are not rewritten

    enable_flow(world.hub, world.integration_id, FlowName.ORDERS_PULL, since=LONG_AGO)
    world.pull()  # a backfill reads every order again, with today's settings
    assert world.order(before)["status"] == OrderStatus.ON_HOLD


def test_the_status_list_is_kept_by_the_pull_and_shows_each_status_with_the_settings(
    world: World,
) -> None:
    world.set(ordersPullSkipStatuses="Quote, Layaway", orderStatusMap="On Hold=onHold")
    unknown = order_status_map(world.hub, world.integration_id)
    assert unknown is not None
    assert not unknown.known
    assert unknown.statuses == ()

    world.pull()

    shown = order_status_map(world.hub, world.integration_id)
    assert shown is not None
    assert shown.known
    by_name = {s.name: s for s in shown.statuses}
    assert len(by_name) == 12  # the sandbox's 11 statuses, and one the store does not have
    hold = by_name["On Hold"]
    assert (hold.hub_status, hold.overridden, hold.default_status, hold.store_id) == (
        OrderStatus.ON_HOLD,
        True,
        OrderStatus.NEW,
        str(ON_HOLD),
    )
    assert by_name["Quote"].skipped
    assert by_name["Quote"].hub_status is OrderStatus.ON_HOLD
    assert by_name["Declined"].hub_status is OrderStatus.CANCELED
    assert not by_name["Declined"].skipped
    assert not by_name["Declined"].overridden
    layaway = by_name["Layaway"]
    assert (layaway.in_store, layaway.skipped, layaway.hub_status) == (False, True, None)

    # A change to the settings shows at once: the page applies them to the kept list.
    world.set(orderStatusMap=None)
    again = order_status_map(world.hub, world.integration_id)
    assert again is not None
    assert {s.name: s for s in again.statuses}["On Hold"].hub_status is OrderStatus.NEW


def test_an_order_left_out_clears_its_open_exception(world: World) -> None:
    store = world.sandbox.store
    broken = store.create_order(order_status_id=999)["id"]  # a status the store does not list
    assert world.pull().counts.failed == 1
    with world.hub.db.read_session() as session:
        [problem] = exception_store.list_exceptions(session, status=ExceptionStatus.OPEN)
    assert (problem.ext_entity_id, problem.exception_type) == (str(broken), "unknownStatus")

    world.set(ordersPullSkipStatuses="Quote")
    store.update_order(broken, order_status_id=QUOTE)  # the merchant parks it as a quote
    run = world.pull()

    assert run.counts.failed == 0
    assert str(broken) not in world.held()
    with world.hub.db.read_session() as session:
        assert exception_store.list_exceptions(session, status=ExceptionStatus.OPEN) == []
