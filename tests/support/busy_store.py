"""A steel-plan Cart.com store with the hub's flows busy on it, and fulfillments pushed meanwhile.

The priority scenario of issue 11, in one process: the sandbox is mounted in-process
(`SandboxTransport`) with its call window shortened to `window` seconds, and the hub's budget
for the store is a `CallLimiter` on the same window, installed for the store's URL, with
priorities on or off. Busy flows run back to back in threads; a merchant thread keeps changing
stock and products in the hub, so the push flows always have work. After a warm-up, fulfillments
are made in the hub one at a time and pushed at once (as the change-feed trigger will), and each
one's latency runs from its creation to Cart.com's answer to its shipment `POST`.

Used by tests/connectors/cartcom/flows/test_call_priorities.py (a short run, asserted) and
bench/priority.py (a longer one, printed).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

from orderhub.connectors.cartcom.ratelimit import CallLimiter, install_limiter, reset_limiters
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, Fulfillment, Product, RunStatus
from orderhub.engine import FlowRunner, RunRefused
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.fulfillments import create_fulfillment, unfulfilled_lines
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.services.inventory import set_inventory
from orderhub.services.products import upsert_hub_product
from orderhub.settings import Settings
from orderhub.store.database import Database
from orderhub.store.records import EntityKind, list_records
from support.stock import stock_location

__all__ = ["ALL_BUSY", "BusyStoreRun", "run_busy_store"]

STORE_URL = "http://127.0.0.1:9"  # any loopback URL: the transport never opens a socket
KEY = "busy-store-secret-key"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
PROCESSING = 12  # the sandbox's "Processing" status: an order waiting to ship
ALL_BUSY = (
    FlowName.ORDERS_PULL,
    FlowName.INVENTORY_PUSH,
    FlowName.PRODUCTS_PUSH,
    FlowName.PRODUCTS_PULL,
    FlowName.LOCATIONS_PULL,
)


@dataclass(frozen=True)
class Answer:
    at: float
    method: str
    path: str
    status: int
    shipment: str | None


@dataclass(frozen=True)
class BusyStoreRun:
    latencies: list[float]
    """Seconds from each fulfillment's creation in the hub to its shipment made in Cart.com."""
    calls: int
    """Cart.com calls once the store was on the steel plan."""
    rejected: int
    """429 answers among them."""
    seconds: float
    """How long that part took."""
    push_calls: int
    """Calls of the fulfillment pushes among them (the rest: the busy flows')."""
    flow_calls: dict[str, int] = field(default_factory=dict)
    """Calls of each busy flow's runs (a run cut short at the end counts what it made)."""
    errors: list[str] = field(default_factory=list)
    """Failed runs of the busy flows (the scenario is void if any)."""


