"""What the hub holds of a page of Cart.com orders, read once per page, and what it saves.

A poll re-reads the orders of its 60-second overlap (and any other page may list an order the
hub already holds as it is). An order needs no address or customer call when both hold:

- its document as listed is the one the hub's copy was built from (`source_doc["order"]`:
  the same `updated_at`, status, lines, payments, shipments and custom fields);
- mapped today with the addresses and customer the copy was built with, it gives the hub
  order the hub holds (its content hash): so a changed status mapping, a backfill after the
  merchant's settings changed, or a newer mapping still rewrite it.

A quiet poll then costs its list calls only. What else decides the hub order is followed on
its own: the addresses by their own `updated_at` (the order_addresses stream; the versions the
copy holds count as read, so an address changed in place still sends its order back to be read
in full). The customer (name, email) is read with each change of the order; a customer edited
alone reaches the hub with the order's next change (an overlap re-read used to pick it up when
it happened within that minute).

An order the run must read again for another reason — a shipment, payment, line or address
found changed, an open exception retried — is always read in full (the caller says which).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orderhub.engine import EntityKind, StoredRecord, record_hash

__all__ = ["HeldOrders"]


@dataclass(frozen=True)
class HeldOrders:
    """The hub's copies of a page's orders, by external id."""

    records: Mapping[str, StoredRecord]

    def holds(self, ext_id: str) -> bool:
        return ext_id in self.records

    def as_listed(self, order: Mapping[str, Any]) -> bool:
        """Whether the hub's copy was built from this very document (shipments' items aside:
        a listing expands shipments without them, the copy keeps them filled in)."""
        document = self.document(str(order.get("id")))
        if document is None:
            return False
        return _filled_from(order, document) == document

    def addresses(self, ext_id: str) -> dict[int, Mapping[str, Any]]:
        """The addresses the hub's copy of an order was built with, by id."""
        kept = self._kept(ext_id).get("addresses")
        return {
            a["id"]: a
            for a in (kept if isinstance(kept, list) else [])
            if isinstance(a, Mapping) and isinstance(a.get("id"), int)
        }

    def customers(self, ext_id: str) -> dict[int, Mapping[str, Any]]:
        """The customer the hub's copy of an order was built with, by id (none or one)."""
        customer = self._kept(ext_id).get("customer")
        if isinstance(customer, Mapping) and isinstance(customer.get("id"), int):
            return {customer["id"]: customer}
        return {}

    def would_keep(self, ext_id: str, data: Mapping[str, Any]) -> bool:
        """Whether writing `data` would leave the hub's order as it is (its content hash)."""
        record = self.records.get(ext_id)
        return record is not None and record.content_hash == record_hash(EntityKind.ORDER, data)

    def shipments(self) -> dict[int, Mapping[str, Any]]:
        """The shipments, with items, that the copies hold, by id."""
        found: dict[int, Mapping[str, Any]] = {}
        for ext_id in self.records:
            document = self.document(ext_id)
            listed = document.get("shipments") if document is not None else None
            for shipment in listed if isinstance(listed, list) else []:
                if (
                    isinstance(shipment, Mapping)
                    and isinstance(shipment.get("id"), int)
                    and isinstance(shipment.get("items"), list)
                ):
                    found[shipment["id"]] = shipment
        return found

    def document(self, ext_id: str) -> Mapping[str, Any] | None:
        """The Cart.com order the hub's copy was built from (shipments with their items)."""
        document = self._kept(ext_id).get("order")
        return document if isinstance(document, Mapping) else None

    def _kept(self, ext_id: str) -> Mapping[str, Any]:
        record = self.records.get(ext_id)
        return (record.source_doc or {}) if record is not None else {}


def _filled_from(order: Mapping[str, Any], document: Mapping[str, Any]) -> Mapping[str, Any]:
    """`order` with each item-less shipment's items taken from `document`'s same shipment at
    the same `updated_at` (as the run would have filled them in)."""
    listed = order.get("shipments")
    kept = document.get("shipments")
    if not isinstance(listed, list) or not isinstance(kept, list):
        return order
    by_id = {s.get("id"): s for s in kept if isinstance(s, Mapping)}
    filled: list[Any] = []
    for shipment in listed:
        if isinstance(shipment, Mapping) and shipment.get("items") is None:
            same = by_id.get(shipment.get("id"))
            if same is not None and same.get("updated_at") == shipment.get("updated_at"):
                shipment = {**shipment, "items": same.get("items")}
        filled.append(shipment)
    return {**order, "shipments": filled}
