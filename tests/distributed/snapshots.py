"""Comparable pictures of a hub and of sandbox stores, to tell whether two runs ended the same.

Two runs of one scenario (say three workers with a kill, and one worker) start from identical
sandbox stores (same seeds) and apply the same script, so everything the stores and the hub
hold at the end should be equal, except what is volatile by nature. That is removed here, by
name, and listed in exactly two places: `HUB_VOLATILE` and `SANDBOX_VOLATILE`. Everything else
is kept, so a difference anywhere else shows up.

Identity: the hub gives records random ids and each integration a random id, so records are
keyed by what is stable (a store's label, the order number, the SKU, the location's external
id), and a field that points at another record (`orderId` of a fulfillment, `locationId` of
stock) is replaced by that record's stable key rather than dropped. Shipment names embed the
hub's fulfillment id (`OH-<fulfillmentId>`); `fulfillment_aliases` names each fulfillment by
its order and tracking number instead. Stores listen on a random loopback port, so a store's
URL in any text (an order's link, say) is replaced by `{store}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from orderhub.connectors.cartcom.sandbox import Sandbox
from orderhub.connectors.cartcom.sandbox.render import Renderer
from orderhub.hub import Hub
from orderhub.store.records import EntityKind, StoredRecord, list_records

__all__ = [
    "HUB_LABEL",
    "HUB_VOLATILE",
    "SANDBOX_VOLATILE",
    "Shop",
    "differences",
    "fulfillment_aliases",
    "hub_snapshot",
    "sandbox_snapshot",
    "shipment_names",
    "stock_by_sku",
]

HUB_VOLATILE: Final = frozenset(
    {
        # Ids the hub generates: records are keyed by stable keys instead (a record's own id
        # is not in its data anyway), and references to other records (a fulfillment's
        # `orderId`, stock's `locationId`) are replaced by the referenced record's key.
        "orderId",
        "productId",
        "inventoryId",
        "locationId",
        "fulfillmentId",
        # The integration that brought a record: records are grouped by store label instead.
        "integration",
        # When the hub wrote the record.
        "createdAt",
        "updatedAt",
        # When the store did something: orders (and their payments) placed by the test script
        # are stamped with the wall clock, and the flows' own writes (shipments, status
        # changes) move an order's updated_at at whatever moment they ran.
        "extOrderCreatedAt",
        "extOrderUpdatedAt",
        "paidAt",
    }
)
SANDBOX_VOLATILE: Final = frozenset(
    {
        # Wall-clock stamps of the store's writes (the test script's, and the flows').
        # `shipped_at` is kept: the script gives every fulfillment a fixed ship date.
        "created_at",
        "updated_at",
        "ordered_at",
        "order_status_last_changed_at",
        "expires_at",
    }
)
HUB_LABEL: Final = "hub"
"""The group of hub-native records that belong to no store (products made in the hub)."""
_MANY: Final = 10_000_000
_REFERENCES: Final = {"orderId": EntityKind.ORDER, "locationId": EntityKind.LOCATION}
_SECTIONS: Final = {
    EntityKind.ORDER: "orders",
    EntityKind.PRODUCT: "products",
    EntityKind.INVENTORY: "inventory",
    EntityKind.LOCATION: "locations",
    EntityKind.FULFILLMENT: "fulfillments",
}


@dataclass(frozen=True)
class Shop:
    """A store as a snapshot names it: a stable label, and the URL it had in this run."""

    label: str
    url: str


def hub_snapshot(hub: Hub, shops: Mapping[str, Shop]) -> dict[str, Any]:
    """{store label: {"orders"|"products"|"locations"|"inventory"|"fulfillments": {key: record}}}.

    `shops` maps integration ids to their stores. Hub-native records go with the store they
    concern: stock with its location's store, a fulfillment with its order's store; a
    hub-native product (made in the hub, pushed everywhere) under `HUB_LABEL`.
    """
    with hub.db.read_session() as session:
        records = {
            kind: list_records(session, kind, limit=_MANY, newest_first=False)
            for kind in EntityKind
        }
    keys = _Keys(shops)
    for kind in (EntityKind.ORDER, EntityKind.LOCATION):
        for record in records[kind]:
            keys.remember(record)
    snapshot: dict[str, Any] = {}
    for kind in EntityKind:
        for record in records[kind]:
            label, key = keys.of(record)
            section = snapshot.setdefault(label, {}).setdefault(_SECTIONS[kind], {})
            if key in section:
                raise AssertionError(f"two {kind.value} records of {label} are both keyed {key!r}")
            section[key] = _clean_hub(record.data, keys, _urls(shops.values()))
    return snapshot


def fulfillment_aliases(hub: Hub, shops: Mapping[str, Shop]) -> dict[str, str]:
    """{hub fulfillment id: stable name} (order key and tracking numbers), for shipment names."""
    with hub.db.read_session() as session:
        orders = list_records(session, EntityKind.ORDER, limit=_MANY)
        fulfillments = list_records(session, EntityKind.FULFILLMENT, limit=_MANY)
    keys = _Keys(shops)
    for order in orders:
        keys.remember(order)
    aliases: dict[str, str] = {}
    for record in fulfillments:
        label, key = keys.of(record)
        aliases[record.hub_id] = f"{label}/{key}"
    return aliases


def sandbox_snapshot(
    sandbox: Sandbox, *, url: str, aliases: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The store's catalog, stock per SKU and warehouse, shipments and order statuses.

    `aliases` replaces text (hub fulfillment ids inside shipment names) by stable names.
    """
    store = sandbox.store
    replace = {url: "{store}", **(aliases or {})}
    with store.locked():
        render = Renderer(store)
        products = store.tables["products"]
        catalog = {
            str(products.get(row, "item_number") or products.ids[row]): render.record(
                "products", row, None, ["variants", "variant_inventory"]
            )
            for row in products.iter_rows()
        }
        shipments_table = store.tables["order_shipments"]
        shipments: dict[str, list[dict[str, Any]]] = {}
        for row in shipments_table.iter_rows():
            shipment = render.record("order_shipments", row, None, ["items"])
            shipments.setdefault(str(shipment["order_id"]), []).append(shipment)
        orders = store.tables["orders"]
        statuses = {
            str(orders.ids[row]): orders.get(row, "order_status_id") for row in orders.iter_rows()
        }
    stock = {
        f"{sku}@warehouse:{warehouse}": quantity
        for sku, (warehouse, quantity) in stock_by_sku(sandbox).items()
    }
    picture = {
        "products": catalog,
        "stock": stock,
        "shipments": {k: sorted(v, key=lambda s: int(s["id"])) for k, v in shipments.items()},
        "orderStatuses": statuses,
    }
    cleaned: dict[str, Any] = _clean(picture, SANDBOX_VOLATILE, replace)
    return cleaned


