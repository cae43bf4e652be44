"""inventory.push: hub stock changes -> Cart.com, one absolute `set` per SKU whose value differs.

Which SKUs: those whose hub inventory changed since the cursor, read from the change feed
without this integration's own changes, plus the SKUs of this flow's open exceptions, plus
every SKU with hub inventory when something else that decides the quantity changed (the
buffers, the location list, a location's status: `rules_fingerprint`). The first cursor is the
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

Open exceptions (SKUs that failed before) are tried again whenever the run has other SKUs to
push (they share its reads) and on `orderhub exceptions retry`; a run with nothing else to do
makes no call at all.

Writes are `POST /inventory/set {"product_id"|"variant_inventory_id": id, "quantity": q}`:
addressed by id (never ambiguous) and absolute, so repeating one is harmless; never add/remove.
The cursor (change-feed seq) moves only in the transaction that follows a page's writes, so a
crash anywhere re-runs the page: it re-reads Cart.com, finds the SKUs already set equal, and
writes only what is left. A SKU Cart.com does not know (or holds twice) becomes an exception
("SKU not found in Cart.com"); the run goes on. The exception is a SKU the hub knows only as
other integrations' product (another store of the merchant, another channel): a store need
not sell every SKU the merchant stocks, so that one is skipped without an exception (and an
older exception on it is resolved).

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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import BadRequest, NotFound, ValidationFailed
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.mapping import InventoryRules, MappingError, StockIndex, StockRow
from orderhub.connectors.cartcom.mapping.inventory import (
    SKU_NOT_FOUND,
    cartcom_quantity,
    counted_locations,
    filterable_sku,
    item_number_filters,
    parse_inventory_rules,
    rules_fingerprint,
    stock_row_from_product,
    stock_row_from_variant,
)
from orderhub.domain import FlowName
from orderhub.engine import FlowContext
from orderhub.store.feed import feed_position_at, settled_seq
from orderhub.store.records import EntityKind, changes_since, get_record, list_records

__all__ = ["InventoryPush"]

ENTITY_TYPE = EntityKind.INVENTORY.value
PRODUCT_FIELDS = "id,item_number,quantity_on_hand,use_variant_inventory,is_non_inventory"
VARIANT_FIELDS = "id,product_id,item_number,inventory"
REJECTED = "rejectedByCartcom"
WRITE_FAILED = "writeFailed"
_MANY = 1_000_000


@dataclass(frozen=True)
class _Cursor:
    seq: int
    fingerprint: str
    catalog_pages: int | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> _Cursor:
        pages = raw.get("catalogPages")
        return cls(
            seq=int(raw["seq"]),
            fingerprint=str(raw.get("fingerprint") or ""),
            catalog_pages=int(pages) if isinstance(pages, int) else None,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"seq": self.seq, "fingerprint": self.fingerprint}
        if self.catalog_pages is not None:
            data["catalogPages"] = self.catalog_pages
        return data


@dataclass
class _Page:
    skus: list[str]
    cursor: _Cursor | None
    """Saved with the page's outcome; None leaves the cursor where it is (mid full recompute)."""


@dataclass
class _Plan:
    start: _Cursor
    end: _Cursor
    counted: frozenset[str]
    full: bool
    pages: list[_Page] = field(default_factory=list)

    @property
    def skus(self) -> list[str]:
        return [sku for page in self.pages for sku in page.skus]


@dataclass
class _Outcome:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_sold: list[str] = field(default_factory=list)
    """Other integrations' products, which this store does not list."""
    failed: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)


