"""Exceptions as a merchant reads them: named by order number, SKU or location, grouped by reason.

An exception is keyed by the flow's own id for the record (the store's id for a pull, a hub id or
SKU key for a push), which means nothing to a person. Its title names the record the way the
merchant knows it — "Order 100234", "Product MUG-1008 — Coffee mug", "Stock of MUG-1008",
"Shipment of order 100234" — from the hub's copy of the record when there is one, else from the
raw record the flow kept. Where the store gave the record's admin page (an order's
`extOrderUrl`), the title links there.

Groups put the open exceptions of one flow and one reason together, with their count, so the
merchant sees "Product has no SKU in the store — Pull products: 14" once and can retry them
together. A reason is titled in words (`REASON_WORDS`, the one table of them), naming the
store platform by its connector's display name; the code stays beside it, small, for a
search or a support question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.orm import Session

from orderhub.connectors.registry import ConnectorRegistry, UnknownConnector
from orderhub.domain import FlowName, Integration, SyncException
from orderhub.services.exceptions import records_of_exceptions
from orderhub.store.records import EntityKind, StoredRecord, get_records

__all__ = [
    "REASON_WORDS",
    "ExceptionGroup",
    "ExceptionView",
    "connector_reason_words",
    "exception_groups",
    "exception_view",
    "exception_views",
    "reason_words",
    "store_platforms",
]

REASON_WORDS: Final[Mapping[str, str]] = {
    # Records a store sent that the hub cannot take as they are.
    "missingSku": "Product has no SKU in {store}",
    "missingItems": "Order has no line to ship",
    "invalidPrice": "Price is not a valid amount",
    "unknownStatus": "Order status not recognised",
    "invalidRecord": "Record the hub cannot read",
    "unreadable": "Record the hub cannot read",
    # Writes to a store.
    "skuNotFound": "SKU not found in {store}",
    "ambiguousSku": "SKU held by several products in {store}",
    "noShippingMethod": "No matching shipping method",
    "unknownLine": "Shipment line not on the order",
    "quantityExceeded": "Ships more than is left on the order",
    "orderNotFound": "Order not found in {store}",
    "itemNotFound": "Order line not found in {store}",
    "shipmentRejected": "Shipment refused by {store}",
    "shipmentNotSaved": "Shipment not saved in {store}",
    "statusNotChanged": "Order status not changed in {store}",
    "writeFailed": "Stock not saved in {store}",
    "refused": "Refused by {store}",
    "createPending": "Product being created in {store}",
    "missingSetting": "A setting the store needs is not set",
    # Completeness checks.
    "missingInHub": "Missing in the hub",
    "staleInHub": "Out of date in the hub",
}
"""Each exception code (`SyncException.exception_type`) in words; `{store}` is the store
platform's name (its connector's display name). Codes only one connector records are in its
own table (`Connector.reason_words`)."""

_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def reason_words(code: str, store: str, connector_words: Mapping[str, str] | None = None) -> str:
    """An exception code in words: from `REASON_WORDS` or the connectors' `connector_words`,
    else the code's own words (`someNewCode` → "Some new code")."""
    words = REASON_WORDS.get(code) or (connector_words or {}).get(code)
    if words is not None:
        return words.format(store=store)
    spaced = _WORD_START.sub(" ", code).strip().lower()
    return spaced[:1].upper() + spaced[1:] if spaced else "Unknown problem"


@dataclass(frozen=True)
class ExceptionView:
    item: SyncException
    title: str
    record: StoredRecord | None
    hub_url: str | None
    """The record's page in the portal, where it has one."""
    admin_url: str | None
    """The record's page in the store's admin, where the store told us its address."""


@dataclass(frozen=True)
class ExceptionGroup:
    integration_id: str
    flow: FlowName
    reason: str
    """The exception code (`missingSku`)."""
    title: str
    """The reason in words ("Product has no SKU in <the store platform>")."""
    views: list[ExceptionView]

    @property
    def count(self) -> int:
        return len(self.views)


def connector_reason_words(connectors: ConnectorRegistry) -> dict[str, str]:
    """The installed connectors' own exception codes in words (`Connector.reason_words`)."""
    return {code: words for c in connectors for code, words in c.reason_words.items()}


def store_platforms(
    connectors: ConnectorRegistry, integrations: Iterable[Integration]
) -> dict[str, str]:
    """Each integration's store platform as a merchant knows it (its connector's display
    name), by integration id; "the store" for a connector no longer installed."""
    found: dict[str, str] = {}
    for integration in integrations:
        try:
            found[integration.integration_id] = connectors.of(integration).display_name
        except UnknownConnector:
            found[integration.integration_id] = "the store"
    return found


