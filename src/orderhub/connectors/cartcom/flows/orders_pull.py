"""orders.pull: Cart.com orders updated since the cursor → hub orders.

A page of 100 orders costs three calls: the orders with items, payments, shipments and custom
fields expanded; their addresses by `select_many`; their customers by `select_many` — and a
fourth when some of them shipped: expanded shipments come without their items, so the shipments
are read again by `select_many` with their items, which gives each line its shipped quantity
(without it the hub could only say "unknown", and offer to ship it again). Then the
orders' shipments, payments and lines are followed by their own `updated_at` (250 a call; one
call each when nothing changed), and the orders whose children changed without the order's
own time moving are read again by `select_many` (Cart.com's docs do not say whether it moves).
The order addresses are followed the same way (one call when nothing changed); an address names
no order, so one changed since this run read it costs a filtered list of the orders that use it
(`order_addresses.py`), and those whose hub copy holds an older version are read again.

A listed order the hub already holds as it is (its document the one the hub's copy was built
from: `held_orders.py`, one query per page) costs no address or customer call and counts as
unchanged, so a quiet poll re-reading its overlap makes its list calls only.

The engine's pull kit does the rest (cursor with the page, one page fetched ahead, retries, a
page Cart.com fails to give taken apart, one bad order an exception while the others go on).

Two integration settings (`order_status_settings.py`) apply from the next run on; neither
rewrites the orders the hub holds until the store changes them (a backfill, `flows enable
orders.pull --since`, reads them again and so applies both):

- `ordersPullSkipStatuses` leaves out the orders in the named store statuses (quotes, declined
  orders). An order in one that the hub does not hold is not created — no exception; the run
  counts it as unchanged (read; nothing in the hub moved) and reads no address or customer for
  it. An order the hub already holds keeps being updated when it moves into a skipped status,
  so a cancellation still reaches the hub. An order that later moves from a skipped status to
  a pulled one comes in then: the move changes its `updated_at`, and the cursor finds it.
- `orderStatusMap` maps the named store statuses to the hub statuses the merchant chose,
  instead of by their flags (`mapping.statuses`); the others keep the flags' mapping.

At the end of each run the store's statuses as it read them are kept in the flow's cursor
(`order_status_view.py`), so the settings page lists what each becomes without a store call;
a run that maps no order reads none (`run_statuses.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from orderhub.connectors.cartcom.flows.held_orders import HeldOrders
from orderhub.connectors.cartcom.flows.order_addresses import orders_using_addresses
from orderhub.connectors.cartcom.flows.order_status_view import STATUSES_KEPT
from orderhub.connectors.cartcom.flows.pull_source import CartcomPull, CartcomSource
from orderhub.connectors.cartcom.flows.run_statuses import RunStatuses
from orderhub.connectors.cartcom.mapping import (
    StatusBook,
    map_order,
    order_address_ids,
    order_customer_ids,
)
from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.domain import FlowName
from orderhub.engine import EntityKind
from orderhub.engine.cursors import PullCursor
from orderhub.engine.pull_source import PulledRecord, Stream

__all__ = ["OrdersPull"]

ORDER_EXPAND = "items,payments,shipments,custom_fields"
CUSTOMER_FIELDS = "id,email,first_name,last_name,phone_number,company,customer_number,updated_at"
ORDER_CHILDREN = ("order_shipments", "order_payments", "order_items")
_EXPANDED_AS = {
    "order_shipments": "shipments",
    "order_payments": "payments",
    "order_items": "items",
}
"""Where an order's document (expanded) holds each child resource."""
CHILD_FIELDS = "id,order_id,updated_at"
ADDRESSES = "order_addresses"
_UNKNOWN = object()


