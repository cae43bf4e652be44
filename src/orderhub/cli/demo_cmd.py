"""`orderhub demo`: a simulated Cart.com store, one integration with every flow on, live activity.

Both sides move: the simulated store places, captures and cancels orders (it never ships them, so
store and hub do not race for the same order), and the hub side plays the
merchant's warehouse (`services.demo_activity`): hub stock for the store's SKUs from the start,
stock counts and shipments now and then, which inventory.push and fulfillments.push carry to the
store. So all six flows have something to do.

The demo uses webhooks out of the box: its hub's public URL is its own loopback URL, which the
simulated store (on the same machine) can reach, so a new order in the store is in the hub
within a second or two instead of at the next poll."""

from __future__ import annotations

import random
import signal
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from orderhub.cli.app import app
from orderhub.cli.output import console, err_console, shown
from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.connectors.cartcom.sandbox import Sandbox
    from orderhub.hub import Hub
    from orderhub.services.demo_activity import HubActivity
    from orderhub.settings import Settings

__all__ = ["demo"]

DEMO_NAME = "Cart.com demo store"
CONNECTOR = "cartcom"
"""The demo's store is the Cart.com sandbox, so its integration is of that connector."""
HISTORY = timedelta(days=401)
"""The demo backfills the simulated store's whole history: its catalog was made 400 days
before it starts (orders span the last 90). A shorter window left a third of the products —
those last changed longer ago — out of the hub, and the demo could not reprice them."""


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option("--port", help="Port of the hub's web page and API.")] = 8017,
    sandbox_port: Annotated[
        int, typer.Option("--sandbox-port", help="Port of the simulated store.")
    ] = 8018,
    for_seconds: Annotated[
        float | None, typer.Option("--for", help="Stop by itself after this many seconds.")
    ] = None,
    orders: Annotated[
        int, typer.Option("--orders", help="Orders seeded in the simulated store.")
    ] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated store's data.")] = 1,
    orders_per_minute: Annotated[
        float, typer.Option("--orders-per-minute", help="Live activity pace.")
    ] = 30.0,
    plan: Annotated[
        str,
        typer.Option(
            "--plan",
            help=(
                "The simulated store's Cart.com plan: steel|bronze|silver|gold|unlimited. Gold"
                " (50 calls per 10 s, what an installed app gets) by default."
            ),
        ),
    ] = "gold",
) -> None:
    """Run the hub against a simulated Cart.com store, with live orders, on loopback."""
    from orderhub.alerts import alert_ticker
    from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, serve_sandbox
    from orderhub.connectors.cartcom.sandbox.live import start_live_activity
    from orderhub.connectors.cartcom.sandbox.ratelimit import PLAN_LIMITS
    from orderhub.connectors.webhooks import hooks_prefix
    from orderhub.engine import EmbeddedScheduler
    from orderhub.engine.scheduler import chain_ticks
    from orderhub.hub import build_hub
    from orderhub.monitor.app import enable_metrics
    from orderhub.portal import demo_sign_in_link
    from orderhub.services.apikeys import create_api_key
    from orderhub.services.daily_verification import verify_ticker
    from orderhub.services.demo_activity import HubActivity
    from orderhub.serving import serve_in_thread
    from orderhub.settings import Settings
    from orderhub.web import create_web_app

    if plan not in PLAN_LIMITS:
        raise typer.BadParameter(f"one of {', '.join(PLAN_LIMITS)}", param_hint="--plan")
    settings = Settings.from_env()
    _start_fresh(settings)
    hub = build_hub(settings)
    enable_metrics(hub)  # before the runner: its runs and calls are counted
    sandbox = Sandbox(SandboxConfig(seed=seed, orders=orders, plan=plan))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with serve_sandbox(sandbox, host="127.0.0.1", port=sandbox_port) as store:
            runner = hub.runner()
            daily = verify_ticker(hub, runner)
            scheduler = EmbeddedScheduler(
                runner, hub.db, tick_seconds=1.0, on_tick=chain_ticks(daily, alert_ticker(hub))
            )
            with serve_in_thread(create_web_app(hub, scheduler=scheduler), port=port) as web:
                # Served first, so the store's webhooks have somewhere to go when the flows
                # are switched on (which subscribes them).
                hub.settings = hub.settings.replace(public_url=web.url)
                integration_id = _connect(hub, store.url, sandbox.full_token)
                console.print(
                    f"Simulated Cart.com store: {store.url}  (token {sandbox.full_token})",
                    markup=False,
                )
                console.print(
                    f"Integration {integration_id}: all available flows on; the store's "
                    f"webhooks go to {web.url}{hooks_prefix(CONNECTOR)}/…",
                    markup=False,
                )
                console.print(f"Portal: {web.url}/", markup=False)
                console.print(
                    f"Sign in (link valid once, for 15 minutes): {demo_sign_in_link(hub, web.url)}",
                    markup=False,
                    soft_wrap=True,
                )
                _key_id, api_key = create_api_key(hub, name="demo", scope="readwrite")
                console.print(
                    f"API: {web.url}/api/v3/orders  (curl -H 'Authorization: Bearer {api_key}' …)",
                    markup=False,
                    soft_wrap=True,
                )
                activity = HubActivity(hub, random.Random(f"{seed}:hub-activity"))
                differing = activity.seed_stock(_store_stock(sandbox))
                activity.priced = _whole_products(sandbox)
                console.print(
                    f"Hub stock for {len(activity.skus)} SKUs ({len(differing)} differ from the "
                    "store's); a stock count or a shipment every few seconds. Ctrl-C stops.",
                    markup=False,
                )
                # The store places, captures and cancels; the hub's warehouse ships. Were both to
                # ship, they would race for the same orders and the demo would show the losing
                # fulfillments as exceptions.
                live = start_live_activity(
                    sandbox, orders_per_minute=orders_per_minute, stop=stop, ships=False
                )
                warehouse = _start_hub_activity(activity, 120.0 / orders_per_minute, stop)
                scheduler.start()
                _wait(stop, for_seconds)
                stop.set()
                live.join(timeout=10)
                warehouse.join(timeout=10)
                scheduler.stop()
                if daily is not None:
                    daily.join(timeout=30.0)
                _final_sync(hub, integration_id)
    finally:
        hub.close()