class Stamps(httpx.BaseTransport):
    """Forwards to the sandbox and notes every answer: when, what, which status."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.answers: list[Answer] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        shipment = None
        if request.method == "POST" and request.url.path.endswith("/order_shipments"):
            shipment = json.loads(request.content or b"{}").get("shipment_name")
        answer = Answer(
            time.monotonic(), request.method, request.url.path, response.status_code, shipment
        )
        with self.lock:
            self.answers.append(answer)
        return response

    def count(self) -> int:
        with self.lock:
            return len(self.answers)

    def since(self, index: int) -> list[Answer]:
        with self.lock:
            return self.answers[index:]

    def shipped_at(self, shipment: str) -> float:
        with self.lock:
            return next(
                a.at for a in self.answers if a.shipment == shipment and a.status in (200, 201)
            )


def run_busy_store(
    database: Database,
    home: Path,
    *,
    priorities: bool,
    window: float = 1.0,
    margin: float = 0.05,
    busy: Sequence[FlowName] = ALL_BUSY,
    fulfillments: int = 3,
    warmup_windows: float = 2.0,
    pause_windows: tuple[float, float] = (0.5, 0.5),
    seed: int = 11,
) -> BusyStoreRun:
    """Run the scenario once on a fresh store (see the module docstring).

    Between two fulfillments the hub pauses a random number of windows in `pause_windows`:
    past one window, the fulfillments' headroom has lapsed and the next one starts cold.
    """
    sandbox = Sandbox(
        SandboxConfig(
            seed=seed, orders=20, products=40, plan="unlimited", rate_window_seconds=window
        )
    )
    carts = [
        int(sandbox.store.create_order(order_status_id=PROCESSING)["id"])
        for _ in range(fulfillments)
    ]
    stamps = Stamps(SandboxTransport(sandbox.app))
    http = httpx.Client(transport=stamps)
    settings = Settings(home=home, database_url="unused://", secret_key=KEY)
    hub = Hub(settings=settings, db=database, box=SecretBox(KEY), registry=default_registry())
    runner = FlowRunner(
        database, hub.box, hub.registry, http_factory=lambda _i: http, share_call_budgets=False
    )
    stop = threading.Event()
    errors: list[str] = []
    flow_calls: dict[str, int] = {}
    threads: list[threading.Thread] = []
    try:
        integration_id = _connect(hub, runner, http, sandbox.full_token)
        sandbox.set_plan("steel")
        install_limiter(STORE_URL, CallLimiter(window=window, margin=margin, priorities=priorities))
        first = stamps.count()
        started = time.monotonic()
        for flow in busy:
            threads.append(
                _thread(_keep_running, runner, integration_id, flow, stop, errors, flow_calls)
            )
        threads.append(_thread(_merchant, hub, busy, window, stop, random.Random(seed)))
        time.sleep(warmup_windows * window)
        pauses = random.Random(seed + 1)
        latencies, push_calls = [], 0
        for cart_id in carts:
            latency, calls = _fulfil_and_push(hub, runner, integration_id, cart_id, stamps)
            latencies.append(latency)
            push_calls += calls
            time.sleep(pauses.uniform(*pause_windows) * window)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        http.close()
        reset_limiters()
    answers = stamps.since(first)
    return BusyStoreRun(
        latencies=latencies,
        calls=len(answers),
        rejected=sum(1 for a in answers if a.status == 429),
        seconds=time.monotonic() - started,
        push_calls=push_calls,
        flow_calls=dict(flow_calls),
        errors=errors,
    )


def _connect(hub: Hub, runner: FlowRunner, http: httpx.Client, token: str) -> str:
    """Connect the store (still on the unlimited plan) and bring its data in once."""
    added = add_integration(hub, api_url=STORE_URL, api_key=token, http=http)
    if not added.report.connected:
        raise RuntimeError(added.report.summary)
    integration_id = added.integration.integration_id
    for flow in FlowName:
        enable_flow(hub, integration_id, flow, since=LONG_AGO)
    for flow in (FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL):
        run = runner.run_flow(integration_id, flow)
        if run.status is not RunStatus.SUCCEEDED:
            raise RuntimeError(f"{flow.value} failed: {run.error}")
    return integration_id


def _thread(target: Callable[..., None], *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def _keep_running(
    runner: FlowRunner,
    integration_id: str,
    flow: FlowName,
    stop: threading.Event,
    errors: list[str],
    calls: dict[str, int],
) -> None:
    """Run `flow` back to back until told to stop: a flow that always has work."""
    calls[flow.value] = 0
    while not stop.is_set():
        try:
            run = runner.run_flow(integration_id, flow, stop=stop)
        except RunRefused as refused:
            errors.append(f"{flow.value}: {refused}")
            return
        calls[flow.value] += run.api_calls  # one thread per flow: no other writer of this key
        if run.status is RunStatus.FAILED and not stop.is_set():
            errors.append(f"{flow.value}: {run.error}")
        if run.api_calls == 0:
            stop.wait(0.05)  # nothing to do yet (a push with an empty feed): do not spin


def _merchant(
    hub: Hub, busy: Sequence[FlowName], window: float, stop: threading.Event, rng: random.Random
) -> None:
    """Stock counts and prices keep changing in the hub, so the push flows keep working."""
    with hub.db.read_session() as session:
        skus = [
            str(record.data["sku"])
            for record in list_records(session, EntityKind.PRODUCT, limit=40)
            if record.data.get("sku")
        ]
    while skus and not stop.wait(window / 4):
        sku = rng.choice(skus)
        if FlowName.INVENTORY_PUSH in busy:
            set_inventory(
                hub,
                sku=sku,
                quantity=rng.randint(0, 500),
                location_id=stock_location(hub),
                actor="cli",
            )
        if FlowName.PRODUCTS_PUSH in busy:
            price = Decimal(rng.randint(100, 9999)) / 100
            product = Product(sku=sku, name=f"Product {sku}", price=price)
            upsert_hub_product(hub, product, actor="api")


def _fulfil_and_push(
    hub: Hub, runner: FlowRunner, integration_id: str, cart_id: int, stamps: Stamps
) -> tuple[float, int]:
    """Make one fulfillment in the hub, push it now: (seconds to its shipment, calls made)."""
    with hub.db.read_session() as session:
        orders = list_records(session, EntityKind.ORDER, limit=1000)
    order_id = next(r.hub_id for r in orders if r.ext_id == str(cart_id))
    lines = unfulfilled_lines(hub, order_id)
    made = create_fulfillment(hub, Fulfillment(order_id=order_id, line_items=lines), actor="api")
    created = time.monotonic()
    run = runner.run_flow(integration_id, FlowName.FULFILLMENTS_PUSH)
    if run.status is not RunStatus.SUCCEEDED or run.counts.created != 1:
        raise RuntimeError(f"the fulfillment was not pushed: {run.error or run.counts}")
    return stamps.shipped_at(f"OH-{made['fulfillmentId']}") - created, run.api_calls
