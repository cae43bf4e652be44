"""Load the seeded catalog, warehouses and store locations into their tables."""

from __future__ import annotations

import random
from typing import Any

from .catalog import Catalog
from .datastore import DataStore
from .seed_data import NOUNS, VARIANT_GROUPS
from .timefmt import grid_ms

__all__ = ["PRODUCT_STATUSES", "load_catalog"]

DAY_MS = 86_400_000
# id, name, is_unavailable, is_hidden, is_back_ordered
PRODUCT_STATUSES = (
    (1, "In Stock", False, False, False),
    (2, "Out of Stock", True, False, False),
    (3, "Back Ordered", False, False, True),
    (4, "Discontinued", True, True, False),
)
WAREHOUSES = (
    ("Main Warehouse", "1234 Calder Ave", "Beaumont", "TX", "77702", True),
    ("West Coast Fulfillment", "4500 Mill St", "Reno", "NV", "89502", False),
)
STORE_LOCATIONS = (
    ("Beaumont Showroom", "1234 Calder Ave", "Beaumont", 44, "77702", 30.0860, -94.1018),
    ("Houston Galleria", "5085 Westheimer Rd", "Houston", 44, "77056", 29.7390, -95.4631),
)


def load_catalog(store: DataStore, catalog: Catalog, start_ms: int) -> None:
    """Insert statuses, warehouses, locations, variant groups, products and their variants."""
    if "products" not in store.tables:
        return
    rng = random.Random(f"{store.seed}:catalog-times")
    old = start_ms - 400 * DAY_MS

    def stamp() -> int:
        return grid_ms(start_ms - rng.randint(DAY_MS, 300 * DAY_MS))

    for sid, name, unavailable, hidden, back in PRODUCT_STATUSES:
        store.insert(
            "product_statuses",
            {
                "name": name,
                "is_unavailable": unavailable,
                "is_hidden": hidden,
                "is_back_ordered": back,
                "created_at": old,
                "updated_at": old,
            },
            record_id=sid,
        )
    for name, line1, city, state, postal, default in WAREHOUSES:
        store.insert(
            "warehouses",
            {
                "name": name,
                "address_line_1": line1,
                "city": city,
                "state": state,
                "country": "United States",
                "postal_code": postal,
                "is_default": default,
                "email": f"{city.lower()}@sandbox-store.test",
                "created_at": old,
                "updated_at": old,
            },
        )
    for i, (name, line1, city, state_id, zip_code, lat, lon) in enumerate(STORE_LOCATIONS):
        store.insert(
            "store_locations",
            {
                "name": name,
                "address_1": line1,
                "city": city,
                "state_id": state_id,
                "zip_code": zip_code,
                "latitude": lat,
                "longitude": lon,
                "sort_order": i,
                "phone": "409-555-01%02d" % (10 + i),  # noqa: UP031
            },
        )
    for gid, (name, display, _values) in enumerate(VARIANT_GROUPS, start=1):
        store.insert(
            "variant_groups",
            {
                "name": name.upper(),
                "display_type": display,
                "sort_order": gid,
                "created_at": old,
                "updated_at": old,
            },
        )
    categories = {code: i for i, (_, code, _w) in enumerate(NOUNS, start=1)}
    for product in catalog.products:
        created = stamp()
        updated = grid_ms(created + rng.random() * (start_ms - created))
        code = product.sku.split("-")[0] if product.sku else ""
        values: dict[str, Any] = {
            "item_number": product.sku,
            "item_name": product.name,
            "short_description": product.short_description,
            "price": product.price,
            "cost": product.cost,
            "retail": round(product.price * 1.25, 2),
            "weight": product.weight,
            "gtin": product.gtin,
            "warehouse_id": product.warehouse_id,
            "quantity_on_hand": 0 if product.rows else product.quantity_on_hand,
            "use_variant_inventory": product.has_variants,
            "has_visible_variants": product.has_variants,
            "primary_category_id": categories.get(code, 1),
            "product_status_id": 1 if product.rows or product.quantity_on_hand else 2,
            "url_rewrite": "/" + product.name.replace(" ", "-").lower() + ".aspx",
            "created_at": None if rng.random() < 0.05 else created,
            "updated_at": updated,
            **product.extra,
        }
        row = store.insert("products", values, record_id=product.id)
        assert store.tables["products"].ids[row] == product.id
        for sort, (vid, gid, desc, ext, adj) in enumerate(product.variant_values):
            store.insert(
                "product_variants",
                {
                    "product_id": product.id,
                    "variant_group_id": gid,
                    "description": desc,
                    "price_adjustment": adj,
                    "price_adjustment_type": "+ dollars" if adj else "",
                    "sort_order": sort,
                    "item_number_extension": ext,
                    "created_at": created,
                    "updated_at": created,
                },
                record_id=vid,
            )
        for vrow in product.rows:
            store.insert(
                "variant_inventory",
                {
                    "product_id": product.id,
                    "inventory": vrow.inventory,
                    "item_number": (product.sku + vrow.extension) if product.sku else "",
                    "weight": product.weight,
                    "product_status_id": 1 if vrow.inventory else 2,
                    "gtin": vrow.gtin,
                    "retail": round(product.price * 1.25, 2),
                    "description": vrow.description,
                    "_variant_ids": vrow.variant_ids,
                    "created_at": created,
                    "updated_at": updated,
                },
                record_id=vrow.id,
            )
