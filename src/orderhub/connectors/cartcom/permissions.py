"""Cart.com API permissions in the words of its API Token Manager, and the flows each one unlocks.

The labels are the ones a merchant ticks when creating the token (Pipe17's guide lists exactly
these five); naming a missing permission in those words tells them what to tick.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderhub.domain import FlowName

__all__ = ["PERMISSIONS", "WEBHOOK_SCOPES", "Permission", "labels_of", "needed_for"]


@dataclass(frozen=True)
class Permission:
    scope: str
    label: str
    probe_resource: str
    write_probe: bool
    flows: tuple[FlowName, ...]


PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        scope="read_people",
        label="People: View customer, user, or profile data",
        probe_resource="customers",
        write_probe=False,
        flows=(FlowName.ORDERS_PULL,),
    ),
    Permission(
        scope="orders",
        label="Orders: View and change order data",
        probe_resource="orders",
        write_probe=True,
        flows=(FlowName.ORDERS_PULL, FlowName.FULFILLMENTS_PUSH),
    ),
    Permission(
        scope="catalog",
        label="Catalog: View and change catalog data",
        probe_resource="products",
        write_probe=True,
        flows=(FlowName.PRODUCTS_PULL, FlowName.PRODUCTS_PUSH, FlowName.INVENTORY_PUSH),
    ),
    Permission(
        scope="settings",
        label="Other: View and change configuration settings",
        probe_resource="warehouses",
        write_probe=False,
        # fulfillments.push reads the store's shipping providers, their services and custom
        # shipping methods to name the shipment's method (API-NOTES §2: `orders`, plus
        # `settings` for shipping-method lookups); without it a fulfillment naming a carrier
        # is an exception.
        flows=(FlowName.LOCATIONS_PULL, FlowName.FULFILLMENTS_PUSH),
    ),
    Permission(
        scope="system",
        label="Other: Perform system tasks",
        probe_resource="stores",
        write_probe=False,
        flows=(FlowName.LOCATIONS_PULL,),
    ),
)

WEBHOOK_SCOPES = ("orders", "system")
"""What `/webhooks` needs (API-NOTES §2: docs/webhooks.md names both labels). Without them the
hub cannot subscribe, and the flows work by polling alone."""


def labels_of(scopes: tuple[str, ...]) -> list[str]:
    """The API Token Manager's words for these scopes, in `PERMISSIONS` order."""
    return [permission.label for permission in PERMISSIONS if permission.scope in scopes]


_SCOPE_OF_RESOURCE: dict[str, tuple[str, ...]] = {
    "customers": ("read_people",),
    "products": ("catalog",),
    "product_variants": ("catalog",),
    "product_statuses": ("catalog",),
    "variant_groups": ("catalog",),
    "variant_inventory": ("catalog",),
    "inventory": ("catalog",),
    "categories": ("catalog",),
    "manufacturers": ("catalog",),
    "customer_types": ("read_people",),
    "shipping_providers": ("settings",),
    "shipping_provider_services": ("settings",),
    "custom_shipping_methods": ("settings",),
    "payment_methods": ("settings",),
    "warehouses": ("settings",),
    "store_locations": ("settings",),
    "stores": ("system",),
    "webhooks": WEBHOOK_SCOPES,
}


def needed_for(path: str) -> list[str]:
    """The API Token Manager's words for what a call to `path` needs (`orders/5/status`,
    `/api/v1/products`): a refused call names them, whether Cart.com answers 401 or 403."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[:2] == ["api", "v1"]:
        parts = parts[2:]
    if not parts:
        return []
    resource = parts[0].removesuffix(".json")
    if resource == "orders" or resource.startswith("order_"):
        scopes: tuple[str, ...] = ("orders",)
    else:
        scopes = _SCOPE_OF_RESOURCE.get(resource, ())
    return labels_of(scopes)
