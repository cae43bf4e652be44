"""Builds whole orders (addresses, lines, payments, shipments) for the seed and at runtime.

An order runs through a realistic status path (pending, processing, partial and full shipments,
cancellations, declines, refunds, quotes) with payments and shipment items that match; events
that would fall after the time limit are cut, so recent orders are still open.
"""

from __future__ import annotations

import random
import sys
from typing import Any

from .catalog import Catalog, CatalogProduct, CatalogVariantRow
from .datastore import DataStore
from .decode import decode_changes
from .people import Person, Place, address_values, at_place, customer_values, person
from .seed_data import CARD_TYPES, ORDER_STATUSES, SHIPPING_METHODS
from .timefmt import HOUR_MS, grid_ms

__all__ = ["STATUS_TARGETS", "STATUS_WEIGHTS", "OrderFactory"]

DAY_MS = 24 * HOUR_MS
MINUTE_MS = 60_000
S = {name: sid for sid, name, _color, _flags in ORDER_STATUSES}
PP, PR, SH, PS = S["Pending Processing"], S["Processing"], S["Shipped"], S["Partially Shipped"]
CA, DE, RF, PRF = S["Cancelled"], S["Declined"], S["Refunded"], S["Partially Refunded"]
QU, RS, OH = S["Quote"], S["Ready to Ship"], S["On Hold"]
STATUS_TARGETS = (SH, PP, PR, PS, CA, DE, RF, PRF, QU, RS, OH)
STATUS_WEIGHTS = (56, 10, 8, 6, 5, 3, 4, 2, 1, 3, 2)
_CAPTURED = {PR, RS, PS, SH, RF, PRF}
_METHOD_WEIGHTS = (30, 10, 8, 12, 14, 20, 6)
_SELECTIONS = {
    m[0]: [{"classification_code": "", "shipping_provider": m[1], "shipping_method": m[0]}]
    for m in SHIPPING_METHODS
}
_GIFT_FIELDS = ({"name": "Gift Wrap", "value": "Yes"},)

Line = tuple[CatalogProduct | None, CatalogVariantRow | None, int, float]


def _tracking(rng: random.Random, provider: str) -> tuple[str, str]:
    if provider == "UPS":
        number = "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
        return number, f"https://www.ups.com/track?tracknum={number}"
    if provider == "FedEx":
        number = "".join(rng.choice("0123456789") for _ in range(12))
        return number, f"https://www.fedex.com/fedextrack/?trknbr={number}"
    if provider == "USPS":
        number = "9400" + "".join(rng.choice("0123456789") for _ in range(18))
        return number, f"https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"
    return "", ""


