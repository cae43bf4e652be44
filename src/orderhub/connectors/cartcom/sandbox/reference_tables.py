"""Seed the reference resources: carriers and their services, custom shipping methods,
categories, manufacturers, customer types and payment methods.

The services and custom methods are the ones the seeded orders and shipments name
(`seed_data.SHIPPING_METHODS`, with the same ids), plus a few the store offers but no seeded
order used and one disabled carrier, so a client matching a carrier to a method meets the
cases a real store has: several services per carrier, a custom method with no carrier, and a
switched-off service. Categories are the catalog's product kinds (`seed_data.NOUNS`, the ids
products' `primary_category_id` point at).
"""

from __future__ import annotations

from typing import Final

from .datastore import DataStore
from .seed_data import NOUNS, SHIPPING_METHODS
from .timefmt import grid_ms

__all__ = ["CUSTOMER_TYPES", "PROVIDERS", "load_reference"]

DAY_MS = 86_400_000

PROVIDERS: Final = (
    # id, name, provider_code, enabled
    (1, "UPS", "UPS", True),
    (2, "FedEx", "FEDEX", True),
    (3, "USPS", "USPS", True),
    (4, "DHL Express", "DHL", False),
)
_CODES: Final = {name: (pid, code) for pid, name, code, _on in PROVIDERS}

# id, provider name, identifier, name, enabled: services no seeded order used
_MORE_SERVICES: Final = (
    (2, "UPS", "01", "UPS Next Day Air", True),
    (4, "UPS", "12", "UPS 3 Day Select", True),
    (13, "USPS", "FIRST", "USPS First-Class Mail", True),
    (32, "FedEx", "FEDEX_2_DAY", "FedEx 2Day", True),
    (33, "FedEx", "PRIORITY_OVERNIGHT", "FedEx Priority Overnight", True),
    (40, "DHL Express", "P", "DHL Express Worldwide", False),
)
# id, name, enabled: custom methods no seeded order used
_MORE_CUSTOM: Final = ((25, "Freight (LTL)", False),)

MANUFACTURERS: Final = ("Trailhead Gear", "Northwind Outdoor", "Summit Supply Co.")
CUSTOMER_TYPES: Final = (
    # id, name, customer_level
    (1, "Retail", 0),
    (2, "Wholesale", 1),
    (3, "VIP", 2),
)
# id, name, payment_type, gateway (empty: none), hidden; ids 1 and 2 are what seeded payments use
PAYMENT_METHODS: Final = (
    (1, "Credit Card", "CreditCard", "Authorize.Net", False),
    (2, "PayPal", "PayPal", "PayPal Express", False),
    (3, "Check / Money Order", "Check", "", False),
    (4, "Gift Certificate", "GiftCertificate", "", False),
    (5, "Net 30 Terms", "PurchaseOrder", "", True),
)


def load_reference(store: DataStore, start_ms: int) -> None:
    """Insert the reference records (a store built without these tables is left alone)."""
    if "shipping_providers" not in store.tables:
        return
    stamp = grid_ms(start_ms - 400 * DAY_MS)
    times = {"created_at": stamp, "updated_at": stamp}
    for pid, name, code, enabled in PROVIDERS:
        store.insert(
            "shipping_providers",
            {"name": name, "provider_code": code, "is_enabled": enabled, **times},
            record_id=pid,
        )
    services = [
        (method_id, provider, identifier, name, True)
        for name, provider, identifier, method_id, _rate, kind in SHIPPING_METHODS
        if kind == "provider"
    ]
    for sid, provider, identifier, name, enabled in sorted([*services, *_MORE_SERVICES]):
        pid, code = _CODES[provider]
        store.insert(
            "shipping_provider_services",
            {
                "is_enabled": enabled,
                "shipping_provider_id": pid,
                "identifier": identifier,
                "name": name,
                "shipping_provider_code": code,
                "allow_po_box": provider == "USPS",
                **times,
            },
            record_id=sid,
        )
    custom = [
        (method_id, name, True)
        for name, _provider, _code, method_id, _rate, kind in SHIPPING_METHODS
        if kind == "custom"
    ]
    for mid, name, enabled in sorted([*custom, *_MORE_CUSTOM]):
        store.insert(
            "custom_shipping_methods",
            {"name": name, "is_enabled": enabled, "is_default": mid == custom[0][0], **times},
            record_id=mid,
        )
    for cid, (name, _code, _weight) in enumerate(NOUNS, start=1):
        store.insert(
            "categories",
            {
                "name": name,
                "sort_order": cid,
                "url_rewrite": "/" + name.replace(" ", "-").lower() + ".aspx",
                **times,
            },
            record_id=cid,
        )
    for i, name in enumerate(MANUFACTURERS, start=1):
        store.insert(
            "manufacturers",
            {
                "name": name,
                "sort_order": i,
                "url_rewrite": "/" + name.replace(" ", "-").replace(".", "").lower() + ".aspx",
                "brand_code": "".join(word[0] for word in name.split()).upper(),
                **times,
            },
            record_id=i,
        )
    for tid, name, level in CUSTOMER_TYPES:
        store.insert(
            "customer_types",
            {"name": name, "customer_level": level, **times},
            record_id=tid,
        )
    for mid, name, kind, gateway, hidden in PAYMENT_METHODS:
        store.insert(
            "payment_methods",
            {
                "name": name,
                "payment_type": kind,
                "sort_order": mid,
                "is_hidden": hidden,
                "is_gateway": bool(gateway),
                "gateway_name": gateway,
                **times,
            },
            record_id=mid,
        )
