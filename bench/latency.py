"""Latency benchmark: a new Cart.com order -> visible in the hub's REST API, with webhooks and
with polling only; a fulfillment made in the hub -> its shipment in Cart.com.

    .venv/bin/python bench/latency.py [--orders 200] [--fulfillments 50] [--plan gold] [--quick]

Real processes, over loopback: one `orderhub sandbox --stores 2 --same-port` process (store 0
for the webhook run, store 1 for the polling run, `--plan`, a real plan), and per run one
`orderhub serve` on a fresh SQLite home, with every flow of its integration on (as
`orderhub demo` has them). The webhook run's hub has a public URL (`--public-url`, its own
loopback URL), so switching orders.pull on subscribed the store's webhooks; the polling run's
has none, so orders.pull polls on its interval (the product's default unless
`--poll-interval`).

The benchmark is the merchant's shoppers and staff: it places `--orders` orders in the store
one at a time through the sandbox's control `POST /_sandbox/orders`, a uniformly random
`--min-gap`..`--max-gap` seconds apart (the pace of `orderhub sandbox --live`: an order every
0.5 to 2 s). An order's latency runs from just before that call to the first answer of the
hub's `GET /api/v3/orders?order=-createdAt&updatedSince=…` (polled every 100 ms) that lists it.

In the webhook run, every few orders it also makes a fulfillment of an order already in the hub
(all its lines, `POST /api/v3/fulfillments`, `--fulfillments` in all); its latency runs from just
before that call to the first look at the store (`GET /_sandbox/orders/{id}`, every 100 ms, outside
the store's call budget) that shows a shipment on the order.

Prints p50/p95/max (nearest rank) beside the targets (p95 < 5 s with webhooks, for both), the
plan, the Cart.com calls each run spent, the CPU seconds of each process and the load average
(the machine may be shared: wall-clock latencies stretch with load, CPU seconds hardly do).
Not a test: nothing is asserted. `--quick` is a few orders and a 5-second poll interval, for the
harness's own test. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from orderhub_bench.procs import cpu_seconds_if_alive as cpu_seconds
from orderhub_bench.procs import free_port
from orderhub_bench.procs import nearest_rank as percentile

from orderhub.domain import FlowName
from orderhub.hub import build_hub
from orderhub.services.apikeys import create_api_key
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store.flows import set_flow_interval

TARGET_P95 = 5.0
POLL_EVERY = 0.1
_URL_LINE = re.compile(r"^API URL: (\S+)")


def start_sandbox(plan: str, token: str) -> tuple[subprocess.Popen[str], list[str]]:
    """Two stores on one port (127.0.0.1 and 127.0.0.2); returns the process and store URLs."""
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "orderhub.cli.main", "sandbox"),
            *("--stores", "2", "--same-port", "--port", str(free_port())),
            *("--token", token, "--orders", "200", "--products", "30", "--plan", plan),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    urls: list[str] = []
    while len(urls) < 2:
        line = process.stdout.readline()
        if not line:
            raise SystemExit("the sandbox stopped before listing its stores")
        match = _URL_LINE.match(line.strip())
        if match:
            urls.append(match.group(1))
    return process, urls


@dataclass
class Hub:
    """One `orderhub serve` process and what the benchmark needs to talk to it."""

    process: subprocess.Popen[bytes]
    url: str
    api_key: str
    integration_id: str
    home: Path
    log: Path

    def stop(self) -> float:
        """SIGTERM; returns its CPU seconds (read just before it exits)."""
        cpu = cpu_seconds(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return cpu


def start_hub(
    home: Path, store_url: str, token: str, *, webhooks: bool, poll_interval: int | None
) -> Hub:
    """Connect the store (every flow on) on a fresh SQLite home, then serve it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    secret_key = secrets.token_hex(16)
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home}/orderhub.db",
        secret_key=secret_key,
        public_url=url if webhooks else None,
    )
    hub = build_hub(settings)
    try:
        integration_id = add_integration(
            hub, api_url=store_url, api_key=token, name="latency"
        ).integration.integration_id
        for flow in hub.registry.available("cartcom"):
            enable_flow(hub, integration_id, flow)
        if poll_interval is not None:
            with hub.db.session() as session:
                set_flow_interval(session, integration_id, FlowName.ORDERS_PULL, poll_interval)
        _key_id, api_key = create_api_key(hub, name="latency bench", scope="readwrite")
    finally:
        hub.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
    env |= {"ORDERHUB_HOME": str(home), "ORDERHUB_SECRET_KEY": secret_key}
    log = home / "serve.log"
    command = [sys.executable, "-m", "orderhub.cli.main", "serve", "--port", str(port)]
    if webhooks:
        command += ["--public-url", url]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise SystemExit(f"orderhub serve did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    return Hub(process, url, api_key, integration_id, home, log)


@dataclass
class Watch:
    """What one run measured; filled by the placer and watcher threads."""

    placed: dict[str, float] = field(default_factory=dict)  # Cart.com order id -> t0
    placed_at: dict[str, datetime] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)  # Cart.com order id -> t1
    hub_orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    fulfilled: dict[str, float] = field(default_factory=dict)  # Cart.com order id -> t0
    shipped: dict[str, float] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)


