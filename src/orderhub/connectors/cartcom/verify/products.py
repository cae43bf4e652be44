"""products.pull's check: every Cart.com product and variant row of the window is a hub SKU.

products.pull turns a Cart.com product into a hub record keyed by the product id (`15`) and,
when it has variant inventory rows, one more per row (`15-19`); the pull also follows rows on
their own `updated_at`, as a row can change without its product moving. So the check lists
both, cheaply:

- `GET /products?fields=id,item_number,updated_at` → a hub record `<id>` must exist;
- `GET /variant_inventory?fields=id,product_id,item_number,updated_at` → `<product>-<row>`.

Stale is not told by time alone. The hub keeps the Cart.com document a record was built from
(`source_doc`), but an upsert that changes nothing keeps the older document: a product whose
`updated_at` moved for a field the hub does not map (its stock, after every sale) still shows
the old time. And nested rows may carry no `updated_at` at all (API-NOTES §14). So a record
whose kept time is older than the store's is only a candidate: the candidates' products are
fetched whole (`select_many`, 100 a call, plus the store's statuses and option groups) and
mapped exactly as the pull maps them, and a SKU is stale only if that mapping differs from what
the hub holds. A quiet catalog has no candidates and costs the two listings alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.flows.products_pull import (
    PRODUCT_EXPAND,
    family_records,
    load_catalog_book,
)
from orderhub.connectors.cartcom.mapping import MappingError, map_product
from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.connectors.cartcom.store_url import store_key
from orderhub.connectors.cartcom.timestamps import parse_cartcom_time
from orderhub.connectors.cartcom.verify.listing import Listed, walk_listing
from orderhub.connectors.completeness import (
    CheckWindow,
    FlowCheck,
    Gap,
    GapKind,
    HubHoldings,
)
from orderhub.store.entities import EntityKind
from orderhub.store.record_versions import HeldVersion
from orderhub.store.records import record_hash

__all__ = ["PRODUCT_FIELDS", "ROW_FIELDS", "check_products"]

PRODUCT_FIELDS = "id,item_number,updated_at"
ROW_FIELDS = "id,product_id,item_number,updated_at"
_PRODUCT_TIME = (("product", "updated_at"),)
_ROW_TIME = (("variant_inventory", "updated_at"),)
_ENTITY = EntityKind.PRODUCT.value
_SELECT_CHUNK = 100

# A candidate: (hub record ext id, label, the store's time, the kept time) per product id.
_Candidate = tuple[str, str, datetime, datetime | None]


def check_products(client: CartcomClient, hub: HubHoldings, window: CheckWindow) -> FlowCheck:
    """Compare the store's products and variant rows of the window with the hub's SKUs."""
    result = FlowCheck()
    candidates: dict[int, list[_Candidate]] = {}
    for page in walk_listing(client, "products", fields=PRODUCT_FIELDS, window=window):
        held = hub.versions(
            EntityKind.PRODUCT, [str(p.id) for p in page], source_time_paths=_PRODUCT_TIME
        )
        for product in page:
            result.checked += 1
            _compare(result, candidates, product.id, str(product.id), product, held)
    for page in walk_listing(client, "variant_inventory", fields=ROW_FIELDS, window=window):
        owners = {row.id: plain_id(row.raw.get("product_id")) for row in page}
        records = {row.id: f"{owners[row.id]}-{row.id}" for row in page if owners[row.id]}
        held = hub.versions(EntityKind.PRODUCT, list(records.values()), source_time_paths=_ROW_TIME)
        for row in page:
            owner = owners[row.id]
            if owner is None:
                continue  # a row of no product cannot become a SKU; the pull skips it too
            result.checked += 1
            _compare(result, candidates, owner, records[row.id], row, held)
    if candidates:
        _confirm(client, hub, candidates, result)
    return result


def _compare(
    result: FlowCheck,
    candidates: dict[int, list[_Candidate]],
    product_id: int,
    record: str,
    listed: Listed,
    held: Mapping[str, HeldVersion],
) -> None:
    label = _sku_label(listed.raw.get("item_number"), record)
    copy = held.get(record)
    if copy is None:
        result.add(_gap("missing", product_id, record, label, seen_at=listed.updated_at))
        return
    kept = _time(copy.source_updated_at)
    if kept is None or kept < listed.updated_at:
        candidates.setdefault(product_id, []).append((record, label, listed.updated_at, kept))


def _confirm(
    client: CartcomClient,
    hub: HubHoldings,
    candidates: dict[int, list[_Candidate]],
    result: FlowCheck,
) -> None:
    """Fetch the candidates' products whole and keep as stale the SKUs that map differently."""
    book = load_catalog_book(client, store_key(client.base_url))
    products = client.select_many(
        "products", sorted(candidates), params={"expand": PRODUCT_EXPAND}, chunk_size=_SELECT_CHUNK
    )
    for raw in products:
        product_id = plain_id(raw.get("id"))
        if product_id is None or product_id not in candidates:
            continue
        seen: dict[str, tuple[str, datetime | None, datetime | None]] = {
            record: (label, at, kept) for record, label, at, kept in candidates[product_id]
        }
        try:
            family = family_records(raw, map_product(raw, book))
        except MappingError as problem:
            # The pull will fail it the same way and keep it as an exception.
            for record, (label, at, kept) in seen.items():
                note = f"cannot be read: {problem}"
                result.add(_gap("stale", product_id, record, label, at, kept, note))
            continue
        held = hub.versions(EntityKind.PRODUCT, [ext_id for ext_id, _data, _source in family])
        for ext_id, data, _source in family:
            label, at, kept = seen.get(ext_id, (_sku_label(data.get("sku"), ext_id), None, None))
            copy = held.get(ext_id)
            if copy is None:
                result.add(_gap("missing", product_id, ext_id, label, seen_at=at))
            elif copy.content_hash != record_hash(EntityKind.PRODUCT, data):
                result.add(_gap("stale", product_id, ext_id, label, at, kept))
    # A candidate Cart.com no longer returns was deleted meanwhile: the deletion sweep's work.


def _gap(
    kind: GapKind,
    product_id: int,
    record: str,
    label: str,
    seen_at: datetime | None = None,
    held_at: datetime | None = None,
    note: str = "",
) -> Gap:
    return Gap(
        kind=kind,
        entity_type=_ENTITY,
        ext_id=str(product_id),
        record=record,
        label=label,
        seen_at=seen_at,
        held_at=held_at,
        note=note,
    )


def _sku_label(item_number: object, record: str) -> str:
    sku = str(item_number).strip() if isinstance(item_number, str | int) else ""
    return f"SKU {sku}" if sku else f"product {record} (no SKU)"


def _time(text: str | None) -> datetime | None:
    try:
        return parse_cartcom_time(text)
    except (TypeError, ValueError):
        return None
