"""Creating hub fulfillments: what the CLI, the REST API and the portal call.

A fulfillment says that some lines of one hub order shipped; fulfillments.push carries it to
the store the order came from. As in Pipe17, fulfillments are immutable: create one when its
data is final (a correction is a new fulfillment of what is left). The checks here keep a
fulfillment pushable:

- the order exists and is not canceled;
- each line names a line of that order, by `uniqueId` or by SKU (a SKU on several lines is
  spread over them in order); the stored line always carries both;
- no line ships more than is left: the order line's quantity minus what earlier hub
  fulfillments of the order took, or minus the store's own shipped quantity when orders.pull
  knows a larger one (a shipment made in the store directly). Taking the larger of the two
  never counts a shipment twice, since pushed fulfillments come back in the store's figure.

Creation and the quantity check run in one transaction that locks the order row (PostgreSQL;
SQLite serialises writers anyway), so two concurrent creates cannot both take the last unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy.orm import Session

from orderhub.domain import Fulfillment, FulfillmentLine, Order, OrderStatus
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub
from orderhub.store.entities import ACTORS
from orderhub.store.record_queries import fulfillments_of_order
from orderhub.store.records import (
    EntityKind,
    Origin,
    StoredRecord,
    get_record,
    list_records,
    lock_record,
    new_hub_id,
    upsert_record,
)

__all__ = ["EXT_PREFIX", "create_fulfillment", "find_order_id", "unfulfilled_lines"]

EXT_PREFIX: Final = "ext:"
"""`ext:<order number>` names an order by the store's order number instead of its hub id."""


def create_fulfillment(hub: Hub, fulfillment: Fulfillment, *, actor: str) -> dict[str, Any]:
    """Validate `fulfillment` against its hub order and store it; returns it as the API shows it.

    The hub gives it its id; it has no integration (a hub-native record, made by `actor`:
    "cli", "api" or "portal"). Raises `NotFoundError` for an unknown order and `UsageError`
    for anything else that is wrong, with a message for the person who typed it.
    """
    if actor not in ACTORS or actor == "flow":
        raise ValueError(f"actor must be one of cli, api, portal; not {actor!r}")
    now = hub.clock.now()
    with hub.db.session() as session:
        # The order first: a fulfillment of an order the hub does not hold is a 404 to the API
        # whatever else is wrong with it.
        record, order = _locked_order(session, fulfillment.order_id)
        _check_fields(fulfillment)
        url = fulfillment.tracking_url
        if fulfillment.ext_order_id and fulfillment.ext_order_id != order.ext_order_id:
            raise UsageError(
                f"Order {record.hub_id} is order {_number(order.ext_order_id)} in the store, "
                f"not {_number(fulfillment.ext_order_id)}"
            )
        if order.status is OrderStatus.CANCELED:
            raise UsageError(
                f"Order {_number(order.ext_order_id)} is canceled; it cannot be fulfilled"
            )
        left = _left_to_fulfil(session, record.hub_id, order)
        lines = _allocate(fulfillment.line_items, order, left)
        numbers = [n.strip() for n in fulfillment.tracking_numbers if n.strip()]
        stored = fulfillment.model_copy(
            update={
                "ext_order_id": order.ext_order_id,
                "line_items": lines,
                "tracking_numbers": list(dict.fromkeys(numbers)),
                "tracking_url": url.strip() if url else None,
                "actual_ship_date": fulfillment.actual_ship_date or now,
                "created_at": None,
                "updated_at": None,
            }
        )
        result = upsert_record(
            session,
            EntityKind.FULFILLMENT,
            integration_id=None,
            ext_id=new_hub_id(),
            data=stored.to_wire(),
            source_doc=None,
            origin=Origin(None, actor=actor),
            now=now,
        )
        created = get_record(session, EntityKind.FULFILLMENT, result.hub_id)
        assert created is not None  # written just above, in this transaction
        return created.to_wire()


def find_order_id(hub: Hub, ref: str) -> str:
    """The hub orderId for `ref`: a hub orderId, or `ext:<order number>` (the store's number)."""
    text = ref.strip()
    with hub.db.read_session() as session:
        if text.lower().startswith(EXT_PREFIX):
            number = text[len(EXT_PREFIX) :].strip()
            found = list_records(session, EntityKind.ORDER, ext_ref=number, limit=3)
            if not found:
                raise NotFoundError(
                    f"No order with order number {number!r} in the hub (see `orderhub orders list`)"
                )
            if len(found) > 1:
                ids = ", ".join(record.hub_id for record in found)
                raise UsageError(
                    f"Order number {number} names orders of several stores ({ids}); "
                    "give the hub orderId instead"
                )
            return found[0].hub_id
        if get_record(session, EntityKind.ORDER, text) is None:
            raise NotFoundError(
                f"No order with id {text!r}; for the store's order number write {EXT_PREFIX}{text}"
            )
        return text