def watch_hub(hub: Hub, watch: Watch, since: datetime) -> None:
    """Every 100 ms: the orders the hub changed lately; note when each placed one shows."""
    headers = {"Authorization": f"Bearer {hub.api_key}"}
    with httpx.Client(base_url=hub.url, headers=headers, timeout=10) as client:
        while not watch.done.is_set():
            with watch.lock:
                waiting = [t for key, t in watch.placed_at.items() if key not in watch.seen]
            start = min(waiting, default=since) - timedelta(seconds=2)
            params = {"order": "-createdAt", "count": "1000", "updatedSince": start.isoformat()}
            answer = client.get("/api/v3/orders", params=params)
            now = time.monotonic()
            if answer.status_code == 200:
                with watch.lock:
                    for order in answer.json()["orders"]:
                        key = str(order.get("extOrderApiId"))
                        if key in watch.placed and key not in watch.seen:
                            watch.seen[key] = now
                            watch.hub_orders[key] = order
            watch.done.wait(POLL_EVERY)


def watch_store(store_url: str, watch: Watch) -> None:
    """Every 100 ms: does each fulfilled order have a shipment in Cart.com yet?"""
    with httpx.Client(base_url=store_url, timeout=10) as client:
        while not watch.done.is_set():
            with watch.lock:
                waiting = [key for key in watch.fulfilled if key not in watch.shipped]
            for key in waiting:
                answer = client.get(f"/_sandbox/orders/{key}")
                if answer.status_code == 200 and answer.json().get("shipments"):
                    with watch.lock:
                        watch.shipped[key] = time.monotonic()
            watch.done.wait(POLL_EVERY)


def fulfill_one(client: httpx.Client, watch: Watch) -> None:
    """A fulfillment of the oldest order in the hub not yet fulfilled (all its lines)."""
    with watch.lock:
        candidates = [
            (watch.seen[key], key, order)
            for key, order in watch.hub_orders.items()
            if key not in watch.fulfilled and key not in watch.refused
        ]
    if not candidates:
        return
    _seen, key, order = min(candidates, key=lambda c: c[0])
    lines = [
        {"uniqueId": line.get("uniqueId"), "sku": line["sku"], "quantity": line["quantity"]}
        for line in order.get("lineItems", [])
        if line.get("sku") and line.get("quantity", 0) > 0 and line.get("requiresShipping", True)
    ]
    if not lines:
        watch.refused.append(key)
        return
    body = {
        "orderId": order["orderId"],
        "trackingNumbers": [f"1ZLAT{key}"],
        "shippingCarrier": "UPS",
        "lineItems": lines,
    }
    started = time.monotonic()
    answer = client.post("/api/v3/fulfillments", json=body)
    if answer.status_code == 201:
        with watch.lock:
            watch.fulfilled[key] = started
    else:
        watch.refused.append(key)


