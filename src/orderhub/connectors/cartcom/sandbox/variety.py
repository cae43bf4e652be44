"""Seeded variety (`SandboxConfig(variety=True)`, `orderhub sandbox --variety`): the merchant-
specific shapes a plain store never shows, so the flows meet them in tests.

Off by default, so every existing seed keeps its counts; on, it adds after the plain seed
(from its own RNG stream, deterministic by seed):

- products: a gift certificate and an extended warranty (`is_non_inventory`, sold as
  non-shipping lines), a hidden product (`is_hidden` 1), a discontinued one (`is_discontinued`,
  status "Discontinued"), a back-ordered one (status "Back Ordered"), and a kit (`is_kit`) whose
  two parts are products of their own (`is_child_product`);
- open orders (nothing shipped yet) get, in turn and then at random: a kit (the kit's line and
  one line per part, `parent_order_item_id` and `is_quantity_bound_to_parent`, price 0), a gift
  certificate line (non-shipping, not taxable), a line shipping to an address of its own (with
  other lines, adding the hidden product's if need be: several ship-tos), every line shipping
  to one other address, or part of the payment by gift certificate (`payment_type`
  "GiftCertificate", `gift_certificate_id`); the warranty is only in the catalog;
- every 13th registered customer is a VIP (customer type 3).

Order totals and the authorised payment follow the added lines. Non-US addresses (about 8%)
and the showcase postal codes come with every seed; the store's time zone is `--timezone`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final

from .catalog import Catalog, CatalogProduct
from .datastore import DataStore
from .people import address_values, person
from .timefmt import grid_ms

__all__ = ["VARIETY_SKUS", "add_variety_products", "vary_orders"]

# key, sku, name, price, weight, extra product columns
_PRODUCTS: Final[tuple[tuple[str, str, str, float, float, dict[str, Any]], ...]] = (
    (
        "gift",
        "GIFT-CERT",
        "Gift Certificate",
        25.0,
        0.0,
        {"is_non_inventory": True, "product_status_id": 1},
    ),
    (
        "warranty",
        "WARRANTY-2Y",
        "Two-Year Warranty",
        19.99,
        0.0,
        {"is_non_inventory": True, "product_status_id": 1},
    ),
    ("hidden", "HIDDEN-100", "Staff Picks Sample", 9.99, 0.5, {"is_hidden": 1}),
    (
        "discontinued",
        "DISC-200",
        "Retired Lantern",
        14.5,
        1.6,
        {"is_discontinued": True, "product_status_id": 4},
    ),
    ("backordered", "BACK-300", "Popular Cooler", 89.0, 8.0, {"product_status_id": 3}),
    ("kit", "KIT-CAMP", "Camp Kitchen Kit", 129.95, 9.0, {"is_kit": True}),
    ("stove", "KIT-CAMP-STOVE", "Camp Stove (kit part)", 0.0, 4.0, {"is_child_product": True}),
    ("pots", "KIT-CAMP-POTS", "Cook Pot (kit part)", 0.0, 1.2, {"is_child_product": True}),
)
VARIETY_SKUS: Final = {key: sku for key, sku, *_ in _PRODUCTS}
_KIT_PARTS: Final = (("stove", 1), ("pots", 2))
_STOCKED: Final = frozenset({"hidden", "kit", "stove", "pots"})
_GIFT_CERTIFICATE_METHOD = 4  # reference_tables.PAYMENT_METHODS
_VIP = 3  # reference_tables.CUSTOMER_TYPES
_OPEN = frozenset({1, 12, 14, 6})  # Pending Processing, Processing, Ready to Ship, On Hold
_KINDS: Final = ("kit", "gift-line", "one-line-elsewhere", "all-lines-elsewhere", "gift-payment")


@dataclass(frozen=True)
class _Variety:
    products: dict[str, CatalogProduct]
    lines: dict[int, list[int]]
    """order id -> its order_items rows (the seed runs in bulk: no child index yet)."""
    payments: dict[int, list[int]]


def add_variety_products(catalog: Catalog) -> None:
    """Append the variety products (ids after the plain catalog's), never sold at random."""
    next_id = max((p.id for p in catalog.products), default=0) + 1
    for offset, (key, sku, name, price, weight, extra) in enumerate(_PRODUCTS):
        stocked = key in _STOCKED
        catalog.products.append(
            CatalogProduct(
                id=next_id + offset,
                sku=sku,
                name=name,
                price=price,
                cost=round(price * 0.4, 2),
                weight=weight,
                gtin="",
                warehouse_id=1,
                quantity_on_hand=40 if stocked else 0,
                short_description=f"{name}.",
                extra=dict(extra),
                special=True,
            )
        )


def vary_orders(store: DataStore, catalog: Catalog, seed: int) -> None:
    """Give the seeded open orders the variety above, and some customers the VIP type."""
    by_sku = {p.sku: p for p in catalog.products if p.special}
    variety = _Variety(
        {key: by_sku[sku] for key, sku in VARIETY_SKUS.items()},
        _rows_by_order(store, "order_items"),
        _rows_by_order(store, "order_payments"),
    )
    rng = random.Random(f"{seed}:variety")
    orders = store.tables["orders"]
    turn = 0
    for row in range(len(orders)):
        if orders.get(row, "order_status_id") not in _OPEN:
            continue
        kind = _KINDS[turn] if turn < len(_KINDS) else rng.choice((*_KINDS, "", "", ""))
        turn += 1
        if kind:
            _vary(store, variety, rng, orders.ids[row], kind)
    customers = store.tables["customers"]
    for row in range(len(customers)):
        if customers.ids[row] % 13 == 0 and not customers.get(row, "no_account"):
            customers.set(row, "customer_type_id", _VIP)


def _vary(
    store: DataStore, variety: _Variety, rng: random.Random, order_id: int, kind: str
) -> None:
    items = store.tables["order_items"]
    lines = variety.lines.get(order_id, [])
    shippable = [r for r in lines if not items.get(r, "is_non_shipping_item")]
    created = items.get(lines[0], "created_at") if lines else store.now_ms()
    added = 0.0
    if kind == "kit":
        kit = variety.products["kit"]
        quantity = rng.randint(1, 2)
        parent = _line(store, order_id, kit, quantity, kit.price, created)
        for part, per_kit in _KIT_PARTS:
            child = _line(store, order_id, variety.products[part], quantity * per_kit, 0.0, created)
            items.set(child, "parent_order_item_id", items.ids[parent])
            items.set(child, "is_quantity_bound_to_parent", True)
        added = quantity * kit.price
    elif kind == "gift-line":
        gift = variety.products["gift"]
        price = rng.choice((25.0, 50.0))
        row = _line(store, order_id, gift, 1, price, created)
        items.set(row, "is_non_shipping_item", True)
        items.set(row, "is_taxable", False)
        added = price
    elif kind in ("one-line-elsewhere", "all-lines-elsewhere") and shippable:
        address = _new_address(store, order_id, created, rng)
        chosen = shippable[:1] if kind == "one-line-elsewhere" else shippable
        if kind == "one-line-elsewhere" and len(shippable) == 1:  # a second line stays home
            sample = variety.products["hidden"]  # entered by the admin: hidden from shoppers
            _line(store, order_id, sample, 1, sample.price, created)
            added = sample.price
        for row in chosen:
            items.set(row, "order_shipping_address_id", address)
    elif kind == "gift-payment":
        _pay_part_by_gift_certificate(store, variety.payments.get(order_id, []), rng)
    if added:
        _add_to_totals(store, variety.payments.get(order_id, []), order_id, round(added, 2))


def _rows_by_order(store: DataStore, name: str) -> dict[int, list[int]]:
    table = store.tables[name]
    found: dict[int, list[int]] = {}
    for row in range(len(table)):
        found.setdefault(table.get(row, "order_id"), []).append(row)
    return found


def _line(
    store: DataStore,
    order_id: int,
    product: CatalogProduct,
    quantity: int,
    price: float,
    created: int,
) -> int:
    return store.insert(
        "order_items",
        {
            "order_id": order_id,
            "product_id": product.id,
            "item_number": product.sku,
            "item_number_full": product.sku,
            "item_name": product.name,
            "quantity": quantity,
            "price": price,
            "cost": product.cost,
            "weight": product.weight,
            "warehouse_id": product.warehouse_id,
            "created_at": created,
            "updated_at": created,
        },
    )


def _new_address(store: DataStore, order_id: int, created: int, rng: random.Random) -> int:
    orders = store.tables["orders"]
    row = orders.row_of(order_id)
    assert row is not None
    customer_id = orders.get(row, "customer_id")
    recipient = person(store.seed, customer_id, salt=4 + rng.randrange(3))
    arow = store.insert(
        "order_addresses", address_values(recipient, customer_id, order_id, created)
    )
    return int(store.tables["order_addresses"].ids[arow])


def _pay_part_by_gift_certificate(store: DataStore, rows: list[int], rng: random.Random) -> None:
    payments = store.tables["order_payments"]
    if not rows:
        return
    first = rows[0]
    total = float(payments.get(first, "amount"))
    part = round(min(25.0, total / 2), 2)
    if part <= 0:
        return
    payments.set(first, "amount", round(total - part, 2))
    paid = payments.get(first, "paid_at") or payments.get(first, "created_at")
    store.insert(
        "order_payments",
        {
            "customer_id": payments.get(first, "customer_id"),
            "order_id": payments.get(first, "order_id"),
            "payment_type": "GiftCertificate",
            "payment_method_name": "Gift Certificate",
            "payment_method_id": _GIFT_CERTIFICATE_METHOD,
            "gift_certificate_id": 500 + rng.randrange(500),
            "amount": part,
            "paid_at": paid,
            "approved_at": paid,
            "is_approved": True,
            "is_captured": True,
            "transaction_type": "Sale",
            "created_at": grid_ms(paid),
            "updated_at": grid_ms(paid),
        },
    )


def _add_to_totals(store: DataStore, rows: list[int], order_id: int, amount: float) -> None:
    orders = store.tables["orders"]
    row = orders.row_of(order_id)
    assert row is not None
    for field in ("subtotal", "grand_total"):
        orders.set(row, field, round(float(orders.get(row, field)) + amount, 2))
    payments = store.tables["order_payments"]
    if rows:
        payments.set(rows[0], "amount", round(float(payments.get(rows[0], "amount")) + amount, 2))
