"""Priority benchmark: fulfillment latency on a steel store with every flow busy, with and without
call priorities.

    .venv/bin/python bench/priority.py [--fulfillments 20] [--window 2] [--seed 11]

What it does, once with priorities and once without (the limiter's `priorities=False`: first
come, first served), each on a fresh sandbox store and a fresh SQLite hub, all in this process
(tests/support/busy_store.py): the store is on the steel plan (5 calls per window); orders.pull,
inventory.push, products.push, products.pull and locations.pull run back to back; a merchant
keeps changing stock and prices in the hub so the pushes always have work. After a warm-up,
`--fulfillments` fulfillments are made in the hub one at a time, 0 to 3 windows apart, and each
is pushed at once (as the change-feed trigger will). Its latency runs from its creation in the
hub to Cart.com's answer to its shipment POST.

Time is scaled: Cart.com's window is 10 s; `--window` shortens it on both sides (sandbox and
limiter) so the run takes minutes. Latencies are printed in seconds and in windows; "at 10 s"
multiplies the windows by Cart.com's 10 s. `--window 10` runs in real time (about 15 min).
Not a test: nothing is asserted. Linux or macOS; one process.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the scenario is shared with its test

from orderhub.connectors.cartcom.call_window import DEFAULT_MARGIN  # noqa: E402
from orderhub.store.database import Database  # noqa: E402
from support.busy_store import ALL_BUSY, BusyStoreRun, run_busy_store  # noqa: E402

STEEL = 5
CARTCOM_WINDOW = 10.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(share * len(ranked)) - 1)]


def measure(priorities: bool, args: argparse.Namespace) -> BusyStoreRun:
    with tempfile.TemporaryDirectory(prefix="oh-bench-priority-") as tmp:
        database = Database.from_url(f"sqlite:///{tmp}/hub.db")
        try:
            return run_busy_store(
                database,
                Path(tmp),
                priorities=priorities,
                window=args.window,
                # The product's 0.25 s covers a request's trip over the internet; the store is
                # in this process, so a scaled window keeps a scaled margin (at least 0.05 s).
                margin=max(0.05, DEFAULT_MARGIN * args.window / CARTCOM_WINDOW),
                busy=ALL_BUSY,
                fulfillments=args.fulfillments,
                warmup_windows=3.0,
                pause_windows=(0.0, 3.0),
                seed=args.seed,
            )
        finally:
            database.dispose()


def report(runs: dict[bool, BusyStoreRun], window: float, took: float) -> None:
    def row(*cells: str) -> None:
        print("| " + " | ".join(cells) + " |")

    def figures(run: BusyStoreRun) -> tuple[float, float, float]:
        lat = run.latencies
        return percentile(lat, 0.50), percentile(lat, 0.95), max(lat)

    modes = ((True, "priorities"), (False, "first come, first served"))
    print(
        f"\nFulfillment latency, steel store ({STEEL} calls per window), every flow busy: "
        f"{len(runs[True].latencies)} fulfillments per mode, window {window:g} s "
        f"(Cart.com: {CARTCOM_WINDOW:g} s)\n"
    )
    row("mode", "p50", "p95", "max", "p50 / p95 at Cart.com's 10 s", "429")
    row(*["---"] * 6)
    for priorities, name in modes:
        run = runs[priorities]
        p50, p95, top = figures(run)
        row(
            name,
            f"{p50:.2f} s ({p50 / window:.2f} w)",
            f"{p95:.2f} s ({p95 / window:.2f} w)",
            f"{top:.2f} s ({top / window:.2f} w)",
            f"{p50 / window * CARTCOM_WINDOW:.1f} s / {p95 / window * CARTCOM_WINDOW:.1f} s",
            f"{run.rejected} of {run.calls} calls",
        )
    on, off = figures(runs[True]), figures(runs[False])
    row("ratio (without ÷ with)", *(f"x{b / a:.1f}" for a, b in zip(on, off, strict=True)), "", "")

    print(f"\nHow the budget was shared: calls per window ({STEEL} allowed)\n")
    flows = ["fulfillments.push", *runs[True].flow_calls]
    row("mode", *flows, "all")
    row(*["---"] * (len(flows) + 2))
    for priorities, name in modes:
        run = runs[priorities]
        windows = run.seconds / window
        calls = {"fulfillments.push": run.push_calls, **run.flow_calls}
        rates = (f"{calls.get(flow, 0) / windows:.2f}" for flow in flows)
        row(name, *rates, f"{run.calls / windows:.2f}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nLoad average {load}; took {took:.0f} s.")
    for priorities, run in runs.items():
        if run.errors:
            mode = "priorities" if priorities else "control"
            print(f"{mode}: {len(run.errors)} failed runs of busy flows, first: {run.errors[0]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fulfillments", type=int, default=20)
    parser.add_argument("--window", type=float, default=2.0, help="seconds (Cart.com: 10)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    started = time.monotonic()
    runs = {}
    for priorities in (True, False):
        print(f"running {'with' if priorities else 'without'} priorities…", flush=True)
        runs[priorities] = measure(priorities, args)
    report(runs, args.window, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
