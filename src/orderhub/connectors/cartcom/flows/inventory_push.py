"""inventory.push: hub stock changes -> Cart.com, one absolute `set` per SKU whose value differs.

Which SKUs: those whose hub inventory changed since the cursor, read from the change feed
without this integration's own changes, plus the SKUs of this flow's open exceptions, plus
every SKU with hub inventory when something else that decides the quantity changed (the
buffers, the location list, a location's status: `rules_fingerprint` over
`deciding_locations`). A new active location decides nothing (no stock can be waiting at a
location that did not exist), so a store connected, whose first locations.pull brings its
warehouses, costs the other stores nothing; and location changes do not wake this flow (no
`also_watches`): a location's status change reaches the figures at the flow's next look (the
next stock change, Sync now, or its safety look). The first cursor is the
first change at or after the integration's start (`enabledAt`, or a backfill date).

What to send: `mapping.inventory` (sum of `available` over the counted locations, minus the
buffer, floored at 0). Many hub changes to one SKU between runs are one computation and at most
one write, and a SKU whose Cart.com stock already equals the value is not written at all.

Reading Cart.com's stock (recipe B of API-NOTES §15), the cheaper of two ways:
- *filtered*: `GET /products?item_number=eq:A+OR+eq:B…` and the same on `/variant_inventory`,
  for each group of SKUs whose filter fits one URL (~80 SKUs): two calls per group;
- *full*: every product keeping its own stock (`use_variant_inventory=false`) and every variant
  inventory row, 250 per page (`fields=` trims them to ids, SKUs and stock).
The flow keeps in its cursor how many calls a full read takes (measured by the last full read,
or, the first time it matters, by two one-row reads of the lists' `total_count`) and reads
filtered when that costs no more. So a run costs the pages read plus one `POST /inventory/set`
per SKU that changed. Measured on a 10,000-product sandbox (22,000 stock rows): 100 changed
SKUs, 4 reads + 100 writes; 900, 2 + 22 reads; 9,000, the whole catalog in 93 reads.

Open exceptions (SKUs that failed before) are tried again when their backoff is due (they come
first, in a page of their own) and on `orderhub exceptions retry`.

Writes are `POST /inventory/set {"product_id"|"variant_inventory_id": id, "quantity": q}`:
addressed by id (never ambiguous) and absolute, so repeating one is harmless; never add/remove.
The cursor (change-feed seq) moves only in the transaction that follows a page's writes, so a
crash anywhere re-runs the page: it re-reads Cart.com, finds the SKUs already set equal, and
writes only what is left. A SKU Cart.com does not know (or holds twice) becomes an exception
("SKU not found in Cart.com"); the run goes on. The exception is a SKU the hub knows only as
other integrations' product (another store of the merchant, another channel): a store need
not sell every SKU the merchant stocks, so that one is skipped without an exception (and an
older exception on it is resolved).

The engine's push kit runs it: the retry of open exceptions first, then this flow's plan of
pages (`pages`), each page's hub side read in two queries (its SKUs' inventory records, and
which integrations hold a product with each SKU), one transaction per page for the outcome and
position. The plan itself reads only the feed and the records' SKU column, never a document.

A dry run (`ctx.dry_run`) reads both sides as usual and reports each `set` it would send, and
each SKU that would fail, through `ctx.plan`; it writes nothing and its transactions roll back.

`GET /inventory/settings` is not read: nothing in it changes what we send. Its
`remove_from_inventory_when` ("Ordered" or "Shipped") says when Cart.com itself takes sold
units off stock; either way the next push of that SKU sets the hub's figure again, and with
"Shipped" the shipments fulfillments.push creates also take stock off in Cart.com.

On PostgreSQL the change feed can commit a lower seq after a higher one (`orderhub.store.feed`):
the cursor never moves past a gap younger than `feed_grace` (`settled_seq`), so a change that
commits late is still read; the changes after the gap are read again meanwhile, which only
recomputes their SKUs (no write when Cart.com already holds the value).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import BadRequest, NotFound, ValidationFailed
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.mapping import InventoryRules, MappingError, StockIndex, StockRow
from orderhub.connectors.cartcom.mapping.inventory import (
    SKU_NOT_FOUND,
    cartcom_quantity,
    counted_locations,
    deciding_locations,
    filterable_sku,
    item_number_filters,
    rules_fingerprint,
    stock_row_from_product,
    stock_row_from_variant,
)
from orderhub.connectors.cartcom.mapping.inventory_settings import parse_inventory_rules
from orderhub.domain import FlowName, Integration, Outcome
from orderhub.engine import EntityKind, FlowContext, HubView
from orderhub.engine.push import FeedPage, FeedPush, PageResult

__all__ = ["InventoryPush"]

ENTITY_TYPE = EntityKind.INVENTORY.value
PRODUCT_FIELDS = "id,item_number,quantity_on_hand,use_variant_inventory,is_non_inventory"
VARIANT_FIELDS = "id,product_id,item_number,inventory"
REJECTED = "rejectedByCartcom"
WRITE_FAILED = "writeFailed"
FINGERPRINT = "fingerprint"
CATALOG_PAGES = "catalogPages"


@dataclass(frozen=True)
class _Job:
    """One SKU: the quantity the hub says Cart.com should hold, and whether the hub knows it
    only as another integration's product (a store need not sell every SKU)."""

    sku: str
    quantity: int
    elsewhere: bool