class InventoryPush:
    name = FlowName.INVENTORY_PUSH
    supports_dry_run = True
    sku_page = 250
    """SKUs per page: the cursor moves after each page's writes."""
    catalog_page = 250
    """Rows per call of a full read (the sandbox's and, we assume, Cart.com's largest page)."""
    probe_above = 4
    """Filtered reads costing more calls than this, with the catalog's size unknown, first ask
    Cart.com how big the catalog is (2 calls, remembered in the cursor) to choose."""
    feed_batch = 1000
    feed_grace = timedelta(seconds=60)
    """How long a gap in the change feed may be a transaction still in flight (`settled_seq`)."""

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx
        self._maybe_open: set[str] = set(ctx.retry_ext_ids) | ctx.open_ext_ids

    @classmethod
    def from_context(cls, ctx: FlowContext) -> InventoryPush:
        return cls(ctx)

    def run(self, ctx: FlowContext) -> None:
        rules = parse_inventory_rules(ctx.integration.settings)
        plan = self._plan(rules)
        if not plan.pages:
            if ctx.cursor is None or plan.end != plan.start:
                with ctx.unit_of_work() as session:
                    ctx.save_cursor(session, plan.end.to_json())
            return
        with cartcom_client_for(ctx) as client:
            reader = _StockReader(client, page_size=self.catalog_page)
            reader.full = self._read_in_full(plan, reader)
            for page in plan.pages:
                index = reader.index_for(page.skus)
                wanted = self._quantities(page.skus, rules, plan.counted)
                outcome = self._push(client, index, wanted)
                cursor = page.cursor
                if cursor is not None and reader.catalog_pages is not None:
                    cursor = replace(cursor, catalog_pages=reader.catalog_pages)
                self._settle(outcome, cursor)
                ctx.heartbeat()
                if ctx.should_stop():
                    break

    # -- planning (hub side only) ------------------------------------------------------------

    def _plan(self, rules: InventoryRules) -> _Plan:
        ctx = self.ctx
        with ctx.db.read_session() as session:
            locations = list_records(session, EntityKind.LOCATION, limit=_MANY)
            counted = counted_locations(
                rules, ((r.hub_id, r.data.get("status")) for r in locations)
            )
            fingerprint = rules_fingerprint(rules, counted)
            start = self._start(session, fingerprint)
            changes = self._pending_changes(session, start.seq)
            newest = changes[-1][0] if changes else start.seq
            # Never save a position past a gap in the feed that may still fill (PostgreSQL):
            # the changes after it are read again next run, which only recomputes them.
            safe = settled_seq(
                session, start.seq, newest, now=ctx.clock.now(), grace=self.feed_grace
            )
            end = _Cursor(newest, fingerprint, start.catalog_pages)
            plan = _Plan(start, end, counted, full=start.fingerprint != fingerprint)
            # Open exceptions ride along when there is something to push anyway (they share
            # its filtered reads) or when retried on purpose; an idle run costs no call.
            retry = list(dict.fromkeys(ctx.retry_ext_ids))
            if not changes and ctx.trigger != "retry":
                retry = []
            if plan.full:
                everything = sorted(set(_all_skus(session)) | set(retry))
                chunks = _chunks(everything, self.sku_page)
                plan.pages = [
                    _Page(chunk, end if i == len(chunks) - 1 else None)
                    for i, chunk in enumerate(chunks)
                ]
            else:
                plan.pages = self._incremental_pages(session, changes, retry, end)
            for page in plan.pages:
                if page.cursor is not None and page.cursor.seq > safe:
                    page.cursor = replace(page.cursor, seq=safe)
        ctx.counts.fetched += len(plan.skus)
        return plan

    def _start(self, session: Session, fingerprint: str) -> _Cursor:
        ctx = self.ctx
        if ctx.cursor:
            return _Cursor.from_json(ctx.cursor)
        if ctx.start_from is None:
            raise RuntimeError("the integration has no enabled-at time; connect it first")
        # The rules as they are now are the baseline: a first run pushes changes, not everything.
        return _Cursor(feed_position_at(session, EntityKind.INVENTORY, ctx.start_from), fingerprint)

    def _pending_changes(self, session: Session, after_seq: int) -> list[tuple[int, str]]:
        """(seq, hub id) of every inventory change after `after_seq` not made by us, in order."""
        found: list[tuple[int, str]] = []
        position = after_seq
        while True:
            batch = changes_since(
                session,
                EntityKind.INVENTORY,
                position,
                exclude_integration=self.ctx.integration_id,
                limit=self.feed_batch,
            )
            found.extend((change.seq, change.hub_id) for change in batch)
            if len(batch) < self.feed_batch:
                return found
            position = batch[-1].seq

    def _incremental_pages(
        self,
        session: Session,
        changes: Sequence[tuple[int, str]],
        retry: Sequence[str],
        end: _Cursor,
    ) -> list[_Page]:
        """Changes in feed order, cut into pages of distinct SKUs; each page's cursor is the
        seq of its last change. A SKU is planned once: its page pushes the hub's latest state."""
        sku_of: dict[str, str | None] = {}
        planned: set[str] = set()
        pages: list[_Page] = []
        current: list[str] = []
        for retried in retry:
            if retried not in planned:
                planned.add(retried)
                current.append(retried)
        last_seq: int | None = None
        for seq, hub_id in changes:
            if hub_id not in sku_of:
                record = get_record(session, EntityKind.INVENTORY, hub_id)
                value = record.data.get("sku") if record is not None else None
                sku_of[hub_id] = value if isinstance(value, str) and value else None
            sku = sku_of[hub_id]
            if sku is not None and sku not in planned:
                if len(current) >= self.sku_page and last_seq is not None:
                    pages.append(_Page(current, replace(end, seq=last_seq)))
                    current = []
                planned.add(sku)
                current.append(sku)
            last_seq = seq
        if current or changes:
            # The last page ends at the last change (changes without a SKU only move the cursor).
            pages.append(_Page(current, end))
        return pages

    def _read_in_full(self, plan: _Plan, reader: _StockReader) -> bool:
        """Whether reading the whole catalog costs fewer calls than filtered reads."""
        skus = plan.skus
        if not all(filterable_sku(sku) for sku in skus):
            return True
        filtered_calls = 2 * sum(len(item_number_filters(page.skus)) for page in plan.pages)
        catalog_pages = plan.start.catalog_pages
        if catalog_pages is None:
            if filtered_calls <= self.probe_above:
                return False
            catalog_pages = reader.measure_catalog()
        return filtered_calls > catalog_pages

    def _quantities(
        self, skus: Sequence[str], rules: InventoryRules, counted: frozenset[str]
    ) -> dict[str, int]:
        """Each SKU's quantity for Cart.com from the hub's records as they are now."""
        with self.ctx.db.read_session() as session:
            return {
                sku: cartcom_quantity(
                    sku,
                    (
                        r.to_wire()
                        for r in list_records(session, EntityKind.INVENTORY, sku=sku, limit=_MANY)
                    ),
                    counted,
                    rules,
                )
                for sku in skus
            }

    def _only_elsewhere(self, sku: str) -> bool:
        """Whether the hub knows `sku` only as other integrations' product (another store's or
        channel's). Asked only of SKUs Cart.com lacks, so a normal page costs no query."""
        with self.ctx.db.read_session() as session:
            products = list_records(session, EntityKind.PRODUCT, sku=sku, limit=_MANY)
        sources = {r.integration_id for r in products}
        return bool(sources) and not sources & {None, self.ctx.integration_id}

    # -- writing (Cart.com, then the hub) ---------------------------------------------------

    def _push(
        self, client: CartcomClient, index: StockIndex, wanted: Mapping[str, int]
    ) -> _Outcome:
        ctx = self.ctx
        outcome = _Outcome()
        for sku, quantity in wanted.items():
            raw = {"sku": sku, "quantity": quantity}
            try:
                row = index.lookup(sku)
            except MappingError as problem:
                if problem.exception_type == SKU_NOT_FOUND and self._only_elsewhere(sku):
                    # Another store's or channel's product that this store does not sell: a
                    # store need not list every SKU the merchant stocks. Not an error.
                    outcome.not_sold.append(sku)
                    continue
                outcome.failed.append((sku, problem.exception_type, str(problem), raw))
                continue
            if row is None or row.quantity == quantity:
                outcome.unchanged.append(sku)
                continue
            if ctx.dry_run:
                ctx.plan(
                    "set",
                    ENTITY_TYPE,
                    sku,
                    summary=f"{row.quantity} -> {quantity} ({row.describe()})",
                    data={"from": row.quantity, "to": quantity, **row.set_body(quantity)},
                )
                outcome.written.append(sku)
                continue
            try:
                client.post("inventory/set", row.set_body(quantity), idempotent=True)
            except NotFound as problem:
                outcome.failed.append((sku, SKU_NOT_FOUND, _gone(sku, row, problem), raw))
                continue
            except (ValidationFailed, BadRequest) as problem:
                message = f"Cart.com refused stock {quantity} for SKU {sku}: {problem}"
                outcome.failed.append((sku, REJECTED, message, raw))
                continue
            except Exception as problem:  # this SKU's write failed; the others go on
                ctx.failures.failed(sku, problem)  # raises if the store itself is down
                message = f"Setting stock {quantity} for SKU {sku} failed ({problem}); tried again"
                outcome.failed.append((sku, WRITE_FAILED, message, raw))
                continue
            ctx.failures.succeeded()
            index.update(row, quantity)
            outcome.written.append(sku)
        return outcome

    def _settle(self, outcome: _Outcome, cursor: _Cursor | None) -> None:
        """Record the page in the hub: exceptions, resolutions, counts and the cursor together."""
        ctx = self.ctx
        with ctx.unit_of_work() as session:
            for sku, exception_type, message, raw in outcome.failed:
                if ctx.dry_run:
                    ctx.plan("fail", ENTITY_TYPE, sku, summary=message)
                ctx.fail_record(
                    session,
                    entity_type=ENTITY_TYPE,
                    ext_id=sku,
                    exception_type=exception_type,
                    message=message,
                    raw=raw,
                )
                self._maybe_open.add(sku)
            for sku in (*outcome.written, *outcome.unchanged, *outcome.not_sold):
                if sku in self._maybe_open:
                    ctx.resolve_record(session, entity_type=ENTITY_TYPE, ext_id=sku)
                    self._maybe_open.discard(sku)
            ctx.counts.updated += len(outcome.written)
            ctx.counts.unchanged += len(outcome.unchanged)
            if cursor is not None:
                ctx.save_cursor(session, cursor.to_json())
        ctx.progress(
            fetched=ctx.counts.fetched,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )


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


def _all_skus(session: Session) -> list[str]:
    skus = {
        record.data.get("sku")
        for record in list_records(session, EntityKind.INVENTORY, limit=_MANY, newest_first=False)
    }
    return [sku for sku in skus if isinstance(sku, str) and sku]


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]


def _gone(sku: str, row: StockRow, problem: NotFound) -> str:
    return (
        f"SKU not found in Cart.com: {row.describe()} for SKU {sku} was read this run but is "
        f"gone ({problem})"
    )
