"""Capacity benchmark: how many quiet steel stores ONE `orderhub worker` process holds while a
few busy stores keep a new order in the hub within 5 s (p95).

    .venv/bin/python bench/capacity.py [--steps 100,250,500,750] [--busy 3] [--window 120]
                                       [--database-url URL] [--quick]

Real processes, over loopback, on PostgreSQL:

- a fresh database `bench_capacity` on the server of `--database-url` (else
  `ORDERHUB_TEST_DATABASE_URL`, else postgres@127.0.0.1:5432), dropped at the end;
- the quiet stores: ONE `orderhub sandbox --stores N --same-port --plan steel` process (store i at
  127.0.0.1+i on one port, 20 orders and 10 products each, no activity);
- the busy stores: one `orderhub sandbox --stores B --same-port --plan gold --live` process
  (orders placed and moved along all the time, about 30 steps a minute);
- ONE `orderhub worker --concurrency 16` (Procrastinate), the process measured;
- one `orderhub serve --no-scheduler --public-url …` front end: it receives the busy stores'
  webhooks and defers their flows' jobs on the worker's queue at once.

Each store has orders.pull, products.pull, inventory.push and fulfillments.push on (`--flows`;
products.push is off, as in `bench/scale_out.py`: in one hub every store's catalog would be
pushed to every other store; locations.pull is off: a store's first locations.pull writes its
warehouses, and each new location wakes every store's inventory.push — an onboarding cost that
grows with the number of stores, not the steady cost of a quiet store; add it with `--flows`).
The worker runs `--concurrency 16` flow slots: a run waiting for a steel store's budget (up to
10 s a call) holds its slot, and with the product's default of 4 the slots were found asleep
in those waits while the queue grew (0.1 core used). The busy stores are connected as a merchant
does (connection test, webhooks subscribed). The quiet stores are connected directly in the
database — no connection test and no webhook subscriptions: on a steel store those cost about
15 calls (30 s) each, and a store with no activity sends no webhook anyway — and, unless
`--fresh`, aged: as if they had been quiet for an hour, their pull flows wait the longest
interval (15 min), their next polls spread evenly over the next 15 minutes (their push flows'
first looks, which only take a position in the feed, run at once and are waited for before the
window). `--fresh` measures newly connected stores (first polls at once, then 2, 4, 8 min).

The stores are added in steps (`--steps`, the total of quiet stores); after each step and
`--settle` seconds, a window of `--window` seconds is measured:

- worker CPU seconds (/proc), per store-hour and as cores;
- PostgreSQL transactions: the `xact_commit` delta of the database in `pg_stat_database`, per
  store-minute (every process's: worker, front end; the benchmark's own reads end in ROLLBACK
  and are not in it), and the CPU of the server processes serving this database;
- Cart.com calls per store-minute, quiet and busy apart, and the 429 answers (sandbox call logs);
- flow runs started, quiet and busy apart (run history);
- the busy stores' latency: the benchmark places its own orders in them (one every 1-3 s per
  store, through `POST /_sandbox/orders`) and watches the hub's `records` table every 100 ms;
  p50/p95/max from just before the order was placed to the first look that finds it. An order
  placed in the window but not in the hub by its end counts as a miss.

A step "holds" when the busy stores' p95 is under 5 s and no order was missed. The summary gives
the largest step that held, against the target (>= 500 steel stores per worker process), and
extrapolates the measured per-store costs to 10,000 stores: arithmetic, not a measurement. The
machine may be shared: the load average is printed with each step; CPU seconds hardly depend on
it, latencies do. Not a test: nothing is asserted. Linux only (/proc). `--quick`: two tiny steps.
`--trace`: at the end, where each busy order waited, stage by stage (webhook, debounce, queue,
thread, run; `orderhub_bench/order_trace.py`).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from orderhub_bench.order_trace import install_job_trace, print_trace, trace_orders
from orderhub_bench.procs import cpu_seconds_if_alive as cpu_seconds
from orderhub_bench.procs import free_port
from orderhub_bench.procs import nearest_rank as percentile
from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import URL, Engine

from orderhub.domain import FlowName
from orderhub.hub import Hub, build_hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store.database import make_engine, normalize_url, upgrade
from orderhub.store.flows import set_flow_enabled

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_DATABASE = "bench_capacity"
TARGET_STORES = 500
TARGET_P95 = 5.0
SCALE_TO = 10_000
LONGEST_POLL = 900  # seconds: a quiet pull flow's longest interval (the product's default)
PULLS = (FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL)
DEFAULT_FLOWS = [
    FlowName.ORDERS_PULL,
    FlowName.PRODUCTS_PULL,
    FlowName.INVENTORY_PUSH,
    FlowName.FULFILLMENTS_PUSH,
]
"""Not products.push (every store's catalog would go to every other store) nor locations.pull:
a store's first locations.pull writes its warehouses, and every new location in the hub wakes
every store's inventory.push (`also_watches`, a new rules fingerprint) — an onboarding cost
that grows with the number of stores, reported apart, not the steady cost of a quiet store."""
_URL_LINE = re.compile(r"^API URL: (\S+)")


def start_sandbox(
    stores: int, plan: str, token: str, *, live: bool, orders: int, products: int, seed: int
) -> tuple[subprocess.Popen[str], list[str]]:
    command = [
        *(sys.executable, "-m", "orderhub.cli.main", "sandbox", "--same-port"),
        *("--stores", str(stores), "--port", str(free_port()), "--seed", str(seed)),
        *("--token", token, "--orders", str(orders), "--products", str(products)),
        *("--plan", plan),
    ]
    if live:
        command.append("--live")
    if stores == 1:  # one store prints its URL without a `Store 0:` line, on 127.0.0.1
        command = [c for c in command if c != "--same-port"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    urls: list[str] = []
    while len(urls) < stores:
        line = process.stdout.readline()
        if not line:
            raise SystemExit("a sandbox stopped before listing its stores")
        match = _URL_LINE.match(line.strip())
        if match:
            urls.append(match.group(1))
    return process, urls


def stop_process(process: subprocess.Popen[Any], timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the hub's side: integrations ------------------------------------------------------------


def add_quiet_stores(hub: Hub, urls: list[str], token: str, flows: list[FlowName]) -> list[str]:
    """Connect quiet stores straight in the database (see the module's docstring); their flows'
    first runs are due at once."""
    made: list[str] = []
    now = hub.clock.now()
    for start in range(0, len(urls), 50):
        with hub.db.session() as session:
            for url in urls[start : start + 50]:
                integration = integration_store.create_integration(
                    session,
                    connector="cartcom",
                    name=f"quiet {url}",
                    api_url=url,
                    api_token=token,
                    box=hub.box,
                    now=now,
                )
                integration_store.mark_connected(session, integration.integration_id, now=now)
                for flow in flows:
                    set_flow_enabled(session, integration.integration_id, flow, True, now=now)
                made.append(integration.integration_id)
    return made


def age(
    engine: Engine, integration_ids: list[str], flows: list[FlowName], rng: random.Random
) -> None:
    """As if quiet for an hour: pull flows at the longest interval, next polls spread over it."""
    now = datetime.now(UTC)
    pulls = [flow.value for flow in flows if flow in PULLS]
    with engine.begin() as connection:
        for integration_id in integration_ids:
            for flow in pulls:
                connection.execute(
                    text(
                        "UPDATE flow_settings SET idle_runs = 4, "
                        "next_run_at = :next WHERE integration_id = :id AND flow = :flow"
                    ),
                    {
                        "next": now + timedelta(seconds=rng.uniform(0, LONGEST_POLL)),
                        "id": integration_id,
                        "flow": flow,
                    },
                )


def add_busy_stores(hub: Hub, urls: list[str], token: str, flows: list[FlowName]) -> list[str]:
    """Connect busy stores as a merchant does: connection test, flows on, webhooks subscribed."""
    made = []
    for url in urls:
        integration = add_integration(hub, api_url=url, api_key=token, name=f"busy {url}")
        for flow in flows:
            enable_flow(hub, integration.integration.integration_id, flow)
        made.append(integration.integration.integration_id)
    return made


# --- the busy stores' latency ----------------------------------------------------------------


@dataclass
class Latency:
    placed: dict[tuple[str, str], float] = field(default_factory=dict)
    placed_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    seen: dict[tuple[str, str], float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


def place_orders(url: str, integration_id: str, latency: Latency, seed: int) -> None:
    """One shopper per busy store: an order every 1-3 s, each timed from just before it."""
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=10) as client:
        while not latency.stop.is_set():
            t0, at = time.monotonic(), datetime.now(UTC)
            try:
                ids = client.post("/_sandbox/orders", json={"count": 1}).json()["ids"]
            except httpx.HTTPError:
                continue
            with latency.lock:
                key = (integration_id, str(ids[0]))
                latency.placed[key] = t0
                latency.placed_at[key] = at
            latency.stop.wait(rng.uniform(1.0, 3.0))


def watch_records(engine: Engine, busy: list[str], latency: Latency) -> None:
    """Every 100 ms, the busy stores' orders the hub holds; ends in ROLLBACK (not a commit)."""
    query = text(
        "SELECT integration_id, ext_id FROM records WHERE kind = 'order' "
        "AND integration_id IN :ids AND created_at >= :since"
    ).bindparams(bindparam("ids", expanding=True))
    with engine.connect() as connection:
        while not latency.stop.is_set():
            with latency.lock:
                waiting = [t for k, t in latency.placed_at.items() if k not in latency.seen]
            if waiting:
                since = min(waiting) - timedelta(seconds=5)
                rows = connection.execute(query, {"ids": busy, "since": since}).all()
                connection.rollback()
                now = time.monotonic()
                with latency.lock:
                    for integration_id, ext_id in rows:
                        key = (str(integration_id), str(ext_id))
                        if key in latency.placed and key not in latency.seen:
                            latency.seen[key] = now
            latency.stop.wait(0.1)


# --- measuring a window ----------------------------------------------------------------------


@dataclass
class Snapshot:
    at: float
    commits: int
    rollbacks: int
    worker_cpu: float
    frontend_cpu: float
    postgres_cpu: dict[int, float]
    calls: dict[str, int]
    rejected: dict[str, int]


def pg_counters(admin: Engine, database: str) -> tuple[int, int, list[int]]:
    with admin.connect() as connection:
        commits, rollbacks = connection.execute(
            text("SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = :n"),
            {"n": database},
        ).one()
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": database}
        ).scalars()
        return int(commits), int(rollbacks), [int(pid) for pid in pids]


def call_counts(urls: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    calls, rejected = {}, {}
    with httpx.Client(timeout=10) as client:
        for url in urls:
            log = client.get(f"{url}/_sandbox/calls").json()
            calls[url] = int(log["total"])
            rejected[url] = int(log.get("byStatus", {}).get("429", 0))
    return calls, rejected


def snapshot(admin: Engine, database: str, worker: int, frontend: int, urls: list[str]) -> Snapshot:
    # pg_stat_database is updated when a backend reports, at most once a second: wait it out.
    time.sleep(1.1)
    commits, rollbacks, pids = pg_counters(admin, database)
    calls, rejected = call_counts(urls)
    return Snapshot(
        at=time.monotonic(),
        commits=commits,
        rollbacks=rollbacks,
        worker_cpu=cpu_seconds(worker),
        frontend_cpu=cpu_seconds(frontend),
        postgres_cpu={pid: cpu_seconds(pid) for pid in pids},
        calls=calls,
        rejected=rejected,
    )


def runs_between(
    engine: Engine, start: datetime, end: datetime, busy: set[str]
) -> tuple[Counter[str], Counter[str]]:
    """Runs started in the window by flow: (quiet stores', busy stores')."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT integration_id, flow, count(*) FROM runs "
                "WHERE started_at >= :start AND started_at < :end GROUP BY integration_id, flow"
            ),
            {"start": start, "end": end},
        ).all()
    quiet: Counter[str] = Counter()
    loud: Counter[str] = Counter()
    for integration_id, flow, count in rows:
        (loud if integration_id in busy else quiet)[flow] += int(count)
    return quiet, loud


def drain(engine: Engine, longest: float) -> float | None:
    """Wait until the worker has worked off the first runs of the stores just added (the flow
    jobs waiting are no more than a handful); the seconds that took, or None if it did not
    within `longest`."""
    started = time.monotonic()
    while time.monotonic() - started < longest:
        if queue_depth(engine) <= 5:
            return time.monotonic() - started
        time.sleep(1.0)
    return None


def queue_depth(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
            ).scalar_one()
        )


@dataclass
class Step:
    quiet: int
    busy: int
    seconds: float
    worker_cpu: float
    frontend_cpu: float
    postgres_cpu: float
    commits: int
    rollbacks: int
    quiet_calls: int
    busy_calls: int
    rejected: int
    quiet_runs: Counter[str]
    busy_runs: Counter[str]
    latencies: list[float]
    missed: int
    queue_before: int
    queue_after: int
    load: tuple[float, float, float]
    drain_seconds: float | None = None

    @property
    def stores(self) -> int:
        return self.quiet + self.busy

    @property
    def p95(self) -> float | None:
        return percentile(self.latencies, 0.95) if self.latencies else None

    @property
    def holds(self) -> bool:
        return self.p95 is not None and self.p95 < TARGET_P95 and self.missed == 0


def measure(
    args: argparse.Namespace,
    admin: Engine,
    engine: Engine,
    worker: subprocess.Popen[bytes],
    frontend: subprocess.Popen[bytes],
    quiet_urls: list[str],
    busy_urls: list[str],
    busy_ids: set[str],
    latency: Latency,
) -> Step:
    urls = quiet_urls + busy_urls
    queue_before = queue_depth(engine)
    started_at = datetime.now(UTC)
    before = snapshot(admin, args.database, worker.pid, frontend.pid, urls)
    window_start = time.monotonic()
    time.sleep(args.window)
    window_end = time.monotonic()
    after = snapshot(admin, args.database, worker.pid, frontend.pid, urls)
    ended_at = datetime.now(UTC)
    quiet_runs, busy_runs = runs_between(engine, started_at, ended_at, busy_ids)
    with latency.lock:
        timed = [k for k, t0 in latency.placed.items() if window_start <= t0 < window_end - 5]
        latencies = [latency.seen[k] - latency.placed[k] for k in timed if k in latency.seen]
        missed = sum(1 for k in timed if k not in latency.seen)
    busy_set = set(busy_urls)
    pg_cpu = sum(cpu - before.postgres_cpu.get(pid, cpu) for pid, cpu in after.postgres_cpu.items())
    return Step(
        quiet=len(quiet_urls),
        busy=len(busy_urls),
        seconds=after.at - before.at,
        worker_cpu=after.worker_cpu - before.worker_cpu,
        frontend_cpu=after.frontend_cpu - before.frontend_cpu,
        postgres_cpu=pg_cpu,
        commits=after.commits - before.commits,
        rollbacks=after.rollbacks - before.rollbacks,
        quiet_calls=sum(after.calls[u] - before.calls[u] for u in urls if u not in busy_set),
        busy_calls=sum(after.calls[u] - before.calls[u] for u in busy_urls),
        rejected=sum(after.rejected[u] - before.rejected[u] for u in urls),
        quiet_runs=quiet_runs,
        busy_runs=busy_runs,
        latencies=latencies,
        missed=missed,
        queue_before=queue_before,
        queue_after=queue_depth(engine),
        load=os.getloadavg(),
    )


# --- the report ------------------------------------------------------------------------------


def row(*cells: str) -> None:
    print("| " + " | ".join(cells) + " |", flush=True)


STEP_HEADER = (
    "quiet + busy stores",
    "worker CPU (cores)",
    "worker CPU s per store-hour",
    "PG commits per store-minute",
    "Cart.com calls per store-minute: quiet / busy",
    "429",
    "runs: quiet / busy",
    "busy order -> hub p50 / p95 / max (n)",
    "holds (p95 < 5 s)",
    "load avg",
)


def print_step(step: Step) -> None:
    minutes = step.seconds / 60
    store_hours = step.stores * step.seconds / 3600
    if step.latencies:
        lat = (
            f"{percentile(step.latencies, 0.5):.2f} / {percentile(step.latencies, 0.95):.2f} / "
            f"{max(step.latencies):.2f} s ({len(step.latencies)})"
        )
    else:
        lat = "- (0)"
    if step.missed:
        lat += f", {step.missed} not in the hub by the window's end"
    row(
        f"{step.quiet} + {step.busy}",
        f"{step.worker_cpu:.1f} s ({step.worker_cpu / step.seconds:.2f})",
        f"{step.worker_cpu / store_hours:.2f}",
        f"{step.commits / (step.stores * minutes):.2f}",
        f"{step.quiet_calls / (max(1, step.quiet) * minutes):.3f} / "
        f"{step.busy_calls / (max(1, step.busy) * minutes):.1f}",
        str(step.rejected),
        f"{sum(step.quiet_runs.values())} / {sum(step.busy_runs.values())}",
        lat,
        "yes" if step.holds else "no",
        f"{step.load[0]:.1f}",
    )


def print_details(steps: list[Step]) -> None:
    print("\nPer step, in the window:\n")
    row(
        "stores",
        "window",
        "quiet runs by flow",
        "busy runs by flow",
        "PG commits (/s)",
        "PG rollbacks",
        "PG backend CPU (cores)",
        "front end CPU (cores)",
        "jobs waiting: start / end",
        "first runs of the added stores (onboarding)",
    )
    row(*["---"] * 10)
    for step in steps:
        row(
            f"{step.quiet} + {step.busy}",
            f"{step.seconds:.0f} s",
            _flows(step.quiet_runs),
            _flows(step.busy_runs),
            f"{step.commits} ({step.commits / step.seconds:.1f})",
            str(step.rollbacks),
            f"{step.postgres_cpu:.1f} s ({step.postgres_cpu / step.seconds:.2f})",
            f"{step.frontend_cpu:.1f} s ({step.frontend_cpu / step.seconds:.2f})",
            f"{step.queue_before} / {step.queue_after}",
            f"{step.drain_seconds:.0f} s" if step.drain_seconds is not None else "not worked off",
        )


def _flows(runs: Counter[str]) -> str:
    return ", ".join(f"{flow} {n}" for flow, n in sorted(runs.items())) or "none"


def _scaled(marginal: dict[str, float] | None, key: str, factor: float, form: str) -> str:
    """A marginal cost scaled up, or why not (a negative difference is noise between steps)."""
    if marginal is None:
        return "- (one step)"
    if marginal[key] <= 0:
        return "- (below the noise)"
    return form.format(marginal[key] * factor)


def print_summary(steps: list[Step], args: argparse.Namespace) -> None:
    held = [step for step in steps if step.holds]
    best = max(held, key=lambda s: s.quiet) if held else None
    largest = steps[-1]
    print("\nSummary\n")
    row("figure", "value", "target", "vs target")
    row(*["---"] * 4)
    if best is None:
        row(
            "steel stores one worker process holds",
            "none of the steps held",
            f">= {TARGET_STORES}",
            "missed",
        )
    else:
        more = "" if best is largest else f" ({largest.quiet} did not)"
        verdict = (
            "met" if best.quiet >= TARGET_STORES else f"missed (x{TARGET_STORES / best.quiet:.1f})"
        )
        if best is largest and best.quiet >= TARGET_STORES:
            more = " (the largest step tried)"
        row(
            "steel stores one worker process holds",
            f"{best.quiet} quiet + {best.busy} busy{more}",
            f">= {TARGET_STORES}",
            verdict,
        )
    # Per-store costs: the average over the largest step's stores (busy ones included), and
    # what one more quiet store adds (from the first step to the last, per second).
    ref = largest
    minutes = ref.seconds / 60
    cpu_per_store_hour = ref.worker_cpu / (ref.stores * ref.seconds / 3600)
    commits_per_store_minute = ref.commits / (ref.stores * minutes)
    quiet_calls = ref.quiet_calls / (max(1, ref.quiet) * minutes)
    first = steps[0]
    added = ref.quiet - first.quiet
    marginal: dict[str, float] | None = None
    if added > 0:
        marginal = {
            "cpu": (ref.worker_cpu / ref.seconds - first.worker_cpu / first.seconds) * 3600 / added,
            "commits": (ref.commits / ref.seconds - first.commits / first.seconds) * 60 / added,
            "pg_cpu": (ref.postgres_cpu / ref.seconds - first.postgres_cpu / first.seconds) / added,
        }
    row(
        "worker CPU per store-hour, all stores of the largest step",
        f"{cpu_per_store_hour:.2f} s",
        "",
        "",
    )
    row(
        "PostgreSQL commits per store-minute, all stores", f"{commits_per_store_minute:.2f}", "", ""
    )
    if marginal is not None:
        row(
            f"one more quiet store adds ({first.quiet} -> {ref.quiet} stores)",
            f"{marginal['cpu']:.2f} worker CPU s per hour, "
            f"{marginal['commits']:.2f} PG commits per minute",
            "",
            "",
        )
    row("Cart.com calls per quiet store-minute", f"{quiet_calls:.3f} (steel allows 30)", "", "")
    per_core = 3600 / (marginal["cpu"] if marginal and marginal["cpu"] > 0 else cpu_per_store_hour)
    row("quiet stores one worker core carries (CPU only, no latency)", f"{per_core:,.0f}", "", "")
    stores_per_worker = best.quiet + best.busy if best else None
    print(
        f"\nExtrapolated to {SCALE_TO:,} stores (arithmetic on the measured costs, not a "
        "measurement)\n"
    )
    row(
        "figure",
        f"at the largest step's mix ({ref.busy / ref.stores:.1%} busy)",
        "all quiet (marginal)",
    )
    row("---", "---", "---")
    workers = (
        f"{math.ceil(SCALE_TO / stores_per_worker)} (at {stores_per_worker} stores each, "
        "the largest step that held)"
        if stores_per_worker
        else "- (no step held)"
    )
    quiet_workers = f"{math.ceil(SCALE_TO / (0.7 * per_core))} (at 70% of a core each)"
    row("worker processes", workers, quiet_workers)
    mix_cores = cpu_per_store_hour * SCALE_TO / 3600
    row(
        "worker cores (CPU in use)",
        f"{mix_cores:.1f}",
        _scaled(marginal, "cpu", SCALE_TO / 3600, "{:.1f}"),
    )
    row(
        "PostgreSQL transactions per second",
        f"{commits_per_store_minute * SCALE_TO / 60:,.0f}",
        _scaled(marginal, "commits", SCALE_TO / 60, "{:,.0f}"),
    )
    row(
        "PostgreSQL backend cores (at this machine's speed)",
        f"{ref.postgres_cpu / ref.stores * SCALE_TO / ref.seconds:.1f}",
        _scaled(marginal, "pg_cpu", SCALE_TO, "{:.1f}"),
    )
    row(
        "Cart.com calls per second, all stores",
        f"{(ref.quiet_calls + ref.busy_calls) / ref.stores / ref.seconds * SCALE_TO:,.0f}",
        f"{quiet_calls * SCALE_TO / 60:,.0f}",
    )
    aged = (
        "aged (quiet an hour: 15-min polls)" if not args.fresh else "fresh (1, 2, 4, 8 min polls)"
    )
    print(
        f"\nQuiet stores: steel, {aged}; busy stores: gold, live activity plus one timed order "
        f"every 1-3 s each; flows: {', '.join(f.value for f in args.flows)}; worker concurrency "
        f"{args.concurrency}; {os.cpu_count()} cores."
    )


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", default="100,250,500,750", help="quiet stores, cumulative")
    parser.add_argument("--busy", type=int, default=3)
    parser.add_argument("--window", type=float, default=90.0, help="seconds measured per step")
    parser.add_argument(
        "--settle", type=float, default=10.0, help="seconds after the first runs were worked off"
    )
    parser.add_argument(
        "--drain-max", type=float, default=120.0, help="longest wait for the first runs (s)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="the worker's flow slots (a run waiting for a steel store's budget holds one)",
    )
    parser.add_argument("--database-url", default=None, help="the PostgreSQL server")
    parser.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help="made afresh (dropped first if there) and dropped",
    )
    parser.add_argument("--fresh", action="store_true", help="quiet stores newly connected")
    parser.add_argument(
        "--flows",
        type=lambda value: [FlowName(name) for name in value.split(",")],
        default=DEFAULT_FLOWS,
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--trace", action="store_true", help="where each busy order waited (stage times)"
    )
    parser.add_argument("--quick", action="store_true", help="two tiny steps (for the test)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if args.quick:
        args.steps, args.busy, args.window, args.settle, args.drain_max = "3,6", 1, 12.0, 3.0, 30.0
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database: lower-case letters, digits and _ only")
    steps_wanted = [int(n) for n in args.steps.split(",")]
    began = time.monotonic()

    server: URL = normalize_url(
        args.database_url or os.environ.get("ORDERHUB_TEST_DATABASE_URL") or DEFAULT_SERVER
    )
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {args.database}"))
    database_url = server.set(database=args.database).render_as_string(hide_password=False)
    home = Path(f"/tmp/oh-bench-capacity-{secrets.token_hex(4)}")
    home.mkdir()
    token = secrets.token_hex(16)
    processes: list[subprocess.Popen[Any]] = []
    latency = Latency()
    threads: list[threading.Thread] = []
    engine = make_engine(database_url)
    try:
        print(
            f"starting {max(steps_wanted)} quiet and {args.busy} busy sandbox stores…", flush=True
        )
        quiet_sandbox, quiet_all = start_sandbox(
            max(steps_wanted), "steel", token, live=False, orders=20, products=10, seed=1000
        )
        processes.append(quiet_sandbox)
        busy_sandbox, busy_urls = start_sandbox(
            args.busy, "gold", token, live=True, orders=200, products=30, seed=1
        )
        processes.append(busy_sandbox)
        upgrade(engine)
        if args.trace:
            from orderhub.engine.distributed import ensure_procrastinate_schema, libpq_conninfo

            ensure_procrastinate_schema(libpq_conninfo(database_url))
            install_job_trace(engine)
        front_port = free_port()
        public_url = f"http://127.0.0.1:{front_port}"
        secret_key = secrets.token_hex(16)
        settings = Settings(
            home=home, database_url=database_url, secret_key=secret_key, public_url=public_url
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
        env |= {
            "ORDERHUB_HOME": str(home),
            "ORDERHUB_DATABASE_URL": database_url,
            "ORDERHUB_SECRET_KEY": secret_key,
        }
        command = [sys.executable, "-m", "orderhub.cli.main"]
        with (home / "serve.log").open("wb") as log:
            frontend = subprocess.Popen(
                [
                    *command,
                    "serve",
                    "--no-scheduler",
                    "--port",
                    str(front_port),
                    "--public-url",
                    public_url,
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(frontend)
        with (home / "worker.log").open("wb") as log:
            worker = subprocess.Popen(
                [*command, "worker", "--concurrency", str(args.concurrency)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(worker)
        _wait_http(f"{public_url}/healthz", frontend, home / "serve.log")
        hub = build_hub(settings, migrate=False)
        try:
            busy_ids = add_busy_stores(hub, busy_urls, token, args.flows)
            for i, (url, integration_id) in enumerate(zip(busy_urls, busy_ids, strict=True)):
                threads.append(
                    threading.Thread(
                        target=place_orders,
                        args=(url, integration_id, latency, args.seed + i),
                        daemon=True,
                    )
                )
            threads.append(
                threading.Thread(
                    target=watch_records, args=(engine, busy_ids, latency), daemon=True
                )
            )
            for thread in threads:
                thread.start()
            print(
                f"one worker (pid {worker.pid}, concurrency {args.concurrency}), front end "
                f"{public_url}, database {args.database}; steps of {args.window:.0f} s",
                flush=True,
            )
            rng = random.Random(args.seed)
            connected = 0
            steps: list[Step] = []
            print()
            row(*STEP_HEADER)
            row(*["---"] * len(STEP_HEADER))
            for wanted in steps_wanted:
                added = add_quiet_stores(hub, quiet_all[connected:wanted], token, args.flows)
                if not args.fresh:
                    age(engine, added, args.flows, rng)
                connected = wanted
                drained = drain(engine, args.drain_max)
                time.sleep(args.settle)
                step = measure(
                    args,
                    admin,
                    engine,
                    worker,
                    frontend,
                    quiet_all[:connected],
                    busy_urls,
                    set(busy_ids),
                    latency,
                )
                step.drain_seconds = drained
                steps.append(step)
                print_step(step)
        finally:
            hub.close()
        print_details(steps)
        print_summary(steps, args)
        if args.trace:
            print_trace(trace_orders(engine, _timed_orders(latency)))
        print(f"\nBenchmark took {time.monotonic() - began:.0f} s.")
    finally:
        latency.stop.set()
        for thread in threads:
            thread.join(timeout=10)
        for process in reversed(processes):
            stop_process(process)
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"))
        admin.dispose()
        shutil.rmtree(home, ignore_errors=True)
    return 0


def _timed_orders(latency: Latency) -> dict[tuple[str, str], tuple[datetime, datetime | None]]:
    """Each timed order: (placed at, seen at) on the wall clock, for the trace."""
    with latency.lock:
        return {
            key: (
                at,
                at + timedelta(seconds=latency.seen[key] - latency.placed[key])
                if key in latency.seen
                else None,
            )
            for key, at in latency.placed_at.items()
        }


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # the finally blocks clean up


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180  # a loaded shared machine starts `serve` slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer:\n{log.read_text()[-2000:]}")


if __name__ == "__main__":
    sys.exit(main())