def place_orders(
    hub: Hub, store_url: str, watch: Watch, args: argparse.Namespace, fulfillments: int
) -> None:
    """The shoppers (and, with `fulfillments`, the warehouse): one order every 0.5-2 s."""
    rng = random.Random(args.seed)
    every = max(1, args.orders // fulfillments) if fulfillments else 0
    headers = {"Authorization": f"Bearer {hub.api_key}"}
    with (
        httpx.Client(base_url=store_url, timeout=10) as store,
        httpx.Client(base_url=hub.url, headers=headers, timeout=10) as api,
    ):
        for index in range(args.orders):
            t0, at = time.monotonic(), datetime.now(UTC)
            order_id = str(store.post("/_sandbox/orders", json={"count": 1}).json()["ids"][0])
            with watch.lock:
                watch.placed[order_id] = t0
                watch.placed_at[order_id] = at
            if every and index % every == every - 1 and len(watch.fulfilled) < fulfillments:
                fulfill_one(api, watch)
            time.sleep(rng.uniform(args.min_gap, args.max_gap))
        # Orders placed at the end may still be fulfilled once the hub has them.
        deadline = time.monotonic() + args.settle
        while fulfillments and len(watch.fulfilled) < fulfillments and time.monotonic() < deadline:
            fulfill_one(api, watch)
            time.sleep(rng.uniform(args.min_gap, args.max_gap))


def store_calls(store_url: str) -> int:
    return int(httpx.get(f"{store_url}/_sandbox/calls", timeout=10).json()["total"])


@dataclass
class RunResult:
    mode: str
    orders: list[float]
    missing_orders: int
    fulfillments: list[float]
    missing_fulfillments: int
    refused: int
    calls: int
    seconds: float
    hub_cpu: float


def run_mode(
    mode: str, store_url: str, token: str, args: argparse.Namespace, fulfillments: int
) -> RunResult:
    webhooks = mode == "webhooks"
    poll_interval = args.poll_interval if not webhooks else None
    cpu_before = 0.0
    with tempfile.TemporaryDirectory(prefix=f"oh-bench-latency-{mode}-") as tmp:
        hub = start_hub(Path(tmp), store_url, token, webhooks=webhooks, poll_interval=poll_interval)
        try:
            time.sleep(args.warmup)  # the flows' first runs (nothing to bring: no backfill)
            calls_before = store_calls(store_url)
            cpu_before = cpu_seconds(hub.process.pid)
            watch = Watch()
            since = datetime.now(UTC)
            threads = [
                threading.Thread(target=watch_hub, args=(hub, watch, since), daemon=True),
                threading.Thread(target=watch_store, args=(store_url, watch), daemon=True),
            ]
            for thread in threads:
                thread.start()
            started = time.monotonic()
            place_orders(hub, store_url, watch, args, fulfillments)
            deadline = time.monotonic() + args.settle
            while time.monotonic() < deadline:
                with watch.lock:
                    if len(watch.seen) == len(watch.placed) and len(watch.shipped) == len(
                        watch.fulfilled
                    ):
                        break
                time.sleep(0.2)
            watch.done.set()
            for thread in threads:
                thread.join(timeout=15)
            seconds = time.monotonic() - started
            calls = store_calls(store_url) - calls_before
        finally:
            hub_cpu = hub.stop() - cpu_before
    return RunResult(
        mode=mode,
        orders=[watch.seen[k] - t0 for k, t0 in watch.placed.items() if k in watch.seen],
        missing_orders=len(watch.placed) - len(watch.seen),
        fulfillments=[
            watch.shipped[k] - t0 for k, t0 in watch.fulfilled.items() if k in watch.shipped
        ],
        missing_fulfillments=len(watch.fulfilled) - len(watch.shipped),
        refused=len(watch.refused),
        calls=calls,
        seconds=seconds,
        hub_cpu=hub_cpu,
    )


def report(
    results: list[RunResult], args: argparse.Namespace, sandbox_cpu: float, took: float
) -> None:
    def row(*cells: str) -> None:
        print("| " + " | ".join(cells) + " |")

    def figures(values: list[float]) -> tuple[str, str, str]:
        if not values:
            return "-", "-", "-"
        return (
            f"{percentile(values, 0.5):.2f} s",
            f"{percentile(values, 0.95):.2f} s",
            f"{max(values):.2f} s",
        )

    def verdict(values: list[float], target: bool) -> str:
        if not target or not values:
            return ""
        p95 = percentile(values, 0.95)
        return "met" if p95 < TARGET_P95 else f"missed (x{p95 / TARGET_P95:.1f})"

    poll = f"every {args.poll_interval} s" if args.poll_interval else "the product's default"
    print(
        f"\nLatency, plan {args.plan}, orders placed {args.min_gap:g}-{args.max_gap:g} s apart; "
        f"hub: orderhub serve on SQLite; polling run's orders.pull interval: {poll}\n"
    )
    row("figure", "mode", "n", "p50", "p95", "max", "target", "vs target", "not seen")
    row(*["---"] * 9)
    for result in results:
        webhooks = result.mode == "webhooks"
        p50, p95, top = figures(result.orders)
        row(
            "order placed in the store -> in the hub's API",
            result.mode,
            str(len(result.orders)),
            p50,
            p95,
            top,
            "p95 < 5 s" if webhooks else "(none: the safety net)",
            verdict(result.orders, webhooks),
            str(result.missing_orders),
        )
    for result in results:
        if result.mode != "webhooks":
            continue  # fulfillments are made in the webhook run only
        p50, p95, top = figures(result.fulfillments)
        row(
            "fulfillment made in the hub's API -> shipment in the store",
            result.mode,
            str(len(result.fulfillments)),
            p50,
            p95,
            top,
            "p95 < 5 s",
            verdict(result.fulfillments, True),
            str(result.missing_fulfillments),
        )
    print()
    row(
        "mode",
        "wall",
        "Cart.com calls (per minute)",
        "hub CPU in the window (orderhub serve)",
        "fulfillments refused",
    )
    row(*["---"] * 5)
    for result in results:
        minutes = result.seconds / 60
        row(
            result.mode,
            f"{result.seconds:.0f} s",
            f"{result.calls} ({result.calls / minutes:.1f})",
            f"{result.hub_cpu:.1f} s ({result.hub_cpu / result.seconds:.2f} core)",
            str(result.refused),
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\nSandbox CPU {sandbox_cpu:.1f} s (both stores); load average {load} "
        f"on {os.cpu_count()} cores; took {took:.0f} s."
    )


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # the finally blocks stop the processes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per run")
    parser.add_argument("--fulfillments", type=int, default=50, help="in the webhook run")
    parser.add_argument("--plan", default="gold", help="the stores' plan (a real one)")
    parser.add_argument("--min-gap", type=float, default=0.5)
    parser.add_argument("--max-gap", type=float, default=2.0)
    parser.add_argument(
        "--poll-interval", type=int, default=None, help="seconds (polling run's orders.pull)"
    )
    parser.add_argument("--modes", default="webhooks,polling")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--settle", type=float, default=None, help="wait for stragglers (s)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="a few orders, 5-s polls")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if args.quick:
        args.orders, args.fulfillments, args.poll_interval = 6, 2, args.poll_interval or 5
        args.warmup = 2.0
    if args.settle is None:
        args.settle = 3.0 * (args.poll_interval or 60) + 30
    token = secrets.token_hex(16)
    started = time.monotonic()
    sandbox, urls = start_sandbox(args.plan, token)
    results = []
    try:
        for index, mode in enumerate(args.modes.split(",")):
            print(f"running {mode}: {args.orders} orders…", flush=True)
            fulfillments = args.fulfillments if mode == "webhooks" else 0
            results.append(run_mode(mode, urls[index], token, args, fulfillments))
        sandbox_cpu = cpu_seconds(sandbox.pid)
    finally:
        sandbox.send_signal(signal.SIGTERM)
        sandbox.wait(30)
    report(results, args, sandbox_cpu, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
