"""A push flow runs when its feed holds something for it, and only then (issue #11).

No timer wakes it: with nothing new in the feed it starts no run (no lease, no run row, no
call); a hub change makes it due at the next dispatcher tick; its own integration's changes
never do; its safety net looks without starting anything when there is nothing to do.
"""

from __future__ import annotations

from datetime import timedelta

from orderhub.domain import FlowName
from orderhub.engine import EmbeddedScheduler, FlowRunner
from orderhub.services.integrations import enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.services.sync import request_runs
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.feed import feed_head
from orderhub.store.records import EntityKind
from support.stock import stock_location

from .conftest import LONG_AGO, World


def _scheduler(world: World) -> EmbeddedScheduler:
    runner = FlowRunner(
        world.hub.db,
        world.hub.box,
        world.hub.registry,
        http_factory=lambda _integration: world.http,
        sleep=lambda _seconds: None,
    )
    return EmbeddedScheduler(runner, world.hub.db)


def _runs(world: World, flow: FlowName) -> int:
    with world.hub.db.read_session() as session:
        return len(run_store.list_runs(session, integration_id=world.integration_id, flow=flow))


def _a_sku(world: World) -> str:
    products = world.api("products", use_variant_inventory="false", fields="id,item_number")
    return str(next(p["item_number"] for p in products["products"] if p["item_number"]))


def test_an_empty_feed_starts_no_run_and_a_hub_change_starts_one_at_the_next_tick(
    world: World,
) -> None:
    enable_flow(world.hub, world.integration_id, FlowName.INVENTORY_PUSH)
    scheduler = _scheduler(world)
    scheduler.run_due_once()  # the first run keeps its first position
    runs = _runs(world, FlowName.INVENTORY_PUSH)
    calls = world.sandbox.calls()["total"]

    for _ in range(5):
        assert scheduler.run_due_once() == []

    assert _runs(world, FlowName.INVENTORY_PUSH) == runs  # no run row
    assert world.sandbox.calls()["total"] == calls  # no call
    set_inventory(
        world.hub,
        sku=_a_sku(world),
        quantity=4321,
        location_id=stock_location(world.hub),
        actor="api",
    )

    [run] = scheduler.run_due_once()

    assert (run.flow, run.trigger, run.counts.updated) == (FlowName.INVENTORY_PUSH, "schedule", 1)
    assert world.calls("POST /inventory/set") == 1
    assert scheduler.run_due_once() == []


def test_the_integrations_own_changes_never_make_its_push_due(world: World) -> None:
    enable_flow(world.hub, world.integration_id, FlowName.PRODUCTS_PUSH)
    enable_flow(world.hub, world.integration_id, FlowName.PRODUCTS_PULL, since=LONG_AGO)
    scheduler = _scheduler(world)
    scheduler.run_due_once()  # products.pull brings the catalog; products.push its position
    pushes = _runs(world, FlowName.PRODUCTS_PUSH)

    for _ in range(3):
        assert [r.flow for r in scheduler.run_due_once()] == []

    assert _runs(world, FlowName.PRODUCTS_PUSH) == pushes
    with world.hub.db.read_session() as session:
        state = integration_store.get_flow_state(
            session, world.integration_id, FlowName.PRODUCTS_PUSH
        )
        head = feed_head(session, EntityKind.PRODUCT)
    assert state.cursor is not None
    assert state.cursor["seq"] == head  # stepped past what the pull wrote: nothing to scan


def test_the_safety_net_looks_without_starting_a_run(world: World) -> None:
    enable_flow(world.hub, world.integration_id, FlowName.FULFILLMENTS_PUSH)
    scheduler = _scheduler(world)
    scheduler.run_due_once()
    runs = _runs(world, FlowName.FULFILLMENTS_PUSH)
    now = world.hub.clock.now()
    with world.hub.db.session() as session:  # its safety net comes due
        integration_store.set_flow_schedule(
            session,
            world.integration_id,
            FlowName.FULFILLMENTS_PUSH,
            last_run_at=None,
            next_run_at=now - timedelta(seconds=1),
            last_error=None,
        )

    assert scheduler.run_due_once() == []

    assert _runs(world, FlowName.FULFILLMENTS_PUSH) == runs
    with world.hub.db.read_session() as session:
        state = integration_store.get_flow_state(
            session, world.integration_id, FlowName.FULFILLMENTS_PUSH
        )
    assert state.next_run_at is not None
    assert state.next_run_at - now >= timedelta(minutes=14)


def test_sync_now_runs_a_push_even_with_nothing_new_and_only_once(world: World) -> None:
    enable_flow(world.hub, world.integration_id, FlowName.FULFILLMENTS_PUSH)
    scheduler = _scheduler(world)
    scheduler.run_due_once()
    runs = _runs(world, FlowName.FULFILLMENTS_PUSH)

    told = request_runs(
        world.hub,
        world.integration_id,
        [FlowName.FULFILLMENTS_PUSH],
        scheduler=scheduler,
        waker=None,
    )

    assert told == "scheduler"
    [run] = scheduler.run_due_once()  # asked for: it runs, though the feed is empty
    assert run.flow is FlowName.FULFILLMENTS_PUSH
    assert scheduler.run_due_once() == []  # the request is answered once
    assert _runs(world, FlowName.FULFILLMENTS_PUSH) == runs + 1


def test_sync_now_beside_workers_makes_the_flow_due_and_tells_the_queue(world: World) -> None:
    enable_flow(world.hub, world.integration_id, FlowName.INVENTORY_PUSH)
    _scheduler(world).run_due_once()
    told: list[tuple[str, list[FlowName], float]] = []

    answer = request_runs(
        world.hub,
        world.integration_id,
        [FlowName.INVENTORY_PUSH],
        scheduler=None,
        waker=lambda integration, flows, delay: told.append((integration, flows, delay)),
    )

    assert answer == "queue"
    assert told == [(world.integration_id, [FlowName.INVENTORY_PUSH], 0.0)]
    [run] = _scheduler(world).run_due_once()  # what a worker's dispatch would find
    assert run.flow is FlowName.INVENTORY_PUSH


def test_the_order_statuses_are_read_once_for_the_runs_of_a_process(world: World) -> None:
    enable_flow(world.hub, world.integration_id, FlowName.ORDERS_PULL)
    scheduler = _scheduler(world)
    before = world.calls("GET /order_statuses")

    for _ in range(3):
        # A new order each time: a run that maps none reads no statuses at all.
        world.sandbox.store.create_order()
        request_runs(
            world.hub,
            world.integration_id,
            [FlowName.ORDERS_PULL],
            scheduler=scheduler,
            waker=None,
        )
        assert [r.flow for r in scheduler.run_due_once()] == [FlowName.ORDERS_PULL]

    assert world.calls("GET /order_statuses") - before == 1
