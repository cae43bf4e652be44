"""Exceptions as a merchant reads them: named by order number, SKU or location, grouped by reason.

An exception is keyed by the flow's own id for the record (the store's id for a pull, a hub id or
SKU key for a push), which means nothing to a person. Its title names the record the way the
merchant knows it — "Order 100234", "Product MUG-1008 — Coffee mug", "Stock of MUG-1008",
"Shipment of order 100234" — from the hub's copy of the record when there is one, else from the
raw record the flow kept. Where the store gave the record's admin page (an order's
`extOrderUrl`), the title links there.

Groups put the open exceptions of one flow and one reason together, with their count, so the
merchant sees "missingSku in Pull products: 14" once and can retry them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from orderhub.domain import FlowName, SyncException
from orderhub.services.exceptions import record_of_exception
from orderhub.store.records import EntityKind, StoredRecord, get_record

__all__ = ["ExceptionGroup", "ExceptionView", "exception_groups", "exception_view"]


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
    views: list[ExceptionView]

    @property
    def count(self) -> int:
        return len(self.views)


def exception_view(session: Session, item: SyncException) -> ExceptionView:
    record = record_of_exception(session, item)
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
        order = get_record(session, EntityKind.ORDER, str(data.get("orderId") or ""))
        if order is not None:
            hub_url = f"/orders/{order.hub_id}"
            admin_url = _web_address(order.data.get("extOrderUrl"))
    return ExceptionView(item, title, record, hub_url, admin_url)


def exception_groups(session: Session, items: Sequence[SyncException]) -> list[ExceptionGroup]:
    """The exceptions grouped by integration, flow and reason: the largest group first."""
    groups: dict[tuple[str, FlowName, str], list[ExceptionView]] = {}
    for item in items:
        key = (item.integration, item.flow, item.exception_type)
        groups.setdefault(key, []).append(exception_view(session, item))
    ordered = sorted(groups.items(), key=lambda entry: (-len(entry[1]), entry[0]))
    return [ExceptionGroup(i, flow, reason, views) for (i, flow, reason), views in ordered]


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
