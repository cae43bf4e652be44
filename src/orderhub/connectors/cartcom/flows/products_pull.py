"""products.pull: Cart.com products updated since the cursor -> hub products (SKUs).

Three reads, each resumable, all positions in one cursor JSON committed with the records they
cover (as orders.pull does):

1. Products by `updated_at` keyset, 100 per call, with `variants`, `variant_inventory`,
   `categories` and `pictures` expanded: a product becomes a simple SKU or a parent plus one
   child per variant inventory row (`mapping/products.py`).
2. Variant inventory rows by their own `updated_at` keyset (ids only, 250 per call): a row can
   change without its product's `updated_at` moving (API-NOTES §14), so the products of rows
   that changed, and that step 1 did not just read, are fetched again by `select_many`.
3. Every `productsSweepHours` (integration setting, default 24; 0 turns it off) a full id
   sweep of products and variant rows (`fields=id`, keyset by id, 250 per call): Cart.com
   exposes no deletions, so a hub SKU whose product or row is gone turns `inactive`. The first
   run only starts the clock (the hub holds nothing older yet); SKUs the hub wrote in the last
   ten minutes are left alone (a product just created may not be listed yet), and a sweep that
   lists no product at all is taken for a bad answer and marks nothing.

Per run, `product_statuses` and `variant_groups` are read once (two calls). So 100 products cost
about one call plus a share of the row walk; a quiet store costs four calls.

A product that cannot be mapped (no item number, unknown status, a malformed field) becomes an
exception keyed by its Cart.com id and is fetched again on the next run; the others go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from orderhub.connectors.cartcom.client import API_PATH, CartcomClient
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.mapping import CatalogBook, MappingError, map_product
from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.connectors.cartcom.pagination import KeysetPaginator, UpdatedCursor
from orderhub.connectors.cartcom.timestamps import parse_cartcom_time
from orderhub.domain import FlowName
from orderhub.domain.product import Product
from orderhub.engine import FlowContext
from orderhub.errors import UsageError
from orderhub.store.records import EntityKind, list_records

__all__ = [
    "ENTITY_TYPE",
    "PRODUCT_EXPAND",
    "ProductsPull",
    "PullCursor",
    "family_records",
    "load_catalog_book",
    "store_origin",
]

PRODUCT_EXPAND = "variants,variant_inventory,categories,pictures"
ENTITY_TYPE = "product"
SWEEP_SETTING = "productsSweepHours"
DEFAULT_SWEEP_HOURS = 24.0


@dataclass(frozen=True)
class PullCursor:
    """Where each of the three reads stands; saved as one JSON object."""

    products: UpdatedCursor
    variant_inventory: UpdatedCursor
    swept_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "products": self.products.to_json(),
            "variantInventory": self.variant_inventory.to_json(),
            "sweptAt": self.swept_at.isoformat() if self.swept_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PullCursor:
        products = UpdatedCursor.from_json(data["products"])
        rows = data.get("variantInventory")
        return cls(
            products,
            UpdatedCursor.from_json(rows) if isinstance(rows, Mapping) else products,
            parse_cartcom_time(data.get("sweptAt")),
        )


class ProductsPull:
    name = FlowName.PRODUCTS_PULL
    page_size = 100
    row_page_size = 250
    sweep_page_size = 250
    select_chunk = 100
    # Re-read this much before each cursor: a write can reach the lists a little after its
    # updated_at, and an unchanged re-read costs no database write.
    overlap = timedelta(seconds=60)
    sweep_grace = timedelta(minutes=10)

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx
        self.sweep_hours = _sweep_hours(ctx.integration.settings)
        self._read: set[str] = set()  # Cart.com ids of the products this run has read

    @classmethod
    def from_context(cls, ctx: FlowContext) -> ProductsPull:
        return cls(ctx)

    def run(self, ctx: FlowContext) -> None:
        with cartcom_client_for(ctx) as client:
            book = load_catalog_book(client, store_origin(client))
            state = self._start()
            if state.swept_at is None:
                state = replace(state, swept_at=ctx.started_at)  # nothing older to sweep yet
            if ctx.retry_ext_ids:
                self._retry_failed(client, book, ctx.retry_ext_ids)
            state = self._walk_products(client, book, state)
            if not ctx.stopped_early:
                state = self._walk_rows(client, book, state)
            if not ctx.stopped_early and self._sweep_due(state):
                self._sweep(client, state)

    def _start(self) -> PullCursor:
        if self.ctx.cursor:
            return PullCursor.from_json(self.ctx.cursor)
        if self.ctx.start_from is None:
            raise RuntimeError("the integration has no enabled-at time; connect it first")
        start = UpdatedCursor(self.ctx.start_from, 0)
        return PullCursor(start, start, None)

    def _paginator(self, start: UpdatedCursor, page_size: int) -> KeysetPaginator:
        return KeysetPaginator(
            start, page_size=page_size, overlap=self.overlap, until=self.ctx.started_at
        )

    def _walk_products(
        self, client: CartcomClient, book: CatalogBook, state: PullCursor
    ) -> PullCursor:
        paginator = self._paginator(state.products, self.page_size)
        pages = client.iter_updated("products", paginator, params={"expand": PRODUCT_EXPAND})
        for products in pages:
            state = replace(state, products=paginator.position)
            self._store(book, products, cursor=state)
            if self._page_done():
                break
        return state

    def _walk_rows(self, client: CartcomClient, book: CatalogBook, state: PullCursor) -> PullCursor:
        paginator = self._paginator(state.variant_inventory, self.row_page_size)
        pages = client.iter_updated(
            "variant_inventory", paginator, params={"fields": "id,product_id,updated_at"}
        )
        for rows in pages:
            state = replace(state, variant_inventory=paginator.position)
            wanted = {plain_id(row.get("product_id")) or 0 for row in rows}
            products = client.select_many(
                "products",
                sorted(i for i in wanted if i and str(i) not in self._read),
                params={"expand": PRODUCT_EXPAND},
                chunk_size=self.select_chunk,
            )
            self._store(book, products, cursor=state)
            if self._page_done():
                break
        return state

    def _page_done(self) -> bool:
        self.ctx.heartbeat()
        return self.ctx.should_stop()

    def _retry_failed(
        self, client: CartcomClient, book: CatalogBook, ext_ids: Sequence[str]
    ) -> None:
        ids = [int(ext_id) for ext_id in ext_ids if ext_id.isdigit()]
        products = client.select_many(
            "products", ids, params={"expand": PRODUCT_EXPAND}, chunk_size=self.select_chunk
        )
        self._store(book, products, cursor=None)
        found = {str(p.get("id")) for p in products}
        with self.ctx.unit_of_work() as session:
            for ext_id in ext_ids:
                if ext_id not in found:  # deleted in Cart.com since: nothing left to fix
                    self.ctx.resolve_record(session, entity_type=ENTITY_TYPE, ext_id=ext_id)

    def _store(
        self,
        book: CatalogBook,
        products: Sequence[Mapping[str, Any]],
        *,
        cursor: PullCursor | None,
    ) -> None:
        ctx = self.ctx
        ctx.counts.fetched += len(products)
        with ctx.unit_of_work() as session:
            for raw in products:
                ext_id = str(raw.get("id"))
                first_read = ext_id not in self._read
                self._read.add(ext_id)
                try:
                    family = map_product(raw, book)
                except MappingError as problem:
                    if not first_read:
                        continue  # failed already in this run (the row walk read it again)
                    ctx.fail_record(
                        session,
                        entity_type=ENTITY_TYPE,
                        ext_id=ext_id,
                        exception_type=problem.exception_type,
                        message=str(problem),
                        raw=dict(raw),
                    )
                    continue
                for record_ext_id, data, source_doc in family_records(raw, family):
                    ctx.upsert(
                        session,
                        EntityKind.PRODUCT,
                        ext_id=record_ext_id,
                        data=data,
                        source_doc=source_doc,
                        entity_type=ENTITY_TYPE,
                    )
            if cursor is not None:
                ctx.save_cursor(session, cursor.to_json())
        ctx.progress(
            fetched=ctx.counts.fetched,
            created=ctx.counts.created,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )

    # --- the deletion sweep ---------------------------------------------------------------

    def _sweep_due(self, state: PullCursor) -> bool:
        if self.sweep_hours <= 0 or state.swept_at is None:
            return False
        return self.ctx.started_at - state.swept_at >= timedelta(hours=self.sweep_hours)

    def _sweep(self, client: CartcomClient, state: PullCursor) -> None:
        ctx = self.ctx
        product_ids = self._all_ids(client, "products")
        row_ids = self._all_ids(client, "variant_inventory")
        recent = ctx.started_at - self.sweep_grace
        with ctx.unit_of_work() as session:
            if product_ids:
                for record in _held_products(session, ctx.integration_id):
                    data = record.data
                    if data.get("status") == "inactive" or record.updated_at > recent:
                        continue
                    if _gone(record.ext_id, product_ids, row_ids):
                        ctx.upsert(
                            session,
                            EntityKind.PRODUCT,
                            ext_id=record.ext_id,
                            data={**data, "status": "inactive"},
                            source_doc=record.source_doc,
                            entity_type=ENTITY_TYPE,
                        )
            ctx.save_cursor(session, replace(state, swept_at=ctx.started_at).to_json())

    def _all_ids(self, client: CartcomClient, resource: str) -> set[int]:
        """Every id of a resource, walked by id keyset (page numbers skip under deletions)."""
        ids: set[int] = set()
        last = 0
        while True:
            page = client.list_page(
                resource,
                {
                    "fields": "id",
                    "sort": "id",
                    "count": str(self.sweep_page_size),
                    "id": f"gt:{last}",
                },
            )
            fresh = [i for r in page.records if (i := plain_id(r.get("id"))) is not None]
            if not fresh or max(fresh) <= last:
                return ids
            ids.update(fresh)
            last = max(fresh)
            if page.total_count is not None and page.total_count <= len(page.records):
                return ids
            self.ctx.heartbeat()


def load_catalog_book(client: CartcomClient, origin: str) -> CatalogBook:
    """The store's product statuses and option groups: two calls, read once per run."""
    return CatalogBook.from_records(
        client.list_all("product_statuses"), client.list_all("variant_groups"), store_url=origin
    )


