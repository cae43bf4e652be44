"""Issue 7 acceptance: many stores, all flows, three workers and a SIGKILL end as one worker does.

Three `orderhub worker` processes on one PostgreSQL run all six flows of many sandbox stores:
eight in `make test`, twenty (the issue's figure) with `ORDERHUB_TEST_STORES=20`. Every check
below is the same for any number; twenty only takes 2.5 times as long (150-300 s on 2 cores,
the suite's longest test by far), and `make bench-scale` measures twenty stores on three
workers anyway.
Phase 1 brings every store's orders, products and locations into the hub. Phase 2 applies one
fixed script to every store, on both sides: in the store, new orders and a renamed product
(the pull flows must bring them); in the hub, stock for a few SKUs, two fulfillments and a
new price (the push flows must carry them). In the middle of phase 2 one worker is killed
with SIGKILL while it runs a flow. Once hub and stores agree and every flow has run again,
the workers stop and the final hub and stores are compared with those of the same scenario
run by a single worker on fresh copies of the same stores.

Checked from the run history: every flow of every store ran, no flow ever ran twice at once,
no run failed but the ones the kill cut short (and runs our own closing SIGTERM interrupts),
and each killed flow ran again within a bound. Measured and printed (`pytest -s`): flow runs,
API calls per store per minute against the plan's budget, 429 answers, the killed flows' wait.

Choices a reader should know:
- The stores' seeds are picked so that no SKU is in two stores. Every store's products reach
  every other store's products.push (a pulled product is a hub product to the other
  integrations), and two stores holding one SKU with different data overwrite each other in
  whichever order their runs happen: such a catalog has no single correct end state to
  compare. With disjoint SKUs each SKU has one source, and the other stores' attempts end as
  per-record exceptions (the SKU is not theirs), the same in both runs.
- Two products per store (71 SKUs in all): each store's products.push meets every SKU of the
  other 19 stores and makes an exception of each (retried later, with backoff), so its work
  grows with stores x SKUs; a small catalog keeps the file's run time down.
- The stores' seeded history ends at a fixed time, and fulfillments have a fixed ship date, so
  both runs' stores hold the same timestamps except those of writes made during the run.
- The script changes the stores before the hub: a new order takes stock off in the store, so
  one placed after inventory.push set a SKU would leave the store below the hub's figure until
  the hub changes again; placed before, the push sets the final figure in either run.

On 2 cores, with twenty stores, the two scenarios take about 50-110 s each: 120 flows due every
2 s saturate the machine, so each flow runs about every 15-30 s and the phases last that long.
"""

from __future__ import annotations

import functools
import itertools
import os
import signal
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from orderhub.connectors.cartcom.mapping.fulfillments import shipment_name
from orderhub.connectors.cartcom.sandbox import Sandbox
from orderhub.connectors.cartcom.sandbox.catalog import build_catalog
from orderhub.connectors.cartcom.sandbox.ratelimit import PLAN_LIMITS, WINDOW_SECONDS
from orderhub.connectors.cartcom.sandbox.writes import update as sandbox_update
from orderhub.domain import (
    FlowName,
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderStatus,
    Run,
    RunStatus,
)
from orderhub.engine.runner import INTERRUPTED_MESSAGE
from orderhub.engine.settle import ABANDONED_MESSAGE
from orderhub.hub import Hub
from orderhub.services.fulfillments import create_fulfillment
from orderhub.services.inventory import set_inventory
from orderhub.services.products import import_products_csv
from orderhub.store.records import EntityKind, count_records, list_records
from orderhub.store.tables import LeaseRow, RunRow
from support.stores import Store

