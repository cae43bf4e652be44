"""Scale-out benchmark: N sandbox stores, K `orderhub worker` processes, one PostgreSQL.

    .venv/bin/python bench/scale_out.py [--stores 20] [--workers 3] [--seconds 60] [--interval 10]

What it does: makes a fresh PostgreSQL database (on `--database-url`, else
`ORDERHUB_TEST_DATABASE_URL`, else the local default), serves N sandbox stores from one
`orderhub sandbox --stores N --live` process (orders keep arriving, about 30 a minute per
store), connects one integration per store with its flows on every `--interval` seconds (all but
products.push by default: in one hub, every store's catalog would be pushed to every other
store, as Pipe17 does within one organisation — not what 20 unrelated stores want),
starts K workers, lets the first (initial) runs finish, then measures a steady window of
`--seconds`:

- flow runs started and their outcome, from the run history;
- Cart.com calls and 429 answers per store, from the sandbox's call log, against the plan's
  budget (gold: 50 per 10 s = 300 a minute);
- PostgreSQL transactions and rows written in the hub's database (`pg_stat_database`);
- CPU seconds of the workers, of every PostgreSQL server process, and of the sandbox (/proc).

It prints the figures per run and per store, and the same figures scaled to 10,000 stores with
the production interval (60 s per flow): runs a second, worker cores, database transactions
and row writes a second, calls per store per minute. The scaling is linear arithmetic on the
measured per-run costs, shown with its inputs, not a measurement of 10,000 stores.
Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from orderhub_bench.procs import cpu_seconds_if_alive as cpu_seconds
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine

from orderhub.domain import FlowName
from orderhub.hub import build_hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store.database import make_engine, normalize_url, upgrade
from orderhub.store.flows import set_flow_interval

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOLD_PER_MINUTE = 50 * 6
TARGET_STORES = 10_000
PRODUCTION_INTERVAL = 60
_URL_LINE = re.compile(r"^API URL: (\S+)")
_TOKEN_LINE = re.compile(r"^API token: (\S+)")


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass
class Snapshot:
    at: float
    transactions: int
    rows_written: int
    worker_cpu: float
    postgres_cpu: dict[int, float]
    sandbox_cpu: float
    calls: dict[str, int]
    rejected: dict[str, int]


def pg_counters(admin: Engine, name: str) -> tuple[int, int]:
    with admin.connect() as connection:
        row = connection.execute(
            text(
                "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted "
                "FROM pg_stat_database WHERE datname = :name"
            ),
            {"name": name},
        ).one()
    return int(row[0]), int(row[1])


def start_sandbox(stores: int, port: int, token: str) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orderhub.cli.main",
            "sandbox",
            "--stores",
            str(stores),
            "--port",
            str(port),
            "--token",
            token,
            "--orders",
            "200",
            "--products",
            "30",
            "--plan",
            "gold",
            "--live",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    urls: list[str] = []
    while len(urls) < stores:
        line = process.stdout.readline()
        if not line:
            raise SystemExit("the sandbox stopped before listing its stores")
        match = _URL_LINE.match(line.strip())
        if match:
            urls.append(match.group(1))
    return process, urls


def call_counts(urls: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    calls, rejected = {}, {}
    for url in urls:
        log = httpx.get(f"{url}/_sandbox/calls", timeout=10).json()
        calls[url] = int(log["total"])
        rejected[url] = int(log.get("byStatus", {}).get("429", 0))
    return calls, rejected


def snapshot(
    admin: Engine,
    name: str,
    workers: list[subprocess.Popen[bytes]],
    sandbox_pid: int,
    urls: list[str],
) -> Snapshot:
    transactions, rows = pg_counters(admin, name)
    calls, rejected = call_counts(urls)
    return Snapshot(
        at=time.monotonic(),
        transactions=transactions,
        rows_written=rows,
        worker_cpu=sum(cpu_seconds(w.pid) for w in workers),
        postgres_cpu={pid: cpu_seconds(pid) for pid in postgres_pids()},
        sandbox_cpu=cpu_seconds(sandbox_pid),
        calls=calls,
        rejected=rejected,
    )


def runs_between(engine: Engine, start: datetime, end: datetime) -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT flow, status, count(*), sum(api_calls) FROM runs "
                "WHERE started_at >= :start AND started_at < :end GROUP BY flow, status"
            ),
            {"start": start, "end": end},
        ).all()
    by_flow: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for flow, status, count, _calls in rows:
        by_flow[flow] = by_flow.get(flow, 0) + int(count)
        by_status[status] = by_status.get(status, 0) + int(count)
    return {"total": sum(by_flow.values()), "by_flow": by_flow, "by_status": by_status}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--flows",
        type=lambda text: [FlowName(name) for name in text.split(",")],
        default=[flow for flow in FlowName if flow is not FlowName.PRODUCTS_PUSH],
        help="comma-separated flows to switch on (default: all but products.push)",
    )
    args = parser.parse_args()

    server: URL = normalize_url(
        args.database_url or os.environ.get("ORDERHUB_TEST_DATABASE_URL") or DEFAULT_URL
    )
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_size=1)
    name = f"oh_scale_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    database_url = server.set(database=name).render_as_string(hide_password=False)
    home = Path(f"/tmp/{name}")
    home.mkdir()
    token = secrets.token_hex(16)
    sandbox, urls = start_sandbox(args.stores, 18400 + secrets.randbelow(2000), token)
    workers: list[subprocess.Popen[bytes]] = []
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        settings = Settings(home=home, database_url=database_url, secret_key=secrets.token_hex(16))
        hub = build_hub(settings, migrate=False)
        for url in urls:
            integration = add_integration(hub, api_url=url, api_key=token).integration
            for flow in args.flows:
                enable_flow(hub, integration.integration_id, flow)
                with hub.db.session() as session:
                    set_flow_interval(session, integration.integration_id, flow, args.interval)
        hub.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
        env |= {
            "ORDERHUB_HOME": str(home),
            "ORDERHUB_DATABASE_URL": database_url,
            "ORDERHUB_SECRET_KEY": settings.secret_key,
        }
        for index in range(args.workers):
            log = (home / f"worker-{index}.log").open("wb")
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "orderhub.cli.main",
                        "worker",
                        "--concurrency",
                        str(args.concurrency),
                        "--dispatch-every",
                        "1",
                    ],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        warm_up = max(2 * args.interval, 20)
        print(
            f"{args.stores} stores, {args.workers} workers x {args.concurrency}; "
            f"warming up {warm_up}s, then measuring {args.seconds:.0f}s",
            flush=True,
        )
        time.sleep(warm_up)
        started_at = datetime.now(UTC)
        before = snapshot(admin, name, workers, sandbox.pid, urls)
        time.sleep(args.seconds)
        after = snapshot(admin, name, workers, sandbox.pid, urls)
        ended_at = datetime.now(UTC)
        runs = runs_between(engine, started_at, ended_at)
        report(args, before, after, runs)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        sandbox.send_signal(signal.SIGTERM)
        sandbox.wait(30)
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    return 0


def report(
    args: argparse.Namespace, before: Snapshot, after: Snapshot, runs: dict[str, Any]
) -> None:
    seconds = after.at - before.at
    minutes = seconds / 60
    total_runs = max(1, runs["total"])
    flows = len(args.flows)
    transactions = after.transactions - before.transactions
    rows = after.rows_written - before.rows_written
    worker_cpu = after.worker_cpu - before.worker_cpu
    pg_cpu = sum(cpu - before.postgres_cpu.get(pid, 0.0) for pid, cpu in after.postgres_cpu.items())
    sandbox_cpu = after.sandbox_cpu - before.sandbox_cpu
    per_store = [(after.calls[url] - before.calls[url]) / minutes for url in after.calls]
    rejected = sum(after.rejected[url] - before.rejected[url] for url in after.rejected)
    expected_runs = args.stores * flows * seconds / args.interval
    calls_per_run = sum(after.calls[u] - before.calls[u] for u in after.calls) / total_runs
    mean_calls = sum(per_store) / len(per_store)

    def row(figure: str, value: str) -> None:
        print(f"| {figure} | {value} |")

    print(
        f"\n## Measured: {args.stores} stores x {flows} flows every {args.interval}s, "
        f"{args.workers} workers x {args.concurrency}, {seconds:.0f}s steady window\n"
    )
    print("| figure | value |\n| --- | --- |")
    row(
        "flow runs started",
        f"{runs['total']} ({runs['total'] / seconds:.2f}/s; "
        f"{runs['total'] / expected_runs:.0%} of the {expected_runs:.0f} the intervals ask)",
    )
    row("runs by status", str(runs["by_status"]))
    row(
        "Cart.com calls per store per minute",
        f"mean {mean_calls:.1f}, max {max(per_store):.1f} (budget {GOLD_PER_MINUTE})",
    )
    row("429 answers", str(rejected))
    row("calls per run", f"{calls_per_run:.2f}")
    row(
        "DB transactions per run",
        f"{transactions / total_runs:.1f} ({transactions / seconds:.0f}/s)",
    )
    row("DB rows written per run", f"{rows / total_runs:.1f} ({rows / seconds:.0f}/s)")
    row(
        "worker CPU per run",
        f"{1000 * worker_cpu / total_runs:.0f} ms ({worker_cpu / seconds:.2f} cores)",
    )
    row(
        "PostgreSQL CPU per run",
        f"{1000 * pg_cpu / total_runs:.0f} ms ({pg_cpu / seconds:.2f} cores)",
    )
    row("sandbox CPU (not the hub's)", f"{sandbox_cpu / seconds:.2f} cores")

    target_runs = TARGET_STORES * flows / PRODUCTION_INTERVAL
    scale = target_runs / total_runs
    print(
        f"\n## Scaled to {TARGET_STORES:,} stores, {flows} flows every {PRODUCTION_INTERVAL}s "
        "(arithmetic on the figures above)\n"
    )
    print("| figure | value |\n| --- | --- |")
    row("flow runs (jobs) per second", f"{target_runs:,.0f}")
    row("worker cores", f"{worker_cpu * scale:,.0f}")
    row("PostgreSQL transactions per second", f"{transactions * scale:,.0f}")
    row("PostgreSQL rows written per second", f"{rows * scale:,.0f}")
    row("PostgreSQL cores (at this machine's speed)", f"{pg_cpu * scale:,.0f}")
    row(
        "Cart.com calls per store per minute",
        f"{calls_per_run * flows * 60 / PRODUCTION_INTERVAL:.1f} (budget 30 to 300 by plan)",
    )


if __name__ == "__main__":
    sys.exit(main())