def store_origin(client: CartcomClient) -> str:
    """`https://shop.example.com` from the client's `…/api/v1/` base URL."""
    base = client.base_url
    return base[: -len(API_PATH)] if base.endswith(API_PATH) else base.rstrip("/")


def family_records(
    raw: Mapping[str, Any], family: Iterable[Product]
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(ext id, wire data, source document) of each SKU mapped from one Cart.com product."""
    rows = {plain_id(r.get("id")): r for r in raw.get("variant_inventory") or [] if _is_map(r)}
    out: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for product in family:
        ext_id = product.ext_product_id or ""
        if product.parent_ext_product_id is None:
            source: dict[str, Any] = {"product": dict(raw)}
        else:
            row_id = int(ext_id.rsplit("-", 1)[1])
            source = {"variant_inventory": dict(rows.get(row_id) or {}), "product_id": raw["id"]}
        out.append((ext_id, product.to_wire(), source))
    return out


def _is_map(value: object) -> bool:
    return isinstance(value, Mapping)


def _held_products(session: Session, integration_id: str) -> list[Any]:
    return list_records(
        session, EntityKind.PRODUCT, integration_id=integration_id, limit=10_000_000
    )


def _gone(ext_id: str, product_ids: set[int], row_ids: set[int]) -> bool:
    product, _, row = ext_id.partition("-")
    if not product.isdigit():
        return False
    if int(product) not in product_ids:
        return True
    return bool(row) and row.isdigit() and int(row) not in row_ids


def _sweep_hours(settings: Mapping[str, Any]) -> float:
    value = settings.get(SWEEP_SETTING, DEFAULT_SWEEP_HOURS)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise UsageError(
            f"The integration setting {SWEEP_SETTING} must be a number of hours (0 turns the "
            f"deletion sweep off), not {value!r}"
        )
    return float(value)