class InventoryPush(FeedPush["_StockWriter", _Job]):
    name = FlowName.INVENTORY_PUSH
    feed = EntityKind.INVENTORY
    entity_type = ENTITY_TYPE
    notes_on_feed_records = False  # units are SKUs, not inventory records
    sku_page = 250
    """SKUs per page: the position moves after each page's writes."""
    catalog_page = 250
    """Rows per call of a full read (the sandbox's and, we assume, Cart.com's largest page)."""
    probe_above = 4
    """Filtered reads costing more calls than this, with the catalog's size unknown, first ask
    Cart.com how big the catalog is (2 calls, remembered in the cursor) to choose."""
    feed_batch = 1000

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self.rules: InventoryRules = parse_inventory_rules(ctx.integration.settings)
        self.counted: frozenset[str] = frozenset()
        self.fingerprint = ""
        self.planned: list[FeedPage] = []

    @classmethod
    def other_work(cls, view: HubView, integration: Integration, cursor: Mapping[str, Any]) -> bool:
        """The rules (buffers, counted locations, their statuses) moved since the last run."""
        rules = parse_inventory_rules(integration.settings)
        _counted_now, fingerprint = _locations(view, rules)
        return cursor.get(FINGERPRINT) != fingerprint

    @contextmanager
    def connect(self, ctx: FlowContext) -> Iterator[_StockWriter]:
        with cartcom_client_for(ctx) as client:
            yield _StockWriter(self, client)

    def begin(self, view: HubView) -> None:
        self.counted, self.fingerprint = _locations(view, self.rules)

    def first_extra(self, view: HubView) -> dict[str, Any]:
        # The rules as they are now are the baseline: a first run pushes changes, not everything.
        return {FINGERPRINT: self.fingerprint}

    # -- the plan (hub side only) -------------------------------------------------------------

    def pages(self) -> Iterator[FeedPage]:
        """Every pending change, cut into pages of distinct SKUs; all SKUs if the rules moved."""
        ctx = self.ctx
        fingerprint = self.fingerprint
        with ctx.reading() as view:
            start = self.saved.seq
            changes = self._pending(view, start)
            newest = changes[-1][0] if changes else start
            # Never save a position past a gap in the feed that may still fill (PostgreSQL):
            # the changes after it are read again next run, which only recomputes them.
            safe = view.settled(start, newest, now=ctx.clock.now())
            full = self.saved.extra.get(FINGERPRINT) != fingerprint
            if full:
                self.planned = self._everything(view, safe)
            else:
                self.planned = self._incremental(view, changes, safe)
        self.extra[FINGERPRINT] = fingerprint
        if not self.planned and (ctx.cursor is None or newest != start or full):
            self.planned = [FeedPage([], safe)]  # nothing to push: the position still moves
        yield from self.planned

    def _everything(self, view: HubView, safe: int) -> list[FeedPage]:
        """Every SKU with hub stock (the rules changed); the position moves with the last page."""
        skus = sorted(view.all_skus(EntityKind.INVENTORY))
        chunks = [skus[i : i + self.sku_page] for i in range(0, len(skus), self.sku_page)]
        last = len(chunks) - 1
        return [FeedPage(chunk, safe if i == last else None) for i, chunk in enumerate(chunks)]

    def _pending(self, view: HubView, after_seq: int) -> list[tuple[int, str]]:
        """(seq, hub id) of every inventory change after `after_seq` not made by us, in order."""
        found: list[tuple[int, str]] = []
        position = after_seq
        while True:
            batch = view.changes(
                EntityKind.INVENTORY,
                position,
                exclude_integration=self.ctx.integration_id,
                limit=self.feed_batch,
            )
            found.extend((change.seq, change.hub_id) for change in batch)
            if len(batch) < self.feed_batch:
                return found
            position = batch[-1].seq

    def _incremental(
        self, view: HubView, changes: Sequence[tuple[int, str]], safe: int
    ) -> list[FeedPage]:
        """Changes in feed order, cut into pages of distinct SKUs; each page's position is the
        seq of its last change (at most `safe`). A SKU is planned once: its page pushes the
        hub's latest state. The SKUs of the changes are read a few hundred per query, without
        the records' documents."""
        skus = view.skus(EntityKind.INVENTORY, [h for _, h in changes])
        pages: list[FeedPage] = []
        current: list[str] = []
        planned: set[str] = set(self.ctx.retry_ext_ids)  # the kit's retry page has them
        last_seq: int | None = None
        for seq, hub_id in changes:
            sku = skus.get(hub_id)
            if sku is not None and sku not in planned:
                if len(current) >= self.sku_page and last_seq is not None:
                    pages.append(FeedPage(current, min(last_seq, safe)))
                    current = []
                planned.add(sku)
                current.append(sku)
            last_seq = seq
        if current or changes:
            # The last page ends at the last change (changes without a SKU only move it).
            pages.append(FeedPage(current, safe))
        return pages

    # -- a page: the hub side, then Cart.com -----------------------------------------------------

    def load(self, view: HubView, page: FeedPage, result: PageResult) -> list[_Job]:
        """Each SKU's quantity for Cart.com from the hub's records as they are now."""
        stock = view.records_with_skus(EntityKind.INVENTORY, page.keys)
        holders = view.sku_holders(EntityKind.PRODUCT, page.keys)
        mine = {None, self.ctx.integration_id}
        jobs: list[_Job] = []
        for sku in page.keys:
            records = (r.to_wire() for r in stock.get(sku, []))
            sources = holders.get(sku, set())
            quantity = cartcom_quantity(sku, records, self.counted, self.rules)
            jobs.append(_Job(sku, quantity, bool(sources) and not sources & mine))
        return jobs

    def write(self, target: _StockWriter, jobs: Sequence[_Job], result: PageResult) -> None:
        target.push(jobs, result)


