"""What one quiet run of each flow costs the database: statements, transactions, round trips.

Counted, not timed (the machine is shared): SQLAlchemy's engine events see every statement a
run sends (`before_cursor_execute`), every transaction it opens (`begin`) and how each ends
(`commit`, `rollback`), and every connection it takes from the pool (`checkout`: on PostgreSQL
a pre-ping, one more round trip). A *quiet* run is one that finds nothing: a pull flow polled
after its backfill, a push flow's scheduled look at a feed with nothing new for it (no run
starts) and the same push run anyway (Sync now with nothing to send).

`quiet_world` builds a hub connected to an in-process sandbox store, every flow on and run
until settled; `measure_quiet_runs` counts one quiet run of each flow. Shared by
`bench/run_cost.py` (the table, `make bench-run-cost`) and the test that pins the bound.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, event

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import FlowRunner
from orderhub.engine.errors import NothingToDo
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.settings import Settings
from orderhub.store.database import Database

__all__ = [
    "PULLS",
    "PUSHES",
    "QuietWorld",
    "SqlCount",
    "counting",
    "measure_quiet_runs",
    "quiet_world",
]

KEY = "run-cost-secret-key-for-counting"
STORE_URL = "http://127.0.0.1:9"  # the in-process transport never opens a socket
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
PULLS = (FlowName.LOCATIONS_PULL, FlowName.PRODUCTS_PULL, FlowName.ORDERS_PULL)
PUSHES = (FlowName.INVENTORY_PUSH, FlowName.PRODUCTS_PUSH, FlowName.FULFILLMENTS_PUSH)

_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


@dataclass
class SqlCount:
    """What the database saw while counting (every thread of the process, one engine)."""

    statements: int = 0
    transactions: int = 0
    commits: int = 0
    rollbacks: int = 0
    checkouts: int = 0
    calls: int = 0
    """Remote (Cart.com) calls the sandbox answered meanwhile."""
    texts: Counter[str] = field(default_factory=Counter)
    """Statements by their first words (`SELECT flow_settings`, `UPDATE runs`), for reading."""

    @property
    def round_trips(self) -> int:
        """Statements, plus a BEGIN and an end per transaction, plus a pre-ping per checkout
        (PostgreSQL's; SQLite has no round trips, but the count says how much work it is)."""
        return self.statements + 2 * self.transactions + self.checkouts


@contextmanager
def counting(engine: Engine) -> Iterator[SqlCount]:
    """Count what `engine` does inside the block (its own statements; BEGIN/COMMIT that the
    SQLite engine sends as text count as transaction control, not as statements)."""
    count = SqlCount()
    lock = threading.Lock()  # the lease's keep-alive thread may write meanwhile

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _TRANSACTION_CONTROL.match(statement):
            return
        with lock:
            count.statements += 1
            count.texts[_label(statement)] += 1

    def bump(name: str) -> Callable[..., None]:
        def on_event(*_args: Any) -> None:
            with lock:
                setattr(count, name, getattr(count, name) + 1)

        return on_event

    listeners: list[tuple[Any, str, Callable[..., None]]] = [
        (engine, "before_cursor_execute", on_execute),
        (engine, "begin", bump("transactions")),
        (engine, "commit", bump("commits")),
        (engine, "rollback", bump("rollbacks")),
        (engine.pool, "checkout", bump("checkouts")),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield count
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


def _label(statement: str) -> str:
    """`SELECT flow_settings`, `INSERT runs`, …: the verb and the first table it names."""
    words = statement.split()
    verb = words[0].upper() if words else "?"
    table = "?"
    for keyword in ("FROM", "INTO", "UPDATE"):
        for index, word in enumerate(words[:-1]):
            if word.upper() == keyword:
                table = words[index + 1].strip('"(')
                break
        if table != "?":
            break
    return f"{verb} {table}"


@dataclass
class QuietWorld:
    """A hub on `db`, connected to an in-process sandbox store, every flow on and settled."""

    hub: Hub
    sandbox: Sandbox
    integration_id: str
    http: httpx.Client
    runner: FlowRunner
    """As a worker has one, kept between runs (its reference data cached): the system clock
    (so on PostgreSQL the store's call budget is the shared one in the database, as in
    production), no sleeping."""

    def calls(self) -> int:
        return int(self.sandbox.calls()["total"])


@contextmanager
def quiet_world(db: Database, home: Path, *, seed: int = 7) -> Iterator[QuietWorld]:
    """`db` (migrated, empty) connected to a small sandbox store, its flows backfilled."""
    sandbox = Sandbox(SandboxConfig(seed=seed, orders=12, products=8, plan="unlimited"))
    settings = Settings(home=home, database_url="unused://", secret_key=KEY)
    hub = Hub(settings=settings, db=db, box=SecretBox(KEY), registry=default_registry())
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    try:
        added = add_integration(hub, api_url=STORE_URL, api_key=sandbox.full_token, http=http)
        runner = FlowRunner(
            db, hub.box, hub.registry, http_factory=lambda _i: http, sleep=lambda _s: None
        )
        world = QuietWorld(hub, sandbox, added.integration.integration_id, http, runner)
        for flow in (*PULLS, *PUSHES):
            enable_flow(hub, world.integration_id, flow, since=LONG_AGO, http=http)
        for _ in range(2):  # the second round finds what the first one's pushes left
            for flow in (*PULLS, *PUSHES):
                run = runner.run_flow(world.integration_id, flow)
                if run.status is not RunStatus.SUCCEEDED:
                    raise RuntimeError(f"{flow.value} failed while settling: {run.error}")
        yield world
    finally:
        http.close()


@dataclass(frozen=True)
class QuietCost:
    """One flow's quiet run (or look) and what it cost."""

    flow: FlowName
    what: str
    count: SqlCount


def measure_quiet_runs(world: QuietWorld) -> list[QuietCost]:
    """Count one quiet run of each pull flow, one scheduled look of each push flow (which
    starts nothing when its feed holds nothing new) and one push run asked for anyway."""
    runner = world.runner
    engine = world.hub.db.engine
    costs: list[QuietCost] = []
    for flow in PULLS:
        costs.append(QuietCost(flow, "quiet run", _count_run(world, runner, engine, flow)))
    for flow in PUSHES:
        before = world.calls()
        with counting(engine) as count:
            try:
                runner.run_flow(world.integration_id, flow, trigger="schedule", only_if_due=True)
                raise RuntimeError(f"{flow.value} ran although its feed held nothing new")
            except NothingToDo:
                pass
        count.calls = world.calls() - before
        costs.append(QuietCost(flow, "idle look", count))
        costs.append(QuietCost(flow, "empty run", _count_run(world, runner, engine, flow)))
    return costs


def _count_run(world: QuietWorld, runner: FlowRunner, engine: Engine, flow: FlowName) -> SqlCount:
    before = world.calls()
    with counting(engine) as count:
        run = runner.run_flow(world.integration_id, flow, trigger="schedule")
    count.calls = world.calls() - before
    if run.status is not RunStatus.SUCCEEDED:
        raise RuntimeError(f"{flow.value} failed: {run.error}")
    if run.counts.created or run.counts.updated or run.counts.failed:
        raise RuntimeError(f"{flow.value} was not quiet: {run.counts}")
    return count