def stock_by_sku(sandbox: Sandbox) -> dict[str, tuple[int | None, int]]:
    """{SKU: (warehouse id, quantity)}: products keeping their own stock, and variant rows."""
    store = sandbox.store
    with store.locked():
        products = store.tables["products"]
        rows = store.tables["variant_inventory"]
        warehouse_of: dict[int, int | None] = {}
        stock: dict[str, tuple[int | None, int]] = {}
        for row in products.iter_rows():
            warehouse = products.get(row, "warehouse_id")
            warehouse_of[products.ids[row]] = warehouse
            if not products.get(row, "use_variant_inventory"):
                sku = products.get(row, "item_number") or f"product:{products.ids[row]}"
                stock[sku] = (warehouse, int(products.get(row, "quantity_on_hand") or 0))
        for row in rows.iter_rows():
            sku = rows.get(row, "item_number") or f"variant_inventory:{rows.ids[row]}"
            warehouse = warehouse_of.get(rows.get(row, "product_id"))
            stock[sku] = (warehouse, int(rows.get(row, "inventory") or 0))
    return stock


def shipment_names(sandbox: Sandbox) -> set[str]:
    """Every shipment's name in the store."""
    store = sandbox.store
    with store.locked():
        table = store.tables["order_shipments"]
        return {str(table.get(row, "shipment_name") or "") for row in table.iter_rows()}