def exception_view(session: Session, item: SyncException) -> ExceptionView:
    """One exception as the merchant reads it (`exception_views`)."""
    return exception_views(session, [item])[0]


def exception_views(session: Session, items: Sequence[SyncException]) -> list[ExceptionView]:
    """The exceptions as the merchant reads them, in their order; their records (and the
    orders of fulfillments) are read a kind at a time, not one per exception."""
    records = records_of_exceptions(session, items)
    order_ids = [
        str(record.data.get("orderId") or "")
        for record in records.values()
        if record.kind is EntityKind.FULFILLMENT
    ]
    orders = {o.hub_id: o for o in get_records(session, EntityKind.ORDER, order_ids)}
    return [_view(item, records.get(item.exception_id), orders) for item in items]


def _view(
    item: SyncException, record: StoredRecord | None, orders: Mapping[str, StoredRecord]
) -> ExceptionView:
    data: dict[str, Any] = record.data if record is not None else {}
    raw: dict[str, Any] = item.raw or {}
    title = _title(item, data, raw)
    hub_url = None
    admin_url = None
    if record is not None and record.kind is EntityKind.ORDER:
        hub_url = f"/orders/{record.hub_id}"
        admin_url = _web_address(data.get("extOrderUrl"))
    elif record is not None and record.kind is EntityKind.PRODUCT:
        hub_url = f"/products/{record.hub_id}"
    elif record is not None and record.kind is EntityKind.FULFILLMENT:
        order = orders.get(str(data.get("orderId") or ""))
        if order is not None:
            hub_url = f"/orders/{order.hub_id}"
            admin_url = _web_address(order.data.get("extOrderUrl"))
    return ExceptionView(item, title, record, hub_url, admin_url)


def exception_groups(
    session: Session,
    items: Sequence[SyncException],
    stores: Mapping[str, str],
    connector_words: Mapping[str, str] | None = None,
) -> list[ExceptionGroup]:
    """The exceptions grouped by integration, flow and reason: the largest group first.

    `stores` names each integration's store platform (its connector's display name), for
    the groups' titles; an integration missing from it is "the store". `connector_words`:
    the connectors' own codes in words (`connector_reason_words`).
    """
    groups: dict[tuple[str, FlowName, str], list[ExceptionView]] = {}
    for view in exception_views(session, items):
        key = (view.item.integration, view.item.flow, view.item.exception_type)
        groups.setdefault(key, []).append(view)
    ordered = sorted(groups.items(), key=lambda entry: (-len(entry[1]), entry[0]))
    return [
        ExceptionGroup(
            i,
            flow,
            reason,
            reason_words(reason, stores.get(i, "the store"), connector_words),
            views,
        )
        for (i, flow, reason), views in ordered
    ]


def _title(item: SyncException, data: dict[str, Any], raw: dict[str, Any]) -> str:
    ext = item.ext_entity_id
    kind = item.entity_type
    if kind == EntityKind.ORDER.value:
        number = _text(data.get("extOrderId")) or _text(raw.get("id")) or ext
        return f"Order {number}"
    if kind == EntityKind.PRODUCT.value:
        sku = _text(data.get("sku")) or _text(raw.get("item_number")) or _text(raw.get("sku"))
        name = _text(data.get("name")) or _text(raw.get("item_name"))
        named = f"Product {sku}" if sku else f"Product #{ext} (no SKU)"
        return f"{named} — {name}" if name else named
    if kind == EntityKind.INVENTORY.value:
        stocked = _text(data.get("sku")) or _text(raw.get("sku")) or ext.rsplit(":", 1)[-1]
        return f"Stock of {stocked}"
    if kind == EntityKind.FULFILLMENT.value:
        shipped = _text(data.get("extOrderId")) or _text(raw.get("extOrderId"))
        return f"Shipment of order {shipped}" if shipped else f"Fulfillment {ext}"
    if kind == EntityKind.LOCATION.value:
        place = _text(data.get("name")) or _text(raw.get("name"))
        return f"Location {place}" if place else f"Location #{ext}"
    return f"{kind.capitalize()} {ext}"


def _web_address(value: object) -> str | None:
    """A link the page may show: http(s) only, whatever a record holds (never `javascript:`)."""
    text = _text(value)
    return text if text and text.lower().startswith(("https://", "http://")) else None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None
