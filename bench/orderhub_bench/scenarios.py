"""The six scenarios of issue 6, as the parent process runs them.

Each scenario starts its own `orderhub sandbox` process, runs one or more driver processes
(a fresh SQLite hub each, unless a reference must share the hub's data) and returns its raw
figures. Scenario 6 (the sandbox's CPU share) is a column of every other scenario.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orderhub.domain import FlowName
from orderhub_bench.config import Sizes
from orderhub_bench.procs import DriverOutcome, SandboxProcess, run_driver
from orderhub_bench.profiling import pyspy_executable, summarise_pyspy

__all__ = ["SCENARIOS", "Bench", "NotAvailable", "Scenario"]

DRIVER_TIMEOUT = 900.0
PHYSICAL_CALLS_PER_SECOND = 5.0  # 50 calls per 10 s (gold and installed apps)
MAX_PAGE = 250  # the sandbox's (and our assumed Cart.com) largest `count`


class NotAvailable(Exception):
    """The flow a scenario measures is not registered yet."""


@dataclass
class Bench:
    sizes: Sizes
    work: Path
    profile_path: Path | None
    say: Callable[[str], None]

    def home(self, name: str) -> Path:
        path = self.work / f"home-{name}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def sandbox(self, **options: Any) -> SandboxProcess:
        store = SandboxProcess(log_dir=self.work, **options)
        self.say(
            f"  sandbox: {options.get('orders')} orders, {options.get('products', 200)} products, "
            f"plan {options.get('plan', 'unlimited')}, up in {store.startup_seconds:.1f} s"
        )
        return store

    def drive(
        self,
        store: SandboxProcess,
        home: Path,
        task: str,
        prefix: list[str] | None = None,
        **spec: Any,
    ) -> DriverOutcome:
        full = {
            "task": task,
            "store_url": store.url,
            "token": store.token,
            "sandbox_pid": store.pid,
            **spec,
        }
        outcome = run_driver(full, home=home, work=self.work, timeout=DRIVER_TIMEOUT, prefix=prefix)
        wall = outcome.result.get("measure", {}).get("wall_seconds", 0.0)
        self.say(f"  {task}: timed {wall:.1f} s, process {outcome.seconds:.1f} s")
        return outcome


def flow_available(flow: FlowName, service: str | None = None) -> None:
    """Raise NotAvailable unless `flow` is registered (and its hub-side service exists)."""
    from orderhub.hub import default_registry

    if flow not in default_registry().available("cartcom"):
        raise NotAvailable(f"{flow.value} is not registered yet")
    if service is not None and importlib.util.find_spec(service) is None:
        raise NotAvailable(f"{service} does not exist yet")


def side_figures(outcome: DriverOutcome) -> dict[str, Any]:
    """Wall, CPU on both sides, calls, statuses and peak RSS of one driver's timed section."""
    measure = outcome.result["measure"]
    hub_cpu = float(measure["hub_cpu_seconds"])
    sandbox_cpu = float(measure["sandbox_cpu_seconds"])
    wall = float(measure["wall_seconds"])
    statuses = measure.get("statuses", {})
    return {
        "wall_seconds": wall,
        "calls": int(measure["calls"]),
        "calls_by_endpoint": measure["calls_by_endpoint"],
        "statuses": statuses,
        "answers_429": int(statuses.get("429", 0)),
        "hub_cpu_seconds": hub_cpu,
        "sandbox_cpu_seconds": sandbox_cpu,
        "sandbox_cpu_share": sandbox_cpu / (hub_cpu + sandbox_cpu) if hub_cpu + sandbox_cpu else 0,
        "sandbox_cores": sandbox_cpu / wall if wall else 0.0,
        "hub_peak_rss_mb": outcome.peak_rss_mb,
        "hub_rss_before_mb": float(measure["rss_before_mb"]),
        "hub_rss_after_mb": float(measure["rss_after_mb"]),
        "run": outcome.result.get("run"),
        "others_cpu_seconds": float(measure.get("others_cpu_seconds", 0.0)),
        "others_cores": float(measure.get("others_cpu_seconds", 0.0)) / wall if wall else 0.0,
    }


def _pull_figures(outcome: DriverOutcome, orders: int) -> dict[str, Any]:
    figures = side_figures(outcome)
    wall = figures["wall_seconds"]
    cpu = figures["hub_cpu_seconds"]
    figures.update(
        orders=orders,
        orders_in_hub=outcome.result.get("orders_in_hub"),
        orders_per_second=orders / wall if wall else 0.0,
        orders_per_hub_cpu_second=orders / cpu if cpu else 0.0,
        seconds_per_1000=1000 * wall / orders if orders else 0.0,
        hub_cpu_seconds_per_1000=1000 * cpu / orders if orders else 0.0,
        calls_per_1000=1000 * figures["calls"] / orders if orders else 0.0,
    )
    return figures


