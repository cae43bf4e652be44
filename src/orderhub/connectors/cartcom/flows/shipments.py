"""The Cart.com side of fulfillments.push: one page of fulfillments made into shipments.

`ShipmentWriter.send` reads the page's orders (status and items) and their existing shipments
in a few batched calls, then, per fulfillment, leaves alone, updates or creates the shipment
named after it, and last moves each order to the shipped or partially-shipped status its
shipments call for. It writes nothing to the hub: every outcome and failure goes into the
`PageResult`, which the flow records in one transaction with its feed position.

A POST whose answer is lost (reset, timeout, 5xx) is resolved at once: the shipment is read
back by name, and sent again only if it is not there (or differs). In a dry run
(`ctx.dry_run`) each write is planned (`ctx.plan`) instead of sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import TransientError, ValidationFailed
from orderhub.connectors.cartcom.flows.reference import order_statuses
from orderhub.connectors.cartcom.flows.shipping_methods import MethodChooser
from orderhub.connectors.cartcom.mapping import (
    SHIPMENT_FIELDS,
    MappingError,
    StatusBook,
    order_item_quantities,
    shipment_update,
    shipped_quantities,
    shipping_state,
    status_to_set,
)
from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.domain import Order, Outcome
from orderhub.engine import FlowContext
from orderhub.engine.push import PageResult

__all__ = ["ORDER_FIELDS", "ShipmentJob", "ShipmentWriter"]

ORDER_FIELDS = "id,order_status_id,items"
LOOKUP_CHUNK = 100
"""Orders per select_many call and per `order_id=eq:A+OR+eq:B…` filter."""


@dataclass
class ShipmentJob:
    """One fulfillment to push, with the hub order it belongs to and its shipment body."""

    hub_id: str
    wire: dict[str, Any]
    order: Order
    body: dict[str, Any]

    @property
    def cart_order_id(self) -> int:
        return int(self.body["order_id"])

    @property
    def number(self) -> str:
        return f"#{self.order.ext_order_id}"

    @property
    def carrier(self) -> str | None:
        """The fulfillment's `shippingCarrier`, if it names one."""
        return _named(self.wire.get("shippingCarrier"))

    @property
    def service(self) -> str | None:
        """The fulfillment's `shippingClass` (the carrier's service), if it names one."""
        return _named(self.wire.get("shippingClass"))

    def sku_of(self, item_id: int) -> str:
        line = next((x for x in self.order.line_items if x.unique_id == str(item_id)), None)
        return line.sku if line is not None else f"order item {item_id}"


