"""Driver tasks for orders: the product's orders.pull and the baseline, on one fresh hub."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from baseline.orders_pull import BaselineOrdersPull

from orderhub.domain import FlowName
from orderhub.engine import FlowContext, FlowRegistry
from orderhub.hub import Hub
from orderhub.store.records import EntityKind, count_records
from orderhub_bench.hubside import CountingRunner, connect, run_figures
from orderhub_bench.measure import Meter
from orderhub_bench.profiling import profiled

__all__ = ["baseline_pull", "orders_pull"]


def orders_pull(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """Backfill every seeded order with the product's orders.pull (optionally profiled).

    `fresh_window_seconds` waits after the setup calls so a rate-limited run starts in a new
    window of the store's call budget (the connection test spent part of the current one).
    """
    return _pull(hub, spec, registry=None)


def baseline_pull(hub: Hub, spec: dict[str, Any]) -> dict[str, Any]:
    """The baseline connector on the first `limit` orders, through the same engine and store."""
    limit = int(spec["limit"])
    registry = FlowRegistry()

    def factory(ctx: FlowContext) -> BaselineOrdersPull:
        return BaselineOrdersPull(ctx, limit=limit)

    registry.register("cartcom", FlowName.ORDERS_PULL, factory)
    return _pull(hub, spec, registry=registry)


def _pull(hub: Hub, spec: dict[str, Any], *, registry: FlowRegistry | None) -> dict[str, Any]:
    meter = Meter(spec["store_url"], int(spec["sandbox_pid"]))
    integration_id = connect(hub, spec["store_url"], spec["token"], [FlowName.ORDERS_PULL])
    counting = CountingRunner.build(hub, registry)
    wait = float(spec.get("fresh_window_seconds", 0.0))
    if wait:
        time.sleep(wait)
    profile_path = Path(spec["profile"]) if spec.get("profile") else None
    stop_after = int(spec.get("stop_after") or 0)
    stop = threading.Event()

    def progress(fields: dict[str, Any]) -> None:
        if stop_after and int(fields.get("fetched", 0)) >= stop_after:
            stop.set()  # the flow stops at the next page boundary

    title = f"orders.pull backfill of a {spec.get('orders')}-order store, hub process, cProfile" + (
        f" over the first {stop_after} orders" if stop_after else ""
    )
    try:
        with (
            meter.section(counting.statuses) as measured,
            profiled(profile_path, title=title) as layers,
        ):
            run = counting.runner.run_flow(
                integration_id, FlowName.ORDERS_PULL, progress=progress, stop=stop
            )
    finally:
        counting.close()
    with hub.db.read_session() as session:
        held = count_records(session, EntityKind.ORDER)
    return {
        "run": run_figures(run),
        "measure": measured.as_dict(),
        "orders_in_hub": held,
        "profile_layers": layers,
    }