def _orders(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The orders a page of shipments, payments or lines belongs to."""
    return [str(order) for row in rows if isinstance(order := row.get("order_id"), int)]


def _named_by_none(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """An address row names no order: `OrdersPull.stale_records` asks the store which use it."""
    return []


@dataclass(frozen=True)
class _Related:
    """A page's addresses and customers, by id."""

    addresses: dict[int, Mapping[str, Any]]
    customers: dict[int, Mapping[str, Any]]
    shipments: dict[int, Mapping[str, Any]]
    """The page's shipments with their items, where the orders' documents lack them."""
    statuses: StatusBook
    """The statuses the page's orders map by."""
    left_out: frozenset[str] = frozenset()
    """The page's orders in a skipped status that the hub does not hold."""
    unchanged: frozenset[str] = frozenset()
    """The page's orders listed as the hub's copy holds them (`held_orders.py`)."""


class OrdersPull(CartcomPull):
    name = FlowName.ORDERS_PULL
    entity = EntityKind.ORDER
    entity_type = "order"
    streams = (
        Stream("orders", "orders", page_size=100, params={"expand": ORDER_EXPAND}),
        # Cart.com's docs do not say that a shipment, payment or line change moves its order's
        # updated_at (API-NOTES open question 4): follow each by its own, and read again the
        # orders they belong to. One call each per run when nothing changed.
        *(
            Stream(child, child, page_size=250, params={"fields": CHILD_FIELDS}, leads_to=_orders)
            for child in ORDER_CHILDREN
        ),
        Stream(
            ADDRESSES,
            ADDRESSES,
            page_size=250,
            params={"fields": "id,updated_at"},
            leads_to=_named_by_none,
        ),
    )
    fetch_params: ClassVar[Mapping[str, str]] = {"expand": ORDER_EXPAND}
    select_chunk = 250  # select_many takes long id lists; two addresses per order fit one call

    def prepare(self, source: CartcomSource) -> None:
        self._statuses = RunStatuses(self.ctx, source.client)
        self._source = source
        self._addresses_read: dict[int, object] = {}
        """Addresses this run read with its orders, or found as the hub holds them with an
        unchanged order: id -> `updated_at` (no lookup for those)."""
        self._read_in_full: set[str] = set(self.ctx.retry_ext_ids)
        """Orders read again for a changed child or address, or retried: never "unchanged"."""
        self._taken_as_held: set[str] = set()
        """Orders this run took as the hub holds them, without reading their addresses."""

    def enrich(self, source: CartcomSource, raws: Sequence[Mapping[str, Any]]) -> _Related:
        listed = [o for o in raws if isinstance(o, Mapping)]
        held = self._held(listed)
        left_out, unchanged = self._sorted_out(listed, held)
        if len(left_out | unchanged) < len(listed) and not self._statuses.fresh:
            self._statuses.read()  # an order to map: by the store's statuses, as they are now
            left_out, unchanged = self._sorted_out(listed, held)
        self._taken_as_held |= unchanged
        for ext_id in sorted(unchanged):  # as the hub holds them: no lookup in the address walk
            kept = held.addresses(ext_id)
            self._note_addresses((i, address.get("updated_at")) for i, address in kept.items())
        orders = [o for o in listed if str(o.get("id")) not in left_out | unchanged]
        addresses = source.client.select_many(
            "order_addresses",
            _union(order_address_ids(o) for o in orders),
            chunk_size=self.select_chunk,
        )
        customers = source.client.select_many(
            "customers",
            _union(order_customer_ids(o) for o in orders),
            params={"fields": CUSTOMER_FIELDS},
            chunk_size=self.select_chunk,
        )
        self._note_addresses(
            (a["id"], a.get("updated_at")) for a in addresses if isinstance(a.get("id"), int)
        )
        known = held.shipments()
        wanted = {
            shipment_id: updated_at
            for o in orders
            for shipment_id, updated_at in _shipments_without_items(o).items()
        }
        shipments = {i: known[i] for i, at in wanted.items() if i in known and _at(known[i]) == at}
        shipments |= _by_id(
            source.client.select_many(
                "order_shipments",
                sorted(i for i in wanted if i not in shipments),
                params={"expand": "items"},
                chunk_size=self.select_chunk,
            )
        )
        return _Related(
            _by_id(addresses),
            _by_id(customers),
            shipments,
            self._statuses.book,
            left_out,
            unchanged,
        )

    def _sorted_out(
        self, orders: Sequence[Mapping[str, Any]], held: HeldOrders
    ) -> tuple[frozenset[str], frozenset[str]]:
        """The page's orders left out (a skipped status, not held) and those held as listed."""
        left_out = self._left_out(orders, held)
        unchanged = frozenset(
            ext_id
            for o in orders
            if (ext_id := str(o.get("id"))) not in left_out and self._as_held(ext_id, o, held)
        )
        return left_out, unchanged

    def _held(self, orders: Sequence[Mapping[str, Any]]) -> HeldOrders:
        """The hub's copies of a page's orders (one query)."""
        ids = [str(o.get("id")) for o in orders]
        if not ids:
            return HeldOrders({})
        with self.ctx.reading() as view:
            return HeldOrders(view.records_by_ext(EntityKind.ORDER, self.ctx.integration_id, ids))

    def _as_held(self, ext_id: str, order: Mapping[str, Any], held: HeldOrders) -> bool:
        """Whether the hub holds this listed order as it would map it now (`held_orders.py`)."""
        if ext_id in self._read_in_full or not held.as_listed(order):
            return False
        document = held.document(ext_id)
        assert document is not None
        try:
            mapped = map_order(
                document,
                statuses=self._statuses.book,
                addresses=held.addresses(ext_id),
                customers=held.customers(ext_id),
                store_url=self.ctx.integration.api_url,
            )
        except Exception:
            return False  # read it in full: the page's own mapping reports what is wrong
        return held.would_keep(ext_id, mapped.to_wire())

    def _note_addresses(self, versions: Iterable[tuple[int, object]]) -> None:
        """Note addresses as read at these versions; one seen at two versions (a hub copy
        holds an older one) stays unknown, so the address walk asks which orders use it."""
        for address, updated_at in versions:
            if self._addresses_read.get(address, updated_at) != updated_at:
                updated_at = _UNKNOWN
            self._addresses_read[address] = updated_at

    def _left_out(self, orders: Sequence[Mapping[str, Any]], held: HeldOrders) -> frozenset[str]:
        """The orders of a page in a skipped status that the hub does not hold."""
        skipped = self._statuses.skipped
        if not skipped:
            return frozenset()
        return frozenset(
            ext_id
            for raw in orders
            if plain_id(raw.get("order_status_id")) in skipped
            and not held.holds(ext_id := str(raw.get("id")))
        )

    def stale_records(self, stream: Stream, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """Orders to read again for a page of their shipments, payments or lines: those whose
        hub copy does not hold that child as it is now (a re-read overlap costs no order)."""
        stale = self._stale_for(stream, rows)
        self._read_in_full.update(stale)
        # One this run took as the hub holds it (no address read) must be read after all.
        self.read_again([ext_id for ext_id in stale if ext_id in self._taken_as_held])
        return stale

    def _stale_for(self, stream: Stream, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        if stream.resource == ADDRESSES:
            return self._stale_for_addresses(rows)
        expanded = _EXPANDED_AS[stream.resource]
        orders = _orders(rows)
        with self.ctx.reading() as view:
            held = view.records_by_ext(EntityKind.ORDER, self.ctx.integration_id, orders)
        stale: list[str] = []
        for row in rows:
            order = row.get("order_id")
            if not isinstance(order, int):
                continue
            record = held.get(str(order))
            document = (record.source_doc or {}).get("order") if record is not None else None
            children = document.get(expanded) if isinstance(document, Mapping) else None
            known = {
                child.get("id"): child.get("updated_at")
                for child in children or []
                if isinstance(child, Mapping)
            }
            if row.get("id") not in known or known[row.get("id")] != row.get("updated_at"):
                stale.append(str(order))
        return stale

    def _stale_for_addresses(self, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """Orders to read again for a page of changed addresses. An address this run read with
        its order, as it is now, needs nothing; for the others the store is asked which orders
        use them, and those whose hub copy holds an older version of the address are stale."""
        changed = {
            row["id"]: row.get("updated_at")
            for row in rows
            if isinstance(row.get("id"), int)
            and self._addresses_read.get(row["id"], _UNKNOWN) != row.get("updated_at")
        }
        if not changed:
            return []
        users = orders_using_addresses(self._source.client, sorted(changed))
        orders = sorted({str(order) for found in users.values() for order in found})
        with self.ctx.reading() as view:
            held = view.records_by_ext(EntityKind.ORDER, self.ctx.integration_id, orders)
        stale: list[str] = []
        for address, found in sorted(users.items()):
            for order in sorted(found):
                record = held.get(str(order))
                kept = (record.source_doc or {}).get("addresses") if record is not None else None
                known = {
                    a.get("id"): a.get("updated_at")
                    for a in (kept if isinstance(kept, list) else [])
                    if isinstance(a, Mapping)
                }
                if known.get(address, _UNKNOWN) != changed[address]:
                    stale.append(str(order))
        return stale

    def records(self, raw: Mapping[str, Any], enrichment: _Related) -> list[PulledRecord]:
        ext_id = str(raw.get("id"))
        if ext_id in enrichment.left_out or ext_id in enrichment.unchanged:
            return []  # a skipped status, or as the hub holds it: the kit counts it unchanged
        raw = _with_shipment_items(raw, enrichment.shipments)
        order = map_order(
            raw,
            statuses=enrichment.statuses,
            addresses=enrichment.addresses,
            customers=enrichment.customers,
            store_url=self.ctx.integration.api_url,
        )
        return [PulledRecord(str(raw.get("id")), order.to_wire(), _source_doc(raw, enrichment))]

    def finish(self, source: CartcomSource, cursor: PullCursor) -> PullCursor:
        """Keep the statuses this run read (the settings page lists them); the cursor is
        written again only when they changed. A run that read none keeps the old ones."""
        kept = self._statuses.kept()
        return cursor if kept is None else cursor.with_extra(**{STATUSES_KEPT: kept})


def _shipments_without_items(order: Mapping[str, Any]) -> dict[int, object]:
    """The order's expanded shipments that came without items: id -> `updated_at`."""
    shipments = order.get("shipments")
    if not isinstance(shipments, list):
        return {}
    return {
        s["id"]: s.get("updated_at")
        for s in shipments
        if isinstance(s, Mapping) and isinstance(s.get("id"), int) and s.get("items") is None
    }


def _at(record: Mapping[str, Any]) -> object:
    return record.get("updated_at")


def _with_shipment_items(
    order: Mapping[str, Any], shipments: Mapping[int, Mapping[str, Any]]
) -> Mapping[str, Any]:
    """The order with each expanded shipment's items filled in from `shipments`, where known.

    A shipment the second read did not return (deleted meanwhile) keeps no items, and the
    mapping then leaves shipped quantities unknown rather than guessing.
    """
    listed = order.get("shipments")
    if not isinstance(listed, list) or not any(
        isinstance(s, Mapping) and s.get("items") is None for s in listed
    ):
        return order
    filled = []
    for shipment in listed:
        if isinstance(shipment, Mapping) and shipment.get("items") is None:
            shipment_id = shipment.get("id")
            full = shipments.get(shipment_id) if isinstance(shipment_id, int) else None
            if full is not None and isinstance(full.get("items"), list):
                shipment = {**shipment, "items": full["items"]}
        filled.append(shipment)
    return {**order, "shipments": filled}


def _union(groups: Iterable[set[int]]) -> list[int]:
    merged: set[int] = set()
    for group in groups:
        merged |= group
    return sorted(merged)


def _by_id(records: Sequence[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    return {int(r["id"]): r for r in records if isinstance(r.get("id"), int)}


def _source_doc(order: Mapping[str, Any], related: _Related) -> dict[str, Any]:
    """The Cart.com documents this hub order was built from, kept for the order's detail page."""
    addresses = related.addresses
    used = [addresses[i] for i in sorted(order_address_ids(order)) if i in addresses]
    customers = related.customers
    customer = next((customers[i] for i in order_customer_ids(order) if i in customers), None)
    return {"order": dict(order), "addresses": used, "customer": customer}