class OrderFactory:
    """Builds whole orders (addresses, lines, payments, shipments) into the store."""

    def __init__(self, store: DataStore, catalog: Catalog, seed: int) -> None:
        self.store = store
        self.catalog = catalog
        self.seed = seed
        self.sellable = catalog.sellable()
        self.rng = random.Random(f"{seed}:orders")
        self._skus: dict[tuple[int, int], str] = {}

    def reset(self) -> None:
        self.rng = random.Random(f"{self.seed}:live")

    def _full_sku(self, product: CatalogProduct, vrow: CatalogVariantRow | None) -> str:
        """SKU plus variant extensions, one shared string per sellable row."""
        key = (product.id, vrow.id if vrow else 0)
        full = self._skus.get(key)
        if full is None:
            full = self._skus[key] = product.sku + (vrow.extension if vrow else "")
        return full

    # -- runtime ----------------------------------------------------------------------
    def new_order(self, overrides: dict[str, Any]) -> int:
        """A new order placed now, pending; `overrides` are wire values applied on top."""
        store = self.store
        now = store.now_ms()
        customers = store.tables["customers"]
        if overrides.get("customer_id"):
            cid = int(overrides["customer_id"])
        elif len(customers) == 0 or self.rng.random() < 0.25:
            cid = customers.next_id
            p = person(self.seed, cid)
            store.insert("customers", customer_values(p, now, now, self.rng.random() < 0.2))
            store.emit("CustomerCreated", "customers", cid)
        else:
            cid = customers.ids[self.rng.randrange(len(customers))]
        order_id = self.build(now, now, PP, cid)
        if overrides:
            orders = store.tables["orders"]
            row = orders.row_of(order_id)
            assert row is not None
            changes = decode_changes(orders, overrides)
            for key, value in changes.items():
                orders.set(row, key, value)
        return order_id

    # -- one order --------------------------------------------------------------------
    def build(
        self, t0: int, limit: int, target: int, customer_id: int, ship_to: Place | None = None
    ) -> int:
        """One order; `ship_to` forces its shipping address (the seed's showcase addresses)."""
        store, rng, seed = self.store, self.rng, self.seed
        orders = store.tables["orders"]
        order_id = orders.next_id
        buyer = person(seed, customer_id)
        created = grid_ms(t0 + rng.randint(0, 20_000))
        bill_row = store.insert(
            "order_addresses", address_values(buyer, customer_id, order_id, created)
        )
        bill_id = store.tables["order_addresses"].ids[bill_row]
        ship_id = bill_id
        gift = rng.random() < 0.12
        recipient: Person | None = None
        if gift or rng.random() < 0.15:
            recipient = person(seed, customer_id, salt=1 + rng.randrange(3))
        if ship_to is not None:
            # Draws nothing from `rng`, so every other order of the seed stays as it was.
            recipient = at_place(recipient or buyer, ship_to)
        if recipient is not None:
            ship_row = store.insert(
                "order_addresses", address_values(recipient, customer_id, order_id, created)
            )
            ship_id = store.tables["order_addresses"].ids[ship_row]

        lines: list[Line] = []
        for _ in range(rng.choices((1, 2, 3, 4, 5, 6), (24, 26, 20, 14, 10, 6))[0]):
            product, vrow = self.sellable[rng.randrange(len(self.sellable))]
            qty = 1 if rng.random() < 0.7 else rng.randint(2, 4)
            price = round(product.price + (vrow.price_adjustment if vrow else 0.0), 2)
            lines.append((product, vrow, qty, price))
        tax_rate = (
            0.0 if buyer.country_code != "US" else (0.0825 if buyer.state_code == "TX" else 0.06)
        )
        coupon = rng.random() < 0.08
        discount = 0.0
        if coupon and rng.random() < 0.3:
            amount = round(sum(q * p for _, _, q, p in lines) * 0.1, 2)
            lines.append((None, None, 1, -amount))
        elif coupon:
            discount = round(sum(q * p for _, _, q, p in lines) * 0.1, 2)
        method = rng.choices(SHIPPING_METHODS, _METHOD_WEIGHTS)[0]
        subtotal = round(sum(q * p for _, _, q, p in lines), 2)
        taxes = [round(q * p * tax_rate, 4) if prod is not None else 0.0 for prod, _, q, p in lines]
        tax_total = round(sum(taxes), 2)
        shipping = method[4]
        grand = round(subtotal + tax_total + shipping - discount, 2)

        path, ships = self._path(rng, target, t0, lines, limit)
        final, last_ms = path[-1]
        previous = path[-2][0] if len(path) > 1 else 0
        values: dict[str, Any] = {
            "customer_id": customer_id,
            "ordered_at": round(t0 / MINUTE_MS) * MINUTE_MS,
            "order_status_id": final,
            "subtotal": subtotal,
            "tax_total": tax_total,
            "shipping_total": shipping,
            "discount_total": discount,
            "grand_total": grand,
            "cost_total": round(sum(q * prod.cost for prod, _, q, _ in lines if prod), 2),
            "selected_shipping_method": method[0],
            "order_shipping_address_id": ship_id,
            "order_billing_address_id": bill_id,
            "selected_shipping_provider_service": method[2],
            "updated_at": max(last_ms, created),
            "created_at": created,
            "entered_by": buyer.email,
            "previous_order_status_id": previous,
            "order_status_last_changed_at": max(last_ms, created),
            "discounted_shipping_total": shipping,
            "shipping_selections": _SELECTIONS[method[0]],
        }
        if coupon:
            values["coupon_code"] = "SAVE10"
        if gift:
            values["is_gift"] = True
            values["gift_message"] = "Happy birthday!"
        roll = rng.random()
        if roll < 0.15:
            values["order_number"] = f"W{order_id}"
        if roll > 0.97:
            values["channel"] = "Phone"
            values["entered_by"] = "orders@sandbox-store.test"
            values["entered_by_type"] = "Admin"
        if rng.random() < 0.1:
            values["_custom_fields"] = (
                _GIFT_FIELDS if gift else ({"name": "PO Number", "value": f"PO-{order_id % 9973}"},)
            )
        if final == QU:
            values["order_type"] = "Quote"
        orders_row = store.insert("orders", values)
        assert orders.ids[orders_row] == order_id

        item_ids = []
        for (prod, vrow, qty, price), tax in zip(lines, taxes, strict=True):
            item: dict[str, Any] = {
                "order_id": order_id,
                "quantity": qty,
                "price": price,
                "tax": tax,
                "created_at": created,
                "updated_at": created,
            }
            if prod is None:
                item.update(
                    item_name="Coupon SAVE10",
                    is_discount_item=True,
                    is_non_shipping_item=True,
                    is_taxable=False,
                    weight=0.0,
                )
            else:
                item.update(
                    product_id=prod.id,
                    item_number=prod.sku,
                    item_name=prod.name,
                    cost=prod.cost,
                    weight=prod.weight,
                    warehouse_id=prod.warehouse_id,
                    item_number_full=self._full_sku(prod, vrow),
                )
                if vrow is not None:
                    item.update(
                        variant_inventory_id=vrow.id,
                        variants=vrow.variants,
                        description=vrow.description,
                    )
            row = store.insert("order_items", item)
            item_ids.append(store.tables["order_items"].ids[row])

        self._payments(
            rng,
            order_id,
            customer_id,
            sys.intern(buyer.first_name + " " + buyer.last_name),
            grand,
            path,
            created,
        )
        for number, (ship_ms, parts) in enumerate(ships, start=1):
            tracking, url = _tracking(rng, method[1])
            srow = store.insert(
                "order_shipments",
                {
                    "order_id": order_id,
                    "shipped_at": store.face.local_midnight(ship_ms),
                    "tracking_numbers": tracking,
                    "tracking_url": url,
                    "shipping_method": method[0],
                    "shipping_method_id": method[3],
                    "created_at": ship_ms,
                    "updated_at": ship_ms,
                    "shipment_name": str(number),
                    "shipping_provider_name": method[1],
                    "shipping_method_type": method[5],
                    "email_sent": rng.random() < 0.9,
                },
            )
            sid = store.tables["order_shipments"].ids[srow]
            for line_index, qty in parts:
                store.insert(
                    "shipment_items",
                    {
                        "shipment_id": sid,
                        "order_item_id": item_ids[line_index],
                        "quantity_shipped": qty,
                    },
                )
        return order_id

    def _path(
        self, rng: random.Random, target: int, t0: int, lines: list[Line], limit: int
    ) -> tuple[list[tuple[int, int]], list[tuple[int, list[tuple[int, int]]]]]:
        """Status events (status id, time) and shipments (time, [(line, qty)]) up to `limit`."""
        tp = grid_ms(t0 + rng.randint(HOUR_MS, 20 * HOUR_MS))
        ts1 = grid_ms(tp + rng.randint(4 * HOUR_MS, 72 * HOUR_MS))
        ts2 = grid_ms(ts1 + rng.randint(DAY_MS, 4 * DAY_MS))
        shippable = [(i, q) for i, (prod, _, q, _) in enumerate(lines) if prod is not None]
        partial: list[tuple[int, int]] = []
        if len(shippable) > 1:
            partial = shippable[: len(shippable) // 2]
        elif shippable and shippable[0][1] > 1:
            partial = [(shippable[0][0], shippable[0][1] - 1)]
        rest = [(i, q - dict(partial).get(i, 0)) for i, q in shippable]
        rest = [(i, q) for i, q in rest if q > 0]
        events: list[tuple[int, int]] = [(PP if target != QU else QU, grid_ms(t0))]
        ships: list[tuple[int, list[tuple[int, int]]]] = []
        if target in (SH, RF, PRF, PS):
            events.append((PR, tp))
            two = bool(partial) and (target == PS or rng.random() < 0.15)
            if two:
                events.append((PS, ts1))
                ships.append((ts1, partial))
                if target != PS:
                    events.append((SH, ts2))
                    ships.append((ts2, rest))
            else:
                events.append((SH, ts1))
                ships.append((ts1, shippable))
            if target in (RF, PRF):
                events.append(
                    (target, grid_ms(events[-1][1] + rng.randint(2 * DAY_MS, 15 * DAY_MS)))
                )
        elif target in (PR, OH, CA):
            events.append((target, tp))
        elif target == RS:
            events += [(PR, tp), (RS, grid_ms(tp + 2 * HOUR_MS))]
        elif target == DE:
            events.append((DE, grid_ms(t0 + rng.randint(2_000, 40_000))))
        kept = [e for e in events if e[1] <= limit] or events[:1]
        ships = [sh for sh in ships if sh[0] <= limit]
        return kept, ships

    def _payments(
        self,
        rng: random.Random,
        order_id: int,
        customer_id: int,
        holder: str,
        grand: float,
        path: list[tuple[int, int]],
        created: int,
    ) -> None:
        statuses = [sid for sid, _ in path]
        if statuses[-1] == QU:
            return
        paid = grid_ms(created + rng.randint(1_000, 30_000))
        paypal = rng.random() < 0.12
        declined = statuses[-1] == DE
        captured_at = next((ms for sid, ms in path if sid in _CAPTURED), None)
        cancelled_at = next((ms for sid, ms in path if sid == CA), None)
        card = CARD_TYPES[rng.randrange(len(CARD_TYPES))]
        values: dict[str, Any] = {
            "customer_id": customer_id,
            "order_id": order_id,
            "paid_at": paid,
            "amount": grand,
            "created_at": paid,
            "updated_at": captured_at or cancelled_at or paid,
            "is_approved": not declined,
            "is_declined": declined,
            "approved_at": None if declined else paid,
            "is_captured": captured_at is not None,
            "transaction_type": "Sale" if captured_at else "Authorize",
            "transaction_id": "" if declined else f"{rng.getrandbits(40):012d}",
            "authorization_code": "" if declined else f"{rng.getrandbits(20):06X}"[:6],
            "avs_code": "" if paypal else rng.choice("YYYYAZN"),
        }
        if paypal:
            values.update(payment_type="PayPal", payment_method_name="PayPal", payment_method_id=2)
        else:
            values.update(
                card_type=card,
                last_four=f"{rng.randrange(10000):04d}",
                cardholder_name=holder,
                card_expiration_month=rng.randint(1, 12),
                card_expiration_year=rng.randint(2026, 2031),
                payment_method_id=1,
                customer_payment_method_id=customer_id,
            )
        if declined:
            values.update(
                reject_reason="This transaction has been declined.", gateway_response_code="2"
            )
        if cancelled_at is not None:
            values["is_void"] = True
        self.store.insert("order_payments", values)
        refund = next(((sid, ms) for sid, ms in path if sid in (RF, PRF)), None)
        if refund is not None:
            amount = grand if refund[0] == RF else round(grand * 0.3, 2)
            credit = dict(
                values,
                amount=-amount,
                created_at=refund[1],
                updated_at=refund[1],
                paid_at=refund[1],
                approved_at=refund[1],
                transaction_type="Credit",
                transaction_id=f"{rng.getrandbits(40):012d}",
                is_void=False,
            )
            self.store.insert("order_payments", credit)