from .conftest import Deployment, NewDeployment, WorkerProcess
from .helpers import (
    all_runs,
    assert_never_overlapping,
    connect_stores,
    run_in_progress,
    wait_for,
)
from .snapshots import (
    Shop,
    differences,
    fulfillment_aliases,
    hub_snapshot,
    sandbox_snapshot,
    shipment_names,
    stock_by_sku,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

STORES = int(os.environ.get("ORDERHUB_TEST_STORES", "8"))
"""How many stores (see the module docstring); at most a few dozen: each needs its own seed."""
ORDERS = 120
PRODUCTS = 2
PLAN = "gold"
BUDGET_PER_MINUTE = (PLAN_LIMITS[PLAN] or 0) * 60 / WINDOW_SECONDS
INTERVAL_SECONDS = 2
STALLED_AFTER = 4.0
DISPATCH_EVERY = 1
WORKER_ARGS = ("--dispatch-every", str(DISPATCH_EVERY), "--stalled-after", str(STALLED_AFTER))
ALL_FLOWS = tuple(FlowName)
PULL_FLOWS = (FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL)
PUSH_FLOWS = (FlowName.INVENTORY_PUSH, FlowName.FULFILLMENTS_PUSH, FlowName.PRODUCTS_PUSH)
NEW_ORDERS = 3
STORE_HISTORY_ENDS = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
"""Where the stores' seeded 90-day history ends: fixed (not "now"), so both runs' stores hold
the same timestamps, not the same history shifted by the minutes between the runs."""
SHIP_DATE = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
"""Every fulfillment's ship date: fixed, so shipments are equal in both runs."""
LEASE_TTL_SECONDS = 120.0
"""A flow lease's TTL (README, Running at scale): how long a dead worker's lease would last
if it were not taken over at once from a dead pid on the same host."""


# --- the stores -------------------------------------------------------------------------------


@functools.cache
def disjoint_seeds(count: int, products: int, first: int = 100) -> tuple[int, ...]:
    """The first `count` seeds from `first` on whose catalogs share no SKU, have no empty one
    and have a product without variants (the script reprices one).

    The sandbox builds its catalog from the seed alone (`build_catalog`), so this is the
    catalog each store will hold; 87 seeds tried for 20 stores of 2 products (5 ms).
    """
    taken: set[str] = set()
    seeds: list[int] = []
    seed = first
    while len(seeds) < count:
        catalog = build_catalog(seed, products).products
        skus = {product.sku for product in catalog}
        simple = any(not product.rows for product in catalog)
        if simple and all(skus) and not skus & taken:
            seeds.append(seed)
            taken |= skus
        seed += 1
    return tuple(seeds)


@dataclass(frozen=True)
class CatalogRow:
    """A sellable SKU of a store: a product keeping its own stock, or a variant row."""

    sku: str
    product_id: int
    warehouse_id: int
    has_variants: bool
    price: float
    name: str
    variant_row_id: int | None = None


def catalog_rows(sandbox: Sandbox) -> list[CatalogRow]:
    """Products (simple ones, and parents as `has_variants`) and variant rows, by product id."""
    store = sandbox.store
    with store.locked():
        products = store.tables["products"]
        rows = store.tables["variant_inventory"]
        found = [
            CatalogRow(
                sku=products.get(row, "item_number"),
                product_id=products.ids[row],
                warehouse_id=products.get(row, "warehouse_id"),
                has_variants=bool(products.get(row, "use_variant_inventory")),
                price=float(products.get(row, "price")),
                name=products.get(row, "item_name"),
            )
            for row in products.iter_rows()
        ]
        warehouses = {row.product_id: row.warehouse_id for row in found}
        found += [
            CatalogRow(
                sku=rows.get(row, "item_number"),
                product_id=rows.get(row, "product_id"),
                warehouse_id=warehouses[rows.get(row, "product_id")],
                has_variants=False,
                price=0.0,
                name="",
                variant_row_id=rows.ids[row],
            )
            for row in rows.iter_rows()
        ]
    return sorted(found, key=lambda row: (row.product_id, row.sku))


# --- the script -------------------------------------------------------------------------------


@dataclass
class StoreScript:
    """What phase 2 did to one store, and so what convergence looks for."""

    label: str
    integration_id: str
    store: Store
    renamed: tuple[str, str] = ("", "")
    """(SKU, new name) of the product renamed in the store."""
    repriced: tuple[int, str, float] = (0, "", 0.0)
    """(Cart.com product id, SKU, new price) of the product repriced in the hub."""
    stock: dict[str, int] = field(default_factory=dict)
    """Quantities set in the hub, by SKU."""
    fulfillments: list[str] = field(default_factory=list)
    """Hub ids of the fulfillments created."""


def change_the_store(script: StoreScript) -> None:
    """The store's side: new orders, and the last product renamed (products.pull brings it)."""
    sandbox = script.store.sandbox
    for _ in range(NEW_ORDERS):
        sandbox.store.create_order()
    products = [row for row in catalog_rows(sandbox) if row.name]
    target = products[-1] if products[-1].sku != _repriced_row(sandbox).sku else products[-2]
    new_name = f"{target.name} (renamed in the store)"
    with sandbox.store.locked():
        sandbox_update(
            sandbox.store,
            sandbox.store.tables["products"],
            target.product_id,
            {"item_name": new_name},
        )
    script.renamed = (target.sku, new_name)


def _repriced_row(sandbox: Sandbox) -> CatalogRow:
    simple = [row for row in catalog_rows(sandbox) if row.name and not row.has_variants]
    assert simple, "the seeds must give every store a product without variants"
    return simple[0]


def change_the_hub(hub: Hub, index: int, script: StoreScript) -> None:
    """The hub's side: stock of up to three SKUs, two fulfillments, a new price (for the pushes)."""
    sandbox = script.store.sandbox
    sellable = [row for row in catalog_rows(sandbox) if not row.has_variants]
    picks = list(
        {row.sku: row for row in (sellable[0], sellable[len(sellable) // 2], sellable[-1])}.values()
    )
    locations = _warehouse_locations(hub, script.integration_id)
    for number, row in enumerate(picks):
        quantity = 50 + 10 * index + number
        set_inventory(
            hub,
            sku=row.sku,
            quantity=quantity,
            location_id=locations[row.warehouse_id],
            actor="cli",
        )
        script.stock[row.sku] = quantity
    for number, (order, lines) in enumerate(_orders_to_fulfil(hub, script.integration_id)):
        made = create_fulfillment(
            hub,
            Fulfillment(
                order_id=str(order.order_id),
                line_items=lines,
                tracking_numbers=[f"1ZOH{index:02d}{number:02d}"],
                shipping_carrier="UPS",
                actual_ship_date=SHIP_DATE,
            ),
            actor="cli",
        )
        script.fulfillments.append(str(made["fulfillmentId"]))
    target = _repriced_row(sandbox)
    price = round(target.price + 1.11, 2)
    report = import_products_csv(hub, f"sku,price\n{target.sku},{price:.2f}\n", actor="cli")
    assert report.ok, report
    assert report.created == 1, report
    script.repriced = (target.product_id, target.sku, price)


def _warehouse_locations(hub: Hub, integration_id: str) -> dict[int, str]:
    """{Cart.com warehouse id: hub location id} of one store."""
    with hub.db.read_session() as session:
        records = list_records(
            session, EntityKind.LOCATION, integration_id=integration_id, limit=1000
        )
    found = {}
    for record in records:
        ext = str(record.data.get("extLocationId") or "")
        if ext.startswith("warehouse:"):
            found[int(ext.split(":", 1)[1])] = record.hub_id
    return found


def _orders_to_fulfil(hub: Hub, integration_id: str) -> list[tuple[Order, list[FulfillmentLine]]]:
    """Two new orders of the store, oldest number first: one line of the first (a partial
    shipment when it has more), every line of the second (a full one)."""
    with hub.db.read_session() as session:
        records = list_records(
            session, EntityKind.ORDER, integration_id=integration_id, limit=100_000
        )
    orders = sorted(
        (Order.model_validate(record.to_wire()) for record in records),
        key=lambda order: int(order.ext_order_api_id),
    )
    chosen: list[tuple[Order, list[FulfillmentLine]]] = []
    for order in orders:
        # `new` only: a `readyForFulfillment` order may be one Cart.com shipped whole and then
        # partly refunded, whose shipped quantities the hub does not know (orders.pull gets
        # the shipments without their items), so the store would refuse its fulfillment.
        if order.status is not OrderStatus.NEW:
            continue
        lines = [
            FulfillmentLine(
                unique_id=line.unique_id,
                sku=line.sku,
                quantity=line.quantity - (line.shipped_quantity or 0),
            )
            for line in order.line_items
            if line.sku and line.requires_shipping and line.quantity > (line.shipped_quantity or 0)
        ]
        if lines:
            chosen.append((order, lines[:1] if not chosen else lines))
        if len(chosen) == 2:
            return chosen
    raise AssertionError(f"integration {integration_id} has no two open orders to fulfil")


# --- waiting ----------------------------------------------------------------------------------


def every_store_arrived(hub: Hub, scripts: Sequence[StoreScript]) -> bool:
    """Phase 1 is over: the hub holds every store's orders, SKUs and locations."""
    with hub.db.read_session() as session:
        for script in scripts:
            sandbox = script.store.sandbox
            with sandbox.store.locked():
                skus = len(sandbox.store.tables["products"]) + len(
                    sandbox.store.tables["variant_inventory"]
                )
                locations = len(sandbox.store.tables["warehouses"]) + len(
                    sandbox.store.tables["store_locations"]
                )
            iid = script.integration_id
            if (
                count_records(session, EntityKind.ORDER, integration_id=iid)
                != sandbox.store.order_count()
                or count_records(session, EntityKind.PRODUCT, integration_id=iid) != skus
                or count_records(session, EntityKind.LOCATION, integration_id=iid) != locations
            ):
                return False
    return True


def not_yet_agreed(hub: Hub, scripts: Sequence[StoreScript]) -> list[str]:
    """What hub and stores do not agree on yet, of everything phase 2 changed (empty: done)."""
    pending: list[str] = []
    with hub.db.read_session() as session:
        for script in scripts:
            sandbox = script.store.sandbox
            iid = script.integration_id
            held = count_records(session, EntityKind.ORDER, integration_id=iid)
            if held != sandbox.store.order_count():
                pending.append(f"{script.label}: {held} of {sandbox.store.order_count()} orders")
            stock = stock_by_sku(sandbox)
            pending += [
                f"{script.label}: stock of {sku} is {stock[sku][1]}, not {quantity}"
                for sku, quantity in script.stock.items()
                if stock[sku][1] != quantity
            ]
            names = shipment_names(sandbox)
            pending += [
                f"{script.label}: no shipment {shipment_name(fid)}"
                for fid in script.fulfillments
                if shipment_name(fid) not in names
            ]
            product_id, sku, price = script.repriced
            with sandbox.store.locked():
                products = sandbox.store.tables["products"]
                row = products.row_of(product_id)
                assert row is not None
                held_price = round(float(products.get(row, "price")), 2)
            if held_price != price:
                pending.append(
                    f"{script.label}: {sku} costs {held_price} in the store, not {price}"
                )
            sku, name = script.renamed
            copies = list_records(session, EntityKind.PRODUCT, integration_id=iid, sku=sku, limit=1)
            if not copies or copies[0].data.get("name") != name:
                pending.append(f"{script.label}: the hub does not have {sku} renamed yet")
    return pending


def wait_until_agreed(hub: Hub, scripts: Sequence[StoreScript], timeout: float) -> None:
    try:
        wait_for(
            lambda: not not_yet_agreed(hub, scripts), timeout, "hub and stores to agree", every=1
        )
    except AssertionError as timed_out:
        pending = not_yet_agreed(hub, scripts)
        raise AssertionError(f"{timed_out}; still pending: {pending[:20]}") from None


def runs_going_since_before(hub: Hub, moment: datetime) -> int:
    """How many runs that started before `moment` are still going."""
    with hub.db.read_session() as session:
        return len(
            session.scalars(
                select(RunRow.run_id).where(
                    RunRow.status == RunStatus.RUNNING.value, RunRow.started_at < moment
                )
            ).all()
        )


def succeeded_since(hub: Hub, since: datetime) -> set[tuple[str, str]]:
    """(integration id, flow) of every flow with a succeeded run started at or after `since`."""
    with hub.db.read_session() as session:
        rows = session.execute(
            select(RunRow.integration_id, RunRow.flow)
            .where(RunRow.status == RunStatus.SUCCEEDED.value, RunRow.started_at >= since)
            .distinct()
        ).all()
    return {(integration_id, flow) for integration_id, flow in rows}


def every_flow_ran_since(
    hub: Hub, integration_ids: Sequence[str], flows: Sequence[FlowName], what: str
) -> datetime:
    """Wait until each of these flows of each integration succeeded in a run started from now."""
    since = datetime.now(UTC)
    wanted = {(iid, flow.value) for iid in integration_ids for flow in flows}
    wait_for(lambda: wanted <= succeeded_since(hub, since), 120, what, every=0.5)
    return since


# --- the kill ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Killed:
    """A run cut short by the SIGKILL."""

    integration_id: str
    flow: FlowName
    run_id: str


@dataclass
class Kill:
    pid: int
    at: datetime
    runs: list[Killed]


def kill_a_worker_mid_run(hub: Hub, workers: Sequence[WorkerProcess]) -> Kill:
    """SIGKILL a worker while it runs a flow: a push flow if one is going within 5 s, else any.

    The runs it had going are the flows whose leases it still holds once it is dead (nothing
    can take them over before its job is declared stalled), whose newest run is `running`.
    """
    by_pid = {worker.pid: worker for worker in workers}
    hits: list[tuple[str, FlowName, int]] = []

    def going(flows: Sequence[FlowName]) -> bool:
        hit = run_in_progress(hub, set(by_pid), flows)
        if hit is not None:
            hits.append(hit)
        return hit is not None

    try:
        wait_for(lambda: going(PUSH_FLOWS), 5, "a push run in a worker")
    except AssertionError:
        wait_for(lambda: going(ALL_FLOWS), 20, "any run in a worker")
    _iid, _flow, pid = hits[-1]
    by_pid[pid].process.send_signal(signal.SIGKILL)
    killed_at = datetime.now(UTC)
    by_pid[pid].process.wait(5)
    with hub.db.read_session() as session:
        keys = session.scalars(
            select(LeaseRow.key).where(
                LeaseRow.key.like("flow:%"), LeaseRow.owner.like(f"%:{pid}:%")
            )
        ).all()
    runs: list[Killed] = []
    history = all_runs(hub, {key.split(":")[1] for key in keys}, ALL_FLOWS)
    for key in keys:
        _prefix, integration_id, flow_name = key.split(":", 2)
        flow = FlowName(flow_name)
        going_then = [
            run
            for run in history[(integration_id, flow)]
            if run.started_at <= killed_at
            and (run.finished_at is None or run.finished_at > killed_at)
        ]
        runs += [Killed(integration_id, flow, run.run_id) for run in going_then]
    assert runs, f"worker {pid} was killed with no run going (leases: {keys})"
    return Kill(pid, killed_at, runs)


# --- one scenario -----------------------------------------------------------------------------


@dataclass
class StoreCalls:
    label: str
    calls: int
    too_many: int


class Phases:
    """Seconds from the workers' start to the end of each phase, for the summary line; and
    the time spent before (stores, integrations) and after (snapshots)."""

    def __init__(self, started: float, setup: float) -> None:
        self.started = started
        self.setup = setup
        self.ends: dict[str, float] = {}
        self.snapshots = 0.0

    def mark(self, name: str) -> None:
        self.ends[name] = time.monotonic() - self.started

    def __str__(self) -> str:
        ends = ", ".join(f"{name} at {seconds:.0f}s" for name, seconds in self.ends.items())
        return f"{ends} (setup {self.setup:.0f}s, snapshots {self.snapshots:.0f}s)"


@dataclass
class Outcome:
    label: str
    slots: int
    """Flow runs the workers could run at once (workers x concurrency)."""
    elapsed: float
    runs: dict[tuple[str, FlowName], list[Run]]
    labels: dict[str, str]
    calls: list[StoreCalls]
    hub: dict[str, Any]
    stores: dict[str, Any]
    phases: Phases
    kill: Kill | None = None
    waits: dict[tuple[str, FlowName], float] = field(default_factory=dict)

    @property
    def every_run(self) -> list[Run]:
        return [run for history in self.runs.values() for run in history]

    def per_minute(self) -> list[float]:
        return [store.calls / (self.elapsed / 60) for store in self.calls]

    def summary(self) -> str:
        by_flow = Counter(run.flow.value for run in self.every_run)
        rates = self.per_minute()
        waits = ", ".join(
            f"{self.labels[iid]} {flow.value} {seconds:.1f}s"
            for (iid, flow), seconds in self.waits.items()
        )
        return (
            f"{self.label}: {len(self.every_run)} flow runs in {self.elapsed:.1f}s "
            f"({', '.join(f'{name} {n}' for name, n in sorted(by_flow.items()))}); "
            f"API calls per store per minute mean {statistics.mean(rates):.0f}, "
            f"max {max(rates):.0f} (budget {BUDGET_PER_MINUTE:.0f}, {PLAN}); "
            f"429 answers {sum(store.too_many for store in self.calls)}; "
            f"killed: {waits or 'none'}; {self.phases}"
        )


def run_scenario(
    deployment: Deployment,
    serve_store: Callable[..., Store],
    *,
    workers: int,
    concurrency: int,
    kill_one: bool,
) -> Outcome:
    """`STORES` fresh stores, one fresh database, the whole script; see the module docstring."""
    hub = deployment.hub
    prepared = time.monotonic()
    stores = [
        serve_store(
            seed=seed, orders=ORDERS, products=PRODUCTS, plan=PLAN, start=STORE_HISTORY_ENDS
        )
        for seed in disjoint_seeds(STORES, PRODUCTS)
    ]
    integrations = connect_stores(hub, stores, flows=ALL_FLOWS, interval_seconds=INTERVAL_SECONDS)
    labels = {iid: f"s{index:02d}" for index, iid in enumerate(integrations)}
    scripts = [StoreScript(labels[iid], iid, store) for iid, store in integrations.items()]
    before = [store.sandbox.calls() for store in stores]
    started = time.monotonic()
    procs = [
        deployment.start_worker("--concurrency", str(concurrency), *WORKER_ARGS)
        for _ in range(workers)
    ]

    phases = Phases(started, started - prepared)
    wait_for(
        lambda: every_store_arrived(hub, scripts), 120, "every store's records in the hub", every=1
    )
    phases.mark("arrived")
    for script in scripts:
        change_the_store(script)
    for index, script in enumerate(scripts):
        change_the_hub(hub, index, script)
    phases.mark("changed")
    kill = kill_a_worker_mid_run(hub, procs) if kill_one else None
    if kill is not None:
        phases.mark("killed")
    wait_until_agreed(hub, scripts, 120)
    phases.mark("agreed")
    # A push may have made the write we saw and still be making its next one (the status
    # after a shipment): let every run going now finish, then have every pull run once more,
    # so it reads whatever those last writes moved in the stores. (A push runs only when its
    # feed holds something for it: "one more run" of a caught-up push never comes.)
    agreed_at = datetime.now(UTC)
    wait_for(
        lambda: runs_going_since_before(hub, agreed_at) == 0, 60, "runs going to end", every=0.5
    )
    every_flow_ran_since(hub, list(integrations), PULL_FLOWS, "one more run of every pull")
    phases.mark("settled")
    survivors = [proc for proc in procs if kill is None or proc.pid != kill.pid]
    assert [proc.stop() for proc in survivors] == [0] * len(survivors)  # graceful exits
    elapsed = time.monotonic() - started
    ids = list(integrations)

    calls = []
    for script, spent in zip(scripts, before, strict=True):
        now = script.store.sandbox.calls()
        calls.append(
            StoreCalls(
                script.label,
                now["total"] - spent["total"],
                now["byStatus"].get("429", 0) - spent.get("byStatus", {}).get("429", 0),
            )
        )
    snapshotting = time.monotonic()
    shops = {iid: Shop(labels[iid], store.url) for iid, store in integrations.items()}
    aliases = fulfillment_aliases(hub, shops)
    outcome = Outcome(
        label=deployment.label,
        slots=workers * concurrency,
        elapsed=elapsed,
        runs=all_runs(hub, ids, ALL_FLOWS),
        labels=labels,
        calls=calls,
        hub=hub_snapshot(hub, shops),
        stores={
            labels[iid]: sandbox_snapshot(store.sandbox, url=store.url, aliases=aliases)
            for iid, store in integrations.items()
        },
        kill=kill,
        phases=phases,
    )
    if kill is not None:
        outcome.waits = killed_flow_waits(outcome, kill)
    phases.snapshots = time.monotonic() - snapshotting
    return outcome


def killed_flow_waits(outcome: Outcome, kill: Kill) -> dict[tuple[str, FlowName], float]:
    """Seconds from the kill to the next start of each flow the kill cut short."""
    waits = {}
    for killed in kill.runs:
        history = outcome.runs[(killed.integration_id, killed.flow)]
        again = [run for run in history if run.started_at > kill.at]
        assert again, f"{killed.flow.value} of {killed.integration_id} never ran after the kill"
        waits[(killed.integration_id, killed.flow)] = (
            again[0].started_at - kill.at
        ).total_seconds()
    return waits


def longest_healthy_gap(outcome: Outcome, kill: Kill) -> float:
    """The longest any other flow waited between two runs after the kill (finish to start)."""
    cut = {(k.integration_id, k.flow) for k in kill.runs}
    gaps = [
        (later.started_at - earlier.finished_at).total_seconds()
        for key, history in outcome.runs.items()
        if key not in cut
        for earlier, later in itertools.pairwise(history)
        if earlier.finished_at is not None and earlier.finished_at >= kill.at
    ]
    return max(gaps, default=0.0)


# --- checks -----------------------------------------------------------------------------------


def check_run_history(outcome: Outcome) -> None:
    """Every flow ran; never twice at once; nothing failed but the kill's and our stop's runs."""
    never = [
        f"{outcome.labels[iid]} {flow.value}"
        for (iid, flow), history in outcome.runs.items()
        if not any(run.status is RunStatus.SUCCEEDED for run in history)
    ]
    assert not never, f"{outcome.label}: flows that never succeeded: {never}"
    assert_never_overlapping(outcome.runs)
    killed = {k.run_id for k in outcome.kill.runs} if outcome.kill else set()
    stopped = 0
    for run in outcome.every_run:
        if run.run_id in killed:
            assert run.status is RunStatus.FAILED, run
            assert run.error == ABANDONED_MESSAGE, run.error
        elif run.status is not RunStatus.SUCCEEDED:
            # Our closing SIGTERM may catch a run mid-page: it stops there, as it should.
            assert run.error == INTERRUPTED_MESSAGE, (
                f"{outcome.label}: {outcome.labels[run.integration]} {run.flow.value} "
                f"run {run.run_id} {run.status.value}: {run.error}"
            )
            stopped += 1
    assert stopped <= outcome.slots, (
        f"{stopped} runs interrupted, more than the {outcome.slots} slots"
    )


def check_kill(outcome: Outcome) -> None:
    """Each flow the kill cut short ran again within the bound (see `kill_bound`)."""
    assert outcome.kill is not None
    bound = kill_bound(outcome, outcome.kill)
    for (iid, flow), waited in outcome.waits.items():
        assert waited <= bound, (
            f"{outcome.labels[iid]} {flow.value} waited {waited:.1f}s after the kill "
            f"(bound {bound:.1f}s)"
        )


def kill_bound(outcome: Outcome, kill: Kill) -> float:
    """How long a killed flow may wait before it runs again.

    The dead worker's job stays `doing` until its heartbeat is `STALLED_AFTER` old (its last
    beat was before the kill); the first dispatch after that (one every `DISPATCH_EVERY`, and
    a periodic job may itself start up to a period late) fails the job and defers the flow
    again, whose lease is taken over at once (same host, dead pid). From then on it is one
    queued flow among the stores' (six each) on a saturated machine, served in turn like
    every other: it may wait as long as the slowest healthy flow waited between two runs over
    the same period.
    Plus a second for the pick-up. A lease left to expire (120 s) would exceed this.
    """
    bound = STALLED_AFTER + 2 * DISPATCH_EVERY + 1 + longest_healthy_gap(outcome, kill)
    # Past the lease TTL the bound could no longer tell a lease taken over from the dead pid
    # (what should happen) from one that merely expired.
    assert bound < LEASE_TTL_SECONDS, (
        f"the flows ran too seldom for the bound to mean much: {bound}"
    )
    return bound


# --- the tests --------------------------------------------------------------------------------


def test_stores_on_three_workers_with_a_kill_end_as_on_one_worker(
    pg_deployments: NewDeployment, serve_store: Callable[..., Store]
) -> None:
    three = run_scenario(
        pg_deployments("three-workers"), serve_store, workers=3, concurrency=3, kill_one=True
    )
    print(f"\n{three.summary()}")
    one = run_scenario(
        pg_deployments("one-worker"), serve_store, workers=1, concurrency=6, kill_one=False
    )
    print(one.summary())

    for outcome in (three, one):
        check_run_history(outcome)
    check_kill(three)
    assert three.kill is not None
    print(
        f"kill bound {kill_bound(three, three.kill):.1f}s "
        f"(longest healthy gap {longest_healthy_gap(three, three.kill):.1f}s)"
    )
    hub_diff = differences(three.hub, one.hub)
    assert not hub_diff, "the hubs differ:\n" + "\n".join(hub_diff)
    store_diff = differences(three.stores, one.stores)
    assert not store_diff, "the stores differ:\n" + "\n".join(store_diff)


def test_snapshots_hold_the_records_and_see_a_single_changed_quantity(
    pg_deployments: NewDeployment, serve_store: Callable[..., Store]
) -> None:
    """The comparison is not vacuous: snapshots hold what the hub and a store hold, taking
    them twice gives equal pictures, and one changed quantity makes them differ."""
    deployment = pg_deployments("snapshots")
    hub = deployment.hub
    store = serve_store(
        seed=disjoint_seeds(1, PRODUCTS)[0],
        orders=ORDERS,
        products=PRODUCTS,
        start=STORE_HISTORY_ENDS,
    )
    integrations = connect_stores(hub, [store], flows=ALL_FLOWS, interval_seconds=60)
    (iid,) = integrations
    runner = hub.runner()
    for flow in (FlowName.LOCATIONS_PULL, FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL):
        assert runner.run_flow(iid, flow).status is RunStatus.SUCCEEDED
    shops = {iid: Shop("s00", store.url)}
    script = StoreScript("s00", iid, store)
    change_the_hub(hub, 0, script)

    first_hub = hub_snapshot(hub, shops)
    first_store = sandbox_snapshot(store.sandbox, url=store.url)
    section_sizes = {name: len(section) for name, section in first_hub["s00"].items()}
    assert section_sizes["orders"] == store.sandbox.store.order_count() == ORDERS
    assert section_sizes["products"] == len(catalog_rows(store.sandbox))
    assert section_sizes["locations"] == 4
    assert section_sizes["inventory"] == len(script.stock) >= 2
    assert section_sizes["fulfillments"] == 2
    assert first_hub["hub"]["products"]  # the repriced product, made in the hub
    assert {name: bool(section) for name, section in first_store.items()} == {
        "products": True,
        "stock": True,
        "shipments": True,
        "orderStatuses": True,
    }
    some_order = next(iter(first_hub["s00"]["orders"].values()))
    assert some_order["lineItems"]
    assert "{store}" in some_order["extOrderUrl"]
    assert store.url not in some_order["extOrderUrl"]
    assert hub_snapshot(hub, shops) == first_hub
    assert sandbox_snapshot(store.sandbox, url=store.url) == first_store

    sku, quantity = next(iter(script.stock.items()))
    set_inventory(
        hub,
        sku=sku,
        quantity=quantity + 1,
        location_id=_warehouse_locations(hub, iid)[
            next(row.warehouse_id for row in catalog_rows(store.sandbox) if row.sku == sku)
        ],
        actor="cli",
    )
    changed = differences(first_hub, hub_snapshot(hub, shops))
    assert len(changed) == 2, changed  # onHand and available of that one record
    assert all(f"|{sku}." in line for line in changed), changed

    row = next(row for row in catalog_rows(store.sandbox) if row.sku == sku)
    held = stock_by_sku(store.sandbox)[sku][1]
    with store.sandbox.store.locked():
        if row.variant_row_id is None:
            table, record_id, change = "products", row.product_id, {"quantity_on_hand": held + 1}
        else:
            table, record_id, change = (
                "variant_inventory",
                row.variant_row_id,
                {"inventory": held + 1},
            )
        sandbox_update(store.sandbox.store, store.sandbox.store.tables[table], record_id, change)
    changed = differences(first_store, sandbox_snapshot(store.sandbox, url=store.url))
    assert f"stock.{sku}@warehouse:{row.warehouse_id}" in "\n".join(changed), changed