class _StockWriter:
    """Cart.com's stock for a page's SKUs, and one absolute `set` per SKU that differs."""

    def __init__(self, flow: InventoryPush, client: CartcomClient) -> None:
        self.flow = flow
        self.client = client
        self.reader = _StockReader(client, page_size=flow.catalog_page)
        self._decided = False

    def push(self, jobs: Sequence[_Job], result: PageResult) -> None:
        ctx = self.flow.ctx
        if not self._decided:
            self.reader.full = self._read_in_full()
            self._decided = True
        index = self.reader.index_for([job.sku for job in jobs])
        for job in jobs:
            sku, quantity = job.sku, job.quantity
            raw = {"sku": sku, "quantity": quantity}
            try:
                row = index.lookup(sku)
            except MappingError as problem:
                if problem.exception_type == SKU_NOT_FOUND and job.elsewhere:
                    # Another store's or channel's product that this store does not sell: a
                    # store need not list every SKU the merchant stocks. Not an error.
                    result.passed.append(sku)
                    continue
                result.fail(sku, problem.exception_type, str(problem), raw)
                continue
            if row is None or row.quantity == quantity:
                result.ok(sku, Outcome.UNCHANGED)
                continue
            if ctx.dry_run:
                ctx.plan(
                    "set",
                    ENTITY_TYPE,
                    sku,
                    summary=f"{row.quantity} -> {quantity} ({row.describe()})",
                    data={"from": row.quantity, "to": quantity, **row.set_body(quantity)},
                )
                result.ok(sku, Outcome.UPDATED)
                continue
            try:
                self.client.post("inventory/set", row.set_body(quantity), idempotent=True)
            except NotFound as problem:
                result.fail(sku, SKU_NOT_FOUND, _gone(sku, row, problem), raw)
                continue
            except (ValidationFailed, BadRequest) as problem:
                message = f"Cart.com refused stock {quantity} for SKU {sku}: {problem}"
                result.fail(sku, REJECTED, message, raw)
                continue
            except Exception as problem:  # this SKU's write failed; the others go on
                ctx.failures.failed(sku, problem)  # raises if the store itself is down
                message = f"Setting stock {quantity} for SKU {sku} failed ({problem}); tried again"
                result.fail(sku, WRITE_FAILED, message, raw)
                continue
            ctx.failures.succeeded()
            index.update(row, quantity)
            result.ok(sku, Outcome.UPDATED)
        if self.reader.catalog_pages is not None:
            self.flow.extra[CATALOG_PAGES] = self.reader.catalog_pages

    def _read_in_full(self) -> bool:
        """Whether reading the whole catalog costs fewer calls than filtered reads."""
        flow = self.flow
        pages = [page.keys for page in flow.planned] + [list(flow.ctx.retry_ext_ids)]
        skus = [sku for keys in pages for sku in keys]
        if not all(filterable_sku(sku) for sku in skus):
            return True
        filtered_calls = 2 * sum(len(item_number_filters(keys)) for keys in pages if keys)
        catalog_pages = flow.saved.extra.get(CATALOG_PAGES)
        if not isinstance(catalog_pages, int):
            if filtered_calls <= flow.probe_above:
                return False
            catalog_pages = self.reader.measure_catalog()
        return filtered_calls > catalog_pages