def backfill(bench: Bench) -> dict[str, Any]:
    """1: orders.pull backfill beside the baseline (on a subset), plus a profiled run."""
    sizes = bench.sizes
    orders = sizes.backfill_orders
    with bench.sandbox(orders=orders) as store:
        hub = _pull_figures(bench.drive(store, bench.home("s1"), "orders_pull"), orders)
        baseline_outcome = bench.drive(
            store, bench.home("s1-baseline"), "baseline_pull", limit=sizes.baseline_orders
        )
        baseline = _pull_figures(baseline_outcome, sizes.baseline_orders)
        baseline["projected_seconds_for_all"] = orders / baseline["orders_per_second"]
        profile: dict[str, Any] = {}
        if bench.profile_path is not None:
            outcome = bench.drive(
                store,
                bench.home("s1-profile"),
                "orders_pull",
                orders=orders,
                profile=str(bench.profile_path),
                stop_after=sizes.profile_orders,
            )
            profile = {
                "path": str(bench.profile_path),
                "orders_profiled": outcome.result["run"]["counts"]["fetched"],
                "wall_seconds_profiled": outcome.result["measure"]["wall_seconds"],
                "layers_seconds": outcome.result.get("profile_layers", {}),
            }
            spy = pyspy_executable()
            if spy is not None:
                raw = bench.work / "pyspy-orders-pull.txt"
                spied = bench.drive(
                    store,
                    bench.home("s1-pyspy"),
                    "orders_pull",
                    prefix=[
                        spy,
                        "record",
                        "--idle",
                        "--format",
                        "raw",
                        "-r",
                        "200",
                        "-o",
                        str(raw),
                        "--",
                    ],
                    stop_after=sizes.profile_orders,
                )
                orders_spied = spied.result["run"]["counts"]["fetched"]
                title = (
                    f"py-spy (200 Hz, --idle: wall time of the flow's thread, waits included) over "
                    f"the first {orders_spied} orders of the same store, "
                    f"{spied.result['measure']['wall_seconds']:.1f} s"
                )
                text, shares = summarise_pyspy(raw, title=title)
                with bench.profile_path.open("a") as out:
                    out.write("\n\n" + text)
                profile["pyspy_layers_share"] = shares
        sandbox = store.figures()
    return {"hub": hub, "baseline": baseline, "profile": profile, "sandbox_process": sandbox}


def rate_limited(bench: Bench) -> dict[str, Any]:
    """2: backfill on a rate-limited plan, beside the physical limit of its calls."""
    sizes = bench.sizes
    with bench.sandbox(orders=sizes.limited_orders, plan=sizes.limited_plan) as store:
        outcome = bench.drive(
            store,
            bench.home("s2"),
            "orders_pull",
            fresh_window_seconds=sizes.fresh_window_seconds,
        )
    figures = _pull_figures(outcome, sizes.limited_orders)
    calls_ok = figures["calls"] - figures["answers_429"]
    physical = calls_ok / PHYSICAL_CALLS_PER_SECOND
    figures.update(
        plan=sizes.limited_plan,
        calls_needed=calls_ok,
        physical_limit_seconds=physical,
        ratio_to_physical=figures["wall_seconds"] / physical if physical else 0.0,
    )
    return figures