def unfulfilled_lines(hub: Hub, order_id: str) -> list[FulfillmentLine]:
    """Every line of the order that still needs shipping, for the quantity left to fulfil."""
    with hub.db.read_session() as session:
        record, order = _read_order(session, order_id)
        left = _left_to_fulfil(session, record.hub_id, order)
    return [
        FulfillmentLine(unique_id=line.unique_id, sku=line.sku, quantity=left[line.unique_id])
        for line in order.line_items
        if line.requires_shipping and left.get(line.unique_id, 0) > 0
    ]


# --- helpers --------------------------------------------------------------------------------


def _check_fields(fulfillment: Fulfillment) -> None:
    if fulfillment.fulfillment_id:
        raise UsageError("A new fulfillment gets its fulfillmentId from the hub; leave it out")
    if fulfillment.integration:
        raise UsageError("A fulfillment created here belongs to the hub; leave `integration` out")
    if not fulfillment.line_items:
        raise UsageError("A fulfillment needs at least one line (SKU and quantity)")
    url = fulfillment.tracking_url
    if url is not None and not url.strip().lower().startswith(("https://", "http://")):
        raise UsageError(f"The tracking URL must start with https:// (got {url!r})")


def _locked_order(session: Session, order_id: str) -> tuple[StoredRecord, Order]:
    # Lock the order row first: concurrent creates for one order then check and write in turn.
    lock_record(session, EntityKind.ORDER, order_id)
    return _read_order(session, order_id)


def _read_order(session: Session, order_id: str) -> tuple[StoredRecord, Order]:
    record = get_record(session, EntityKind.ORDER, order_id)
    if record is None:
        raise NotFoundError(f"No order with id {order_id!r} (see `orderhub orders list`)")
    try:
        return record, Order.model_validate(record.to_wire())
    except ValidationError as problem:
        raise UsageError(f"Order {order_id} is stored in a shape the hub cannot read") from problem


def _left_to_fulfil(session: Session, order_id: str, order: Order) -> dict[str, int]:
    """{line uniqueId: quantity not yet fulfilled} (see the module docstring)."""
    taken: dict[str, int] = {}
    for data in _fulfillments_of(session, order_id):
        for line in data.get("lineItems") or []:
            unique_id = line.get("uniqueId") if isinstance(line, dict) else None
            quantity = line.get("quantity") if isinstance(line, dict) else None
            if isinstance(unique_id, str) and isinstance(quantity, int):
                taken[unique_id] = taken.get(unique_id, 0) + quantity
    return {
        line.unique_id: max(
            0, line.quantity - max(taken.get(line.unique_id, 0), line.shipped_quantity or 0)
        )
        for line in order.line_items
    }


def _fulfillments_of(session: Session, order_id: str) -> Iterable[dict[str, Any]]:
    # The record store has no index on a fulfillment's order: this reads the fulfillments'
    # JSON (json_extract / ->>), fine for the hub's sizes; an indexed column would be the
    # next step if fulfillments grow into the millions.
    found = fulfillments_of_order(session, order_id)
    return [record.data for record in found if isinstance(record.data, dict)]


def _allocate(
    wanted: Sequence[FulfillmentLine], order: Order, left: dict[str, int]
) -> list[FulfillmentLine]:
    """Order lines for the requested lines, within what is left; one output line per order line."""
    number = _number(order.ext_order_id)
    taken: dict[str, int] = {}
    for request in wanted:
        if request.unique_id is not None:
            line = next((x for x in order.line_items if x.unique_id == request.unique_id), None)
            if line is None:
                raise UsageError(f"Line {request.unique_id} is not a line of order {number}")
            if request.sku and request.sku != line.sku:
                raise UsageError(
                    f"Line {request.unique_id} of order {number} is SKU {line.sku}, "
                    f"not {request.sku}"
                )
            candidates = [line]
        else:
            candidates = [x for x in order.line_items if x.sku == request.sku] or [
                x for x in order.line_items if x.sku.casefold() == request.sku.casefold()
            ]
            if not candidates:
                skus = ", ".join(dict.fromkeys(x.sku for x in order.line_items))
                raise UsageError(f"SKU {request.sku} is not on order {number} (its SKUs: {skus})")
        free = {
            x.unique_id: left.get(x.unique_id, 0) - taken.get(x.unique_id, 0) for x in candidates
        }
        available = sum(max(0, quantity) for quantity in free.values())
        if request.quantity > available:
            raise UsageError(
                f"Order {number} has {available} of {candidates[0].sku} left to fulfil, "
                f"not {request.quantity}"
            )
        need = request.quantity
        for unique_id, quantity in free.items():
            take = min(need, quantity)
            if take > 0:
                taken[unique_id] = taken.get(unique_id, 0) + take
                need -= take
    sku_of = {line.unique_id: line.sku for line in order.line_items}
    return [
        FulfillmentLine(unique_id=unique_id, sku=sku_of[unique_id], quantity=quantity)
        for unique_id, quantity in taken.items()
    ]


def _number(ext_order_id: str | None) -> str:
    """An order number as a person writes it: one leading `#`, whatever the store sent."""
    return "#" + (ext_order_id or "?").lstrip("#")
