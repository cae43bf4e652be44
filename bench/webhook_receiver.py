"""Latency of the Cart.com webhook receiver: `bench/webhook_receiver.py [N] [--postgres URL]`.

A hub on a fresh SQLite file (WAL, as `orderhub serve` runs it) or on a throwaway database
made on the PostgreSQL server of `--postgres` (and dropped afterwards), one
integration with orders.pull on, its web app served on loopback by uvicorn; N deliveries
(default 2,000) POSTed one after the other over a keep-alive connection, each timed from
send to answer. Half name new orders and half repeat one (so both the "flow moved" and the
coalesced path are measured). Prints p50/p95/p99/max in milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from orderhub.connectors.cartcom.webhook_events import hook_path
from orderhub.domain import FlowName
from orderhub.hub import build_hub
from orderhub.serving import serve_in_thread
from orderhub.settings import Settings
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store
from orderhub.web import create_web_app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to use instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, _database(args.postgres) as database_url:
        env = {"ORDERHUB_HOME": home}
        if database_url:
            env["ORDERHUB_DATABASE_URL"] = database_url
        hub = build_hub(Settings.from_env(env))
        try:
            url = _prepare(hub)
            with serve_in_thread(create_web_app(hub)) as web:
                timings = _post(f"{web.url}{url}", args.n)
        finally:
            hub.close()
    timings.sort()
    cut = statistics.quantiles(timings, n=100)
    print(
        f"{len(timings)} deliveries on {'PostgreSQL' if args.postgres else 'SQLite'}: "
        f"p50 {cut[49]:.2f} ms, p95 {cut[94]:.2f} ms, p99 {cut[98]:.2f} ms, "
        f"max {timings[-1]:.2f} ms"
    )
    return 0


@contextlib.contextmanager
def _database(server_url: str | None) -> Iterator[str | None]:
    """A new database on the server (dropped afterwards), or None for SQLite."""
    if not server_url:
        yield None
        return
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"oh_bench_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _prepare(hub: object) -> str:
    from orderhub.hub import Hub

    assert isinstance(hub, Hub)
    now = hub.clock.now()
    with hub.db.session() as session:
        made = integration_store.create_integration(
            session,
            connector="cartcom",
            name="bench",
            api_url="https://shop.example.com",
            api_token="t",
            box=hub.box,
            now=now,
        )
        integration_store.mark_connected(session, made.integration_id, now=now)
        integration_store.set_flow_enabled(
            session, made.integration_id, FlowName.ORDERS_PULL, True, now=now
        )
        secret = webhook_store.ensure_secret(session, made.integration_id, hub.box, now=now)
    return hook_path(made.integration_id, secret)


def _post(url: str, n: int) -> list[float]:
    timings: list[float] = []
    with httpx.Client() as client:
        for warm in range(20):
            client.post(url, params={"event": "OrderUpdated"}, json={"order": {"id": warm + 1}})
        for index in range(n):
            order_id = 100_000 + (index if index % 2 else 0)
            body = {"order": {"id": order_id, "order_number": str(order_id), "items": []}}
            started = time.perf_counter()
            answer = client.post(url, params={"event": "NewOrder"}, json=body)
            timings.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"delivery {index} answered {answer.status_code}: {answer.text}")
    return timings


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