def inventory(bench: Bench) -> dict[str, Any]:
    """3: inventory.push of 1% changed SKUs, beside a naive push that sets every SKU.

    Three drivers on one hub home: the setup (stock imported in step with the store, and the
    first push, measured on its own), the measured push of the changed SKUs, the naive push.
    """
    flow_available(FlowName.INVENTORY_PUSH, "orderhub.services.inventory")
    sizes = bench.sizes
    home = bench.home("s3")
    with bench.sandbox(orders=100, products=sizes.inventory_products) as store:
        setup = bench.drive(
            store,
            home,
            "inventory_setup",
            skus=sizes.inventory_skus,
            changed_share=sizes.changed_share,
        ).result
        outcome = bench.drive(
            store,
            home,
            "inventory_push",
            integration_id=setup["integration_id"],
            changed=setup["changed"],
        )
        naive_outcome = bench.drive(store, home, "naive_inventory_push")
    figures = side_figures(outcome)
    by_endpoint: dict[str, int] = figures["calls_by_endpoint"]
    writes = sum(n for name, n in by_endpoint.items() if not name.startswith("GET "))
    floor_reads = math.ceil(int(setup["store_simple_products"]) / MAX_PAGE) + math.ceil(
        int(setup["store_variant_rows"]) / MAX_PAGE
    )
    changed = len(setup["changed"])
    first = setup["measure"]
    figures.update(
        skus=setup["skus"],
        store_skus=setup["store_skus"],
        changed=changed,
        reads=figures["calls"] - writes,
        writes=writes,
        floor_reads=floor_reads,
        ideal_calls=floor_reads + changed,
        verified=outcome.result["verified"],
        hub_setup_seconds=setup["hub_setup_seconds"],
        first_run={
            "calls": first["calls"],
            "wall_seconds": first["wall_seconds"],
            "hub_cpu_seconds": first["hub_cpu_seconds"],
            "calls_by_endpoint": first["calls_by_endpoint"],
            "run": setup["run"],
        },
        naive=side_figures(naive_outcome) | {"skus": naive_outcome.result["skus"]},
    )
    return figures


def fulfillments(bench: Bench) -> dict[str, Any]:
    """4: fulfillments.push of N hub fulfillments: calls per fulfillment.

    The setup driver pulls the orders and makes the fulfillments; the measured driver only
    pushes, so its peak RSS is the push's.
    """
    flow_available(FlowName.FULFILLMENTS_PUSH, "orderhub.services.fulfillments")
    sizes = bench.sizes
    home = bench.home("s4")
    with bench.sandbox(orders=sizes.fulfillment_orders) as store:
        setup = bench.drive(
            store, home, "fulfillments_setup", fulfillments=sizes.fulfillments
        ).result
        outcome = bench.drive(
            store, home, "fulfillments_push", integration_id=setup["integration_id"]
        )
    figures = side_figures(outcome)
    made = int(setup["fulfillments"])
    wall = figures["wall_seconds"]
    figures.update(
        fulfillments=made,
        failed=int(outcome.result["run"]["counts"]["failed"]),
        calls_per_fulfillment=figures["calls"] / made if made else 0.0,
        fulfillments_per_second=made / wall if wall else 0.0,
        shipments_created=outcome.result["shipments_created"],
        hub_setup_seconds=setup["hub_setup_seconds"],
    )
    return figures


def products_first_push(bench: Bench) -> dict[str, Any]:
    """7: the first products.push of a whole catalog already in step with the store.

    The setup driver pulls the catalog and makes each product hub-native (as a catalog import
    would); the measured driver only pushes: every product is new in the feed, none differs.
    """
    flow_available(FlowName.PRODUCTS_PUSH, "orderhub.services.products")
    home = bench.home("s7")
    with bench.sandbox(orders=10, products=bench.sizes.catalog_products) as store:
        setup = bench.drive(store, home, "products_setup").result
        outcome = bench.drive(store, home, "products_push", integration_id=setup["integration_id"])
    figures = side_figures(outcome)
    counts = outcome.result["run"]["counts"]
    products = int(setup["products"])
    figures.update(
        products=products,
        store_products=bench.sizes.catalog_products,
        counts=counts,
        hub_cpu_ms_per_product=1000 * figures["hub_cpu_seconds"] / products if products else 0.0,
        hub_setup_seconds=setup["hub_setup_seconds"],
    )
    return figures


def growth(bench: Bench) -> dict[str, Any]:
    """5: orders.pull at growing store sizes: seconds per 1,000 orders and peak RSS."""
    points = []
    for size in bench.sizes.growth_sizes:
        with bench.sandbox(orders=size) as store:
            outcome = bench.drive(store, bench.home(f"s5-{size}"), "orders_pull")
            sandbox = store.figures()
        points.append(_pull_figures(outcome, size) | {"sandbox_process": sandbox})
        shutil.rmtree(bench.work / f"home-s5-{size}", ignore_errors=True)
    return {"points": points}


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    run: Callable[[Bench], dict[str, Any]]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("1", "orders.pull backfill, no rate limit", backfill),
    Scenario("2", "rate-limited backfill", rate_limited),
    Scenario("3", "inventory.push, 1% changed", inventory),
    Scenario("4", "fulfillments.push", fulfillments),
    Scenario("5", "growth: orders.pull by store size", growth),
    Scenario("7", "products.push, first push of a catalog", products_first_push),
)
