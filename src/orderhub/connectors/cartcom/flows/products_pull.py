"""products.pull: Cart.com products updated since the cursor -> hub products (SKUs).

Two streams, each resumable, both positions in one cursor committed with the records they cover:

1. Products by `updated_at` keyset, 100 per call, with `variants`, `variant_inventory`,
   `categories` and `pictures` expanded: a product becomes a simple SKU or a parent plus one
   child per variant inventory row (`mapping/products.py`).
2. Variant inventory rows by their own `updated_at` keyset (ids only, 250 per call): a row can
   change without its product's `updated_at` moving (API-NOTES §14), so the products of rows
   that changed, and that step 1 did not just read, are fetched again by `select_many`.

Then, every `productsSweepHours` (integration setting, default 24; 0 turns it off), a full id
sweep of products and variant rows (`fields=id`, keyset by id, 250 per call): Cart.com exposes
no deletions, so a hub SKU whose product or row is gone turns `inactive`. The first run only
starts the clock (the hub holds nothing older yet); SKUs the hub wrote in the last ten minutes
are left alone (a product just created may not be listed yet), and a sweep that lists no
product at all is taken for a bad answer and marks nothing.

Per run, `product_statuses` and `variant_groups` are read once (two calls). So 100 products cost
about one call plus a share of the row walk; a quiet store costs four calls. The engine's pull
kit does the paging, the cursor, retries and the rule that one bad product never blocks the
others (an exception keyed by its Cart.com id, fetched again on a later run).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.flows.pull_source import CartcomPull, CartcomSource
from orderhub.connectors.cartcom.mapping import CatalogBook, map_product
from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.connectors.cartcom.store_url import store_key
from orderhub.domain import FlowName
from orderhub.domain.product import Product
from orderhub.engine import EntityKind, FlowContext, PullCursor
from orderhub.engine.pull_source import PulledRecord, Stream
from orderhub.errors import UsageError

__all__ = [
    "ENTITY_TYPE",
    "PRODUCT_EXPAND",
    "ProductsPull",
    "family_records",
    "load_catalog_book",
]

PRODUCT_EXPAND = "variants,variant_inventory,categories,pictures"
ENTITY_TYPE = "product"
SWEEP_SETTING = "productsSweepHours"
DEFAULT_SWEEP_HOURS = 24.0
SWEPT = "swept"
"""The cursor's mark: when the last deletion sweep ran."""


def _row_products(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(pid) for row in rows if (pid := plain_id(row.get("product_id"))) is not None]


class ProductsPull(CartcomPull):
    name = FlowName.PRODUCTS_PULL
    entity = EntityKind.PRODUCT
    entity_type = ENTITY_TYPE
    streams = (
        Stream("products", "products", page_size=100, params={"expand": PRODUCT_EXPAND}),
        Stream(
            "variant_inventory",
            "variant_inventory",
            page_size=250,
            params={"fields": "id,product_id,updated_at"},
            leads_to=_row_products,
        ),
    )
    fetch_params: ClassVar[Mapping[str, str]] = {"expand": PRODUCT_EXPAND}
    sweep_page_size = 250
    sweep_grace = timedelta(minutes=10)

    book: CatalogBook

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self.sweep_hours = _sweep_hours(ctx.integration.settings)

    def prepare(self, source: CartcomSource) -> None:
        client = source.client
        self.book = self.ctx.reference.get(
            ("catalog_book", client.base_url),
            lambda: load_catalog_book(client, store_key(client.base_url)),
        )

    def records(self, raw: Mapping[str, Any], enrichment: Any) -> list[PulledRecord]:
        family = map_product(raw, self.book)
        return [PulledRecord(*record) for record in family_records(raw, family)]

    # --- the deletion sweep ---------------------------------------------------------------

    def finish(self, source: CartcomSource, cursor: PullCursor) -> PullCursor:
        ctx = self.ctx
        swept = cursor.marks.get(SWEPT)
        if swept is None:  # the first run only starts the clock: the hub holds nothing older
            return cursor.marked(SWEPT, ctx.started_at)
        due = self.sweep_hours > 0 and ctx.started_at - swept >= timedelta(hours=self.sweep_hours)
        if not due:
            return cursor
        product_ids = self._all_ids(source.client, "products")
        row_ids = self._all_ids(source.client, "variant_inventory")
        recent = ctx.started_at - self.sweep_grace
        done = cursor.marked(SWEPT, ctx.started_at)
        with ctx.unit_of_work() as session:
            if product_ids:  # a sweep that lists nothing is a bad answer: mark nothing
                for record in ctx.view(session).held_by(EntityKind.PRODUCT, ctx.integration_id):
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
            self.save_cursor(session, done)
        return done

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