def _start_fresh(settings: Settings) -> None:
    """The demo owns its home: refuse to wipe a database that holds a real integration.

    An integration that never connected is not real: older versions kept one in the Error
    state after every failed `integrations add`. It brought no data, so it is dropped with
    the rest of the demo's database, with a note.
    """
    from orderhub.store import integrations as integration_store
    from orderhub.store.database import Database

    db_file = settings.home / "orderhub.db"
    if not settings.database_url.startswith("sqlite:///") or not db_file.exists():
        return
    # The database alone, not the hub: naming what it holds needs no secret key, and a
    # demo home whose key is gone is wiped below like any other demo home.
    db = Database.from_url(settings.database_url)
    try:
        with db.read_session() as session:
            others = [
                i for i in integration_store.list_integrations(session) if i.name != DEMO_NAME
            ]
    finally:
        db.dispose()
    if any(i.enabled_at is not None for i in others):
        raise UsageError(
            f"{settings.home} holds integrations other than the demo's; "
            "run the demo with another ORDERHUB_HOME"
        )
    if others:
        names = ", ".join(f"{i.name} ({i.integration_id})" for i in others)
        count = len(others)
        err_console.print(
            shown(f"Starting afresh without {count} integration(s) that never connected: {names}")
        )
    for suffix in ("", "-wal", "-shm"):
        (settings.home / f"orderhub.db{suffix}").unlink(missing_ok=True)


def _connect(hub: Hub, store_url: str, token: str) -> str:
    from orderhub.domain import FlowName
    from orderhub.services.integrations import ConnectionFailed, add_integration, enable_flow

    try:
        result = add_integration(
            hub, api_url=store_url, api_key=token, name=DEMO_NAME, connector=CONNECTOR
        )
    except ConnectionFailed as failed:
        raise UsageError(f"The demo could not connect to its own sandbox: {failed}") from None
    integration_id = result.integration.integration_id
    since = hub.clock.now() - HISTORY
    for flow in FlowName:
        if flow in hub.registry.available(CONNECTOR):
            # The demo backfills the sandbox's whole seeded history so there is something to see.
            enable_flow(hub, integration_id, flow, since=since)
    return integration_id


def _store_stock(sandbox: Sandbox) -> dict[str, int]:
    """The store's on-hand quantity of each SKU that keeps stock (product or variant rows).

    Read from the simulated store itself, before its live activity starts: the figures a
    merchant's warehouse would hold for the same goods.
    """
    stock: dict[str, int] = {}
    products = sandbox.store.table("products")
    for row in products.iter_rows():
        if not products.get(row, "use_variant_inventory"):
            sku = products.get(row, "item_number")
            if sku:
                stock[str(sku)] = int(products.get(row, "quantity_on_hand") or 0)
    variants = sandbox.store.table("variant_inventory")
    for row in variants.iter_rows():
        sku = variants.get(row, "item_number")
        if sku:
            stock[str(sku)] = int(variants.get(row, "inventory") or 0)
    return stock


def _whole_products(sandbox: Sandbox) -> tuple[str, ...]:
    """The SKUs of the store's products that have no variants (a reprice there is pushed)."""
    products = sandbox.store.table("products")
    return tuple(
        str(products.get(row, "item_number"))
        for row in products.iter_rows()
        if products.get(row, "item_number") and not products.get(row, "use_variant_inventory")
    )


def _start_hub_activity(
    activity: HubActivity, interval: float, stop: threading.Event
) -> threading.Thread:
    """The warehouse's pace: one change every `interval` seconds on average, until `stop`."""
    from orderhub.errors import HubError

    def run() -> None:
        while not stop.wait(activity.rng.expovariate(1.0 / interval)):
            try:
                activity.step()
            except HubError as problem:  # e.g. the database busy for too long: next time
                err_console.print(shown(f"Demo warehouse: {problem}"))

    thread = threading.Thread(target=run, name="demo-hub-activity", daemon=True)
    thread.start()
    return thread


def _wait(stop: threading.Event, for_seconds: float | None) -> None:
    """Until Ctrl-C, SIGTERM or `--for`: webhooks, not a timer, make the demo feel live."""
    deadline = None if for_seconds is None else time.monotonic() + for_seconds
    try:
        while not stop.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            stop.wait(5.0 if deadline is None else min(5.0, max(0.0, deadline - time.monotonic())))
    except KeyboardInterrupt:
        return


def _final_sync(hub: Hub, integration_id: str) -> None:
    from orderhub.domain import FlowName

    runner = hub.runner()
    for flow in FlowName:
        if flow in hub.registry.available(CONNECTOR):
            run = runner.run_flow(integration_id, flow, trigger="manual")
            console.print(
                shown(
                    f"Final {flow.value}: {run.status.value}, {run.counts.created} created, "
                    f"{run.counts.updated} updated"
                )
            )