def differences(first: Any, second: Any, *, limit: int = 40) -> list[str]:
    """Readable differences between two snapshots: `path: first != second`, at most `limit`."""
    found: list[str] = []
    _diff(first, second, "", found, limit)
    return found


# --- internals ------------------------------------------------------------------------------


class _Keys:
    """Stable keys of hub records: (store label, key within the store)."""

    def __init__(self, shops: Mapping[str, Shop]) -> None:
        self.shops = shops
        self.known: dict[str, tuple[str, str]] = {}  # hub id -> (label, key)

    def label(self, integration_id: str | None) -> str:
        if integration_id is None:
            return HUB_LABEL
        return self.shops[integration_id].label

    def remember(self, record: StoredRecord) -> None:
        self.known[record.hub_id] = self.of(record)

    def reference(self, hub_id: str) -> str:
        label, key = self.known.get(hub_id, (HUB_LABEL, f"unknown:{hub_id}"))
        return f"{label}/{key}"

    def of(self, record: StoredRecord) -> tuple[str, str]:
        data = record.data
        label = self.label(record.integration_id)
        if record.kind is EntityKind.ORDER:
            return label, str(data.get("extOrderId"))
        if record.kind is EntityKind.PRODUCT:
            return label, str(data.get("sku"))
        if record.kind is EntityKind.LOCATION:
            return label, str(data.get("extLocationId") or record.ext_id)
        if record.kind is EntityKind.INVENTORY:
            where = self.known.get(str(data.get("locationId")))
            if where is None:
                return label, f"{data.get('locationId')}|{data.get('sku')}"
            return where[0], f"{where[1]}|{data.get('sku')}"
        order = self.known.get(str(data.get("orderId")))
        tracking = ",".join(str(n) for n in data.get("trackingNumbers") or [])
        if order is None:
            return label, f"{data.get('orderId')}|{tracking}"
        return order[0], f"{order[1]}|{tracking}"


def _urls(shops: Iterable[Shop]) -> dict[str, str]:
    return {shop.url: "{store}" for shop in shops}


def _clean_hub(data: Mapping[str, Any], keys: _Keys, replace: Mapping[str, str]) -> Any:
    relabelled = {
        name: keys.reference(value) if name in _REFERENCES and isinstance(value, str) else value
        for name, value in data.items()
    }
    kept = {name for name in _REFERENCES if name in relabelled and name in data}
    return _clean(relabelled, HUB_VOLATILE - kept, replace)


def _clean(value: Any, volatile: frozenset[str], replace: Mapping[str, str]) -> Any:
    """`value` without the `volatile` keys at any depth, with `replace` applied to text."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v, volatile, replace) for k, v in value.items() if k not in volatile}
    if isinstance(value, list | tuple):
        return [_clean(item, volatile, replace) for item in value]
    if isinstance(value, str):
        # Longest first, so a URL that is a prefix of another cannot cut it in two.
        for old in sorted(replace, key=len, reverse=True):
            if old in value:
                value = value.replace(old, replace[old])
        return value
    return value


def _diff(first: Any, second: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(first, dict) and isinstance(second, dict):
        for key in sorted(set(first) | set(second), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in second:
                found.append(f"{where}: only in the first: {_short(first[key])}")
            elif key not in first:
                found.append(f"{where}: only in the second: {_short(second[key])}")
            else:
                _diff(first[key], second[key], where, found, limit)
            if len(found) >= limit:
                return
        return
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        for index, (a, b) in enumerate(zip(first, second, strict=True)):
            _diff(a, b, f"{path}[{index}]", found, limit)
        return
    if first != second:
        found.append(f"{path}: {_short(first)} != {_short(second)}")


def _short(value: Any, width: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