def _named(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class ShipmentWriter:
    """Shipments and statuses for one run; the store's order statuses are read once per run."""

    def __init__(self, ctx: FlowContext, client: CartcomClient) -> None:
        self.ctx = ctx
        self.client = client
        self._statuses: StatusBook | None = None
        self.methods = MethodChooser(ctx, client)

    def send(self, jobs: Sequence[ShipmentJob], page: PageResult) -> None:
        """The Cart.com side: look up, create or update shipments, then move order statuses."""
        statuses = self._status_book()
        order_ids = sorted({job.cart_order_id for job in jobs})
        carts = {
            int(order["id"]): order
            for order in self.client.select_many(
                "orders", order_ids, params={"fields": ORDER_FIELDS}, chunk_size=LOOKUP_CHUNK
            )
        }
        shipments = self._shipments([i for i in order_ids if i in carts])
        touched: dict[int, list[ShipmentJob]] = {}
        for job in jobs:
            cart = carts.get(job.cart_order_id)
            if cart is None:
                page.fail(
                    job.hub_id,
                    "orderNotFound",
                    f"Order {job.number} was not found in Cart.com (order id "
                    f"{job.cart_order_id}); no shipment was made for this fulfillment",
                    job.wire,
                )
                continue
            try:  # before any write: an unmatched carrier ships nothing (no blank method)
                job.body.update(self.methods.fields_for(job))
            except MappingError as problem:
                page.fail(job.hub_id, problem.exception_type, problem.reason, job.wire)
                continue
            if self._ship(job, cart, shipments.setdefault(job.cart_order_id, []), page):
                touched.setdefault(job.cart_order_id, []).append(job)
        for order_id, order_jobs in touched.items():
            self._move_status(statuses, carts[order_id], shipments[order_id], order_jobs, page)

    def _ship(
        self,
        job: ShipmentJob,
        cart: Mapping[str, Any],
        shipments: list[dict[str, Any]],
        page: PageResult,
    ) -> bool:
        """Make the fulfillment's shipment exist as the hub says; False if it became a failure."""
        body = job.body
        on_order = {
            plain_id(i.get("id")) for i in cart.get("items") or [] if isinstance(i, Mapping)
        }
        wanted = {int(i["id"]): int(i["quantity_shipped"]) for i in body["items"]}
        missing = [item for item in wanted if item not in on_order]
        if missing:
            lines = ", ".join(f"{job.sku_of(i)} (order item {i})" for i in missing)
            page.fail(
                job.hub_id,
                "itemNotFound",
                f"Order {job.number} in Cart.com has no line {lines}; "
                "no shipment was made for this fulfillment",
                job.wire,
            )
            return False
        name = str(body["shipment_name"]).casefold()
        existing = next(
            (s for s in shipments if str(s.get("shipment_name") or "").casefold() == name), None
        )
        try:
            if existing is None:
                problem = self._over_quantity(job, cart, shipments, wanted)
                if problem is not None:
                    page.fail(job.hub_id, "quantityExceeded", problem, job.wire)
                    return False
                made = self._write(body)
                shipments.append(
                    {
                        **made,
                        "order_id": job.cart_order_id,
                        "shipment_name": body["shipment_name"],
                        "items": body["items"],
                    }
                )
                self.ctx.failures.succeeded()
                page.ok(
                    job.hub_id,
                    Outcome.CREATED,
                    f"Shipped in Cart.com as shipment {made.get('id')} ({body['shipment_name']}) "
                    f"of order {job.number}",
                )
                return True
            update = shipment_update(existing, body)
            if update is None:
                page.ok(job.hub_id, Outcome.UNCHANGED)
                return True
            self._write(update)
            self.ctx.failures.succeeded()
            existing.update({key: value for key, value in body.items() if key != "items"})
            existing["items"] = body["items"]
            page.ok(
                job.hub_id,
                Outcome.UPDATED,
                f"Updated Cart.com shipment {existing.get('id')} ({body['shipment_name']}) "
                f"of order {job.number}",
            )
            return True
        except ValidationFailed as refused:
            page.fail(
                job.hub_id,
                "shipmentRejected",
                f"Cart.com refused the shipment for order {job.number}: "
                f"{refused.quoted or refused}",
                job.wire,
            )
            return False
        except Exception as error:  # this order's write failed; the others go on
            self.ctx.failures.failed(job.hub_id, error)  # raises if the store itself is down
            page.fail(
                job.hub_id,
                "shipmentNotSaved",
                f"Cart.com could not save the shipment of order {job.number} ({error}); "
                "it is tried again",
                job.wire,
            )
            return False

    def _write(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a shipment; if the answer is lost, read it back by name before sending again."""
        if self.ctx.dry_run:
            items = ", ".join(f"{i['id']} x{i['quantity_shipped']}" for i in body["items"])
            self.ctx.plan(
                "update" if "id" in body else "create",
                "shipment",
                str(body["shipment_name"]),
                summary=f"order {body['order_id']}: items {items}",
                data=body,
            )
            return {}
        try:
            return self.client.post("order_shipments", body)
        except TransientError:
            found = self._read_back(body)
            if found is None:
                return self.client.post("order_shipments", body)
            update = shipment_update(found, body)
            return found if update is None else self.client.post("order_shipments", update)

    def _read_back(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        page = self.client.list_page(
            "order_shipments",
            {
                "order_id": f"eq:{body['order_id']}",
                "shipment_name": f"eq:{body['shipment_name']}",
                "fields": SHIPMENT_FIELDS,
            },
        )
        return page.records[0] if page.records else None

    def _over_quantity(
        self,
        job: ShipmentJob,
        cart: Mapping[str, Any],
        shipments: Sequence[Mapping[str, Any]],
        wanted: Mapping[int, int],
    ) -> str | None:
        ordered = {
            plain_id(i.get("id")): i.get("quantity")
            for i in cart.get("items") or []
            if isinstance(i, Mapping)
        }
        shipped = shipped_quantities(shipments)
        for item, quantity in wanted.items():
            held = ordered.get(item)
            left = (held if isinstance(held, int) else 0) - shipped.get(item, 0)
            if quantity > left:
                return (
                    f"Order {job.number}: {job.sku_of(item)} has {max(left, 0)} left to ship in "
                    f"Cart.com and this fulfillment ships {quantity}; no shipment was made"
                )
        return None

    def _move_status(
        self,
        statuses: StatusBook,
        cart: dict[str, Any],
        shipments: Sequence[Mapping[str, Any]],
        jobs: Sequence[ShipmentJob],
        page: PageResult,
    ) -> None:
        """Set the shipped / partially-shipped status the order's shipments now call for."""
        current = cart.get("order_status_id")
        try:
            state = shipping_state(order_item_quantities(cart), shipped_quantities(shipments))
        except MappingError as problem:
            for job in jobs:
                page.fail(job.hub_id, problem.exception_type, problem.reason, job.wire)
            return
        target = status_to_set(statuses, current if isinstance(current, int) else None, state)
        if target is None:
            return
        if self.ctx.dry_run:
            self.ctx.plan(
                "set",
                "order status",
                str(cart["id"]),
                summary=f"{statuses.name(current) if isinstance(current, int) else current} "
                f"-> {statuses.name(target)}",
                data={"order_status_id": target},
            )
            return
        try:
            self.client.put(f"orders/{int(cart['id'])}/status", {"order_status_id": target})
        except ValidationFailed as refused:
            for job in jobs:
                page.fail(
                    job.hub_id,
                    "statusNotChanged",
                    f"The shipment of order {job.number} was made, but Cart.com refused to "
                    f"set its status to {statuses.name(target)}: {refused.quoted or refused}",
                    job.wire,
                )
            return
        except Exception as error:  # this order's status call failed; the others go on
            self.ctx.failures.failed(f"order-status:{cart['id']}", error)
            for job in jobs:
                page.fail(
                    job.hub_id,
                    "statusNotChanged",
                    f"The shipment of order {job.number} was made, but setting its status to "
                    f"{statuses.name(target)} failed ({error}); it is tried again",
                    job.wire,
                )
            return
        cart["order_status_id"] = target

    # --- Cart.com reads -------------------------------------------------------------------

    def _status_book(self) -> StatusBook:
        if self._statuses is None:
            self._statuses = order_statuses(self.ctx, self.client)
        return self._statuses

    def _shipments(self, order_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The orders' existing shipments with items, a few filtered list calls for them all."""
        found: dict[int, list[dict[str, Any]]] = {order_id: [] for order_id in order_ids}
        for start in range(0, len(order_ids), LOOKUP_CHUNK):
            chunk = order_ids[start : start + LOOKUP_CHUNK]
            records = self.client.list_all(
                "order_shipments",
                params={
                    "order_id": " OR ".join(f"eq:{order_id}" for order_id in chunk),
                    "fields": SHIPMENT_FIELDS,
                },
                page_size=250,
            )
            for shipment in records:
                order_id = shipment.get("order_id")
                if isinstance(order_id, int) and order_id in found:
                    found[order_id].append(shipment)
        return found