class _StockReader:
    """Cart.com's current stock for the SKUs of a page: filtered per page, or read once in full."""

    def __init__(self, client: CartcomClient, *, page_size: int, full: bool = False) -> None:
        self.client = client
        self.full = full
        self.page_size = page_size
        self.catalog_pages: int | None = None
        """Calls the full read took, once it has run (kept in the cursor for the next plan)."""
        self._full_index: StockIndex | None = None

    def index_for(self, skus: Sequence[str]) -> StockIndex:
        if self.full:
            if self._full_index is None:
                self._full_index = self._read_all()
            return self._full_index
        index = StockIndex()
        for value in item_number_filters(list(skus)):
            index.add(self._rows("products", {"item_number": value, "fields": PRODUCT_FIELDS}))
            index.add(
                self._rows("variant_inventory", {"item_number": value, "fields": VARIANT_FIELDS})
            )
        return index

    def measure_catalog(self) -> int:
        """The calls a full read would take, from two one-row reads' `total_count`."""
        pages = 0
        for resource, params in (
            ("products", {"use_variant_inventory": "false"}),
            ("variant_inventory", {}),
        ):
            page = self.client.list_page(resource, {**params, "fields": "id", "count": "1"})
            total = page.total_count if page.total_count is not None else self.page_size
            pages += max(1, -(-total // self.page_size))
        self.catalog_pages = pages
        return pages

    def _read_all(self) -> StockIndex:
        before = self.client.calls
        index = StockIndex()
        index.add(
            self._rows("products", {"use_variant_inventory": "false", "fields": PRODUCT_FIELDS})
        )
        index.add(self._rows("variant_inventory", {"fields": VARIANT_FIELDS}))
        self.catalog_pages = self.client.calls - before
        return index

    def _rows(self, resource: str, params: Mapping[str, str]) -> Iterable[StockRow]:
        convert = stock_row_from_product if resource == "products" else stock_row_from_variant
        rows: list[StockRow] = []
        for raw in self.client.list_all(resource, params=params, page_size=self.page_size):
            try:
                row = convert(raw)
            except MappingError:
                continue  # an unreadable row cannot be matched; its SKU shows as not found
            if row is not None:
                rows.append(row)
        return rows


def _locations(view: HubView, rules: InventoryRules) -> tuple[frozenset[str], str]:
    """The counted locations, and the fingerprint of what decides the figures besides stock."""
    states = [(r.hub_id, r.data.get("status")) for r in view.all_records(EntityKind.LOCATION)]
    return counted_locations(rules, states), rules_fingerprint(
        rules, deciding_locations(rules, states)
    )


def _gone(sku: str, row: StockRow, problem: NotFound) -> str:
    return (
        f"SKU not found in Cart.com: {row.describe()} for SKU {sku} was read this run but is "
        f"gone ({problem})"
    )
