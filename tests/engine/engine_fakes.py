"""A tiny scripted flow and helpers the engine tests share.

`FakeSource` plays the remote system: pages of location records, a catalog to re-fetch failed
records by id, and knobs to make a run raise, block, or lose its lease part-way. `LocationsFake`
is the flow: one unit of work per page (records, exceptions and the cursor commit together),
a heartbeat and a stop check at each page boundary, as the real flows do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orderhub.domain import FlowName
from orderhub.engine import FlowContext, FlowRegistry
from orderhub.secrets import SecretBox
from orderhub.store import Database, EntityKind
from orderhub.store import integrations as store_integrations

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "tok_live_9f8e7d6c5b4a3210SECRET"
CONNECTOR = "cartcom"
FLOW = FlowName.LOCATIONS_PULL
ENTITY = "location"

Record = dict[str, Any]


def location(ext_id: str, name: str | None = None, *, bad: bool = False) -> Record:
    return {"id": ext_id, "name": name or f"Warehouse {ext_id}", "bad": bad}


@dataclass
class FakeSource:
    """What the fake flow reads; tests change it between runs."""

    pages: list[list[Record]] = field(default_factory=list)
    raise_in_page: int | None = None
    """Raise inside that page's transaction, after its records and cursor were written."""
    error: Callable[[], Exception] = lambda: RuntimeError("the source fell over")
    during_page: Callable[[FlowContext, int], None] | None = None
    """Called after each page commits (block, steal the lease, request a stop, …)."""
    seen: list[FlowContext] = field(default_factory=list)

    def catalog(self) -> dict[str, Record]:
        return {record["id"]: record for page in self.pages for record in page}

    def fix(self, ext_id: str) -> None:
        for page in self.pages:
            for record in page:
                if record["id"] == ext_id:
                    record["bad"] = False


class LocationsFake:
    """Pulls `FakeSource.pages` from the cursor on; the cursor is the next page index."""

    name = FLOW

    def __init__(self, source: FakeSource) -> None:
        self.source = source

    def run(self, ctx: FlowContext) -> None:
        self.source.seen.append(ctx)
        if ctx.retry_ext_ids:
            catalog = self.source.catalog()
            again = [catalog[i] for i in ctx.retry_ext_ids if i in catalog]
            with ctx.unit_of_work() as session:
                self._store(ctx, session, again)
        start = int(ctx.cursor["page"]) if ctx.cursor else 0
        for index in range(start, len(self.source.pages)):
            page = self.source.pages[index]
            with ctx.unit_of_work() as session:
                self._store(ctx, session, page)
                ctx.save_cursor(session, {"page": index + 1})
                if self.source.raise_in_page == index:
                    raise self.source.error()
            ctx.progress(fetched=ctx.counts.fetched, created=ctx.counts.created)
            if self.source.during_page is not None:
                self.source.during_page(ctx, index)
            ctx.heartbeat()
            if ctx.should_stop():
                return

    def _store(self, ctx: FlowContext, session: Any, records: list[Record]) -> None:
        ctx.counts.fetched += len(records)
        for record in records:
            if record["bad"]:
                ctx.fail_record(
                    session,
                    entity_type=ENTITY,
                    ext_id=record["id"],
                    exception_type="invalidRecord",
                    message=f"location {record['id']} has no usable name",
                    raw=record,
                )
                continue
            ctx.upsert(
                session,
                EntityKind.LOCATION,
                ext_id=record["id"],
                data={"name": record["name"], "extLocationId": record["id"]},
                source_doc=record,
            )


def registry_for(source: FakeSource, *flows: FlowName) -> FlowRegistry:
    registry = FlowRegistry()
    for flow in flows or (FLOW,):
        registry.register(CONNECTOR, flow, lambda _ctx: LocationsFake(source))
    return registry


def add_integration(
    db: Database,
    box: SecretBox,
    *,
    connected: bool = True,
    enabled: tuple[FlowName, ...] = (FLOW,),
    now: datetime = T0,
) -> str:
    """A Cart.com integration (connected unless told), with `enabled` flows switched on."""
    with db.session() as session:
        integration = store_integrations.create_integration(
            session,
            connector="cartcom",
            name="Test store",
            api_url="https://store.example.com",
            api_token=TOKEN,
            box=box,
            now=now,
        )
        integration_id = integration.integration_id
        if connected:
            store_integrations.mark_connected(session, integration_id, now=now)
        for flow in enabled:
            store_integrations.set_flow_enabled(session, integration_id, flow, True, now=now)
    return integration_id


class Gate:
    """Hold a flow inside its run (outside any transaction) until the test lets it go."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, ctx: FlowContext, index: int) -> None:
        self.entered.set()
        if not self.release.wait(timeout=30):
            raise TimeoutError("the test never released the gate")
