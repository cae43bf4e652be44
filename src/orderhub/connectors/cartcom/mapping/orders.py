"""A Cart.com order (with expanded items, payments, shipments, custom fields) to the hub's `Order`.

Pure: the caller fetches the order page, then the addresses and customers it names (the two
`*_ids` helpers say which; API-NOTES §15 recipe A), and the store's order statuses, and passes
them in. Decisions a reader of the hub should know:

- `extOrderUrl` is the order's page in the store admin,
  `{store_url}/store/admin/orders/orderdetail.aspx?id={id}`; `store_url` is the store's origin.
- Discount lines (`is_discount_item`) are not goods to ship: their amount (`|price x quantity|`)
  is added to `orderDiscount` instead of becoming a line. Whether Cart.com's own `discount_total`
  already counts them is undocumented; the store's `subtotal` and `grand_total` are kept as sent.
- Kit children (`parent_order_item_id` set) stay lines of their own.
- A line with its own ship-to (`order_shipping_address_id` on the line; null means the
  order's) decides `shippingAddress` when every shippable line goes to that one address. When
  they go to several, `shippingAddress` stays the order's and the order is tagged
  `multipleShipTo`: the hub holds one shipping address per order, so the merchant must see
  that some lines go elsewhere (the addresses are in the order's source document).
- An address id with no record in `addresses` (deleted since?) maps to no address rather than
  failing the order. `postal_code` is typed as an integer, so a US ZIP loses its leading
  zeros (`02134` -> `2134`); `addresses.normalize_postal_code` gives them back for addresses
  in places that use US ZIP codes (and for a number with no country), and keeps every other
  country's code as sent.
- `shippedQuantity` is summed from the shipments' items when shipments came expanded *with*
  their items; otherwise it is left unknown (`None`) rather than reported as 0.
- `orderNote` joins the customer's `special_instructions` and the store's `public_comments`.
- A status that says nothing shipped yet (`new`, `readyForFulfillment`) on an order that has
  shipments becomes `partialFulfillment`: Cart.com keeps one status per order, so a shipped
  order later "Partially Refunded" carries a status without the shipped flag, and offering it
  for fulfillment again would ship it twice. (How much shipped is unknown without shipment
  items, so "partial" is the safe reading.)

The line items are mapped in order_lines.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orderhub.connectors.cartcom.mapping.addresses import as_postal_code
from orderhub.connectors.cartcom.mapping.common import (
    INVALID_RECORD,
    UNKNOWN_STATUS,
    MappingError,
    as_bool,
    as_field_value,
    as_mapping,
    as_money,
    as_optional_list,
    as_text,
    as_time,
    build_model,
    foreign_key,
    plain_id,
    required_money,
)
from orderhub.connectors.cartcom.mapping.order_lines import MISSING_SKU_PREFIX, line_items
from orderhub.connectors.cartcom.mapping.statuses import (
    StatusBook,
    order_payment_status,
    payment_status,
)
from orderhub.domain.order import (
    Address,
    Customer,
    CustomField,
    LineItem,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
)

__all__ = [
    "MISSING_SKU_TAG",
    "MULTIPLE_SHIP_TO_TAG",
    "ORDER_SOURCE",
    "map_order",
    "order_address_ids",
    "order_customer_ids",
]

ORDER_SOURCE = "cartcom"
MISSING_SKU_TAG = "missingSku"
"""Tag on an order with such a line, so the merchant can find and review it."""
MULTIPLE_SHIP_TO_TAG = "multipleShipTo"
"""Tag on an order whose lines ship to several addresses (the hub holds the order's)."""


def order_address_ids(order: Mapping[str, Any]) -> set[int]:
    """The order_addresses ids an order points at: billing, shipping and per-line ship-tos.

    Lenient on purpose: it only plans a batch fetch, so a malformed id is skipped here and
    reported by `map_order` for that one order.
    """
    if not isinstance(order, Mapping):
        return set()
    values = [order.get("order_billing_address_id"), order.get("order_shipping_address_id")]
    items = order.get("items")
    if isinstance(items, list):
        values += [
            item.get("order_shipping_address_id") for item in items if isinstance(item, Mapping)
        ]
    return {value for value in map(plain_id, values) if value is not None}


def order_customer_ids(order: Mapping[str, Any]) -> set[int]:
    """The customer id an order points at (none for `0`/`null`); as lenient as the above."""
    customer_id = plain_id(order.get("customer_id")) if isinstance(order, Mapping) else None
    return {customer_id} if customer_id is not None else set()


def map_order(
    order: Mapping[str, Any],
    *,
    statuses: StatusBook,
    addresses: Mapping[int, Mapping[str, Any]],
    customers: Mapping[int, Mapping[str, Any]],
    store_url: str,
    currency: str = "USD",
) -> Order:
    """Map one Cart.com order; anything unmappable raises `MappingError` naming the field."""
    order = as_mapping(order, "order")
    order_id = foreign_key(order.get("id"), "order id")
    if order_id is None:
        raise MappingError(INVALID_RECORD, "order has no id")
    status_id = foreign_key(order.get("order_status_id"), "order_status_id")
    if status_id is None:
        raise MappingError(UNKNOWN_STATUS, "order has no order_status_id")
    lines, folded_discount = line_items(order)
    ship_to, several_ship_tos = _ship_to(order)
    billing = _address(
        foreign_key(order.get("order_billing_address_id"), "order_billing_address_id"), addresses
    )
    customer, email = _customer(order, customers, billing)
    payments = _payments(order, currency)
    grand_total = as_money(order.get("grand_total"), "grand_total")
    discount = as_money(order.get("discount_total"), "discount_total")
    if folded_discount is not None:
        discount = folded_discount + (discount or 0)
    payment_state = order_payment_status(
        [(PaymentStatus(payment.status), payment.amount) for payment in payments],
        grand_total,
        statuses.refund_status(status_id),
    )
    return build_model(
        Order,
        "order",
        ext_order_id=as_text(order.get("order_number"), "order_number") or str(order_id),
        ext_order_api_id=str(order_id),
        ext_order_url=f"{store_url.rstrip('/')}/store/admin/orders/orderdetail.aspx?id={order_id}",
        ext_order_created_at=as_time(order.get("ordered_at"), "ordered_at")
        or as_time(order.get("created_at"), "created_at"),
        ext_order_updated_at=as_time(order.get("updated_at"), "updated_at"),
        order_source=ORDER_SOURCE,
        status=_status_given_shipments(statuses.hub_status(status_id), order),
        ext_status=statuses.name(status_id),
        payment_status=payment_state,
        currency=currency,
        sub_total_price=as_money(order.get("subtotal"), "subtotal"),
        order_discount=discount,
        order_tax=as_money(order.get("tax_total"), "tax_total"),
        shipping_price=as_money(order.get("shipping_total"), "shipping_total"),
        total_price=grand_total,
        shipping_method=as_text(order.get("selected_shipping_method"), "selected_shipping_method"),
        shipping_code=as_text(
            order.get("selected_shipping_provider_service"), "selected_shipping_provider_service"
        ),
        shipping_address=_address(ship_to, addresses),
        billing_address=billing,
        customer=customer,
        email=email,
        line_items=lines,
        payments=payments,
        order_note=_order_note(order),
        gift_note=as_text(order.get("gift_message"), "gift_message"),
        custom_fields=_custom_fields(order),
        tags=_tags(lines, several_ship_tos),
    )


def _tags(lines: list[LineItem], several_ship_tos: bool) -> list[str]:
    tags = []
    if any(line.sku.startswith(MISSING_SKU_PREFIX) for line in lines):
        tags.append(MISSING_SKU_TAG)
    if several_ship_tos:
        tags.append(MULTIPLE_SHIP_TO_TAG)
    return tags


def _status_given_shipments(status: OrderStatus, order: Mapping[str, Any]) -> OrderStatus:
    """A not-yet-shipped status on an order that has shipments means part of it left."""
    if status in (OrderStatus.NEW, OrderStatus.READY_FOR_FULFILLMENT):
        shipments = as_optional_list(order.get("shipments"), "shipments")
        if shipments:
            return OrderStatus.PARTIAL_FULFILLMENT
    return status


# --- parties ----------------------------------------------------------------------------------


def _ship_to(order: Mapping[str, Any]) -> tuple[int | None, bool]:
    """The address the order ships to, and whether its shippable lines go to several: each
    line goes to its own ship-to, else the order's (lines are checked by `line_items`)."""
    own = foreign_key(order.get("order_shipping_address_id"), "order_shipping_address_id")
    targets: set[int | None] = set()
    for index, item in enumerate(as_optional_list(order.get("items"), "items") or []):
        if not isinstance(item, Mapping) or item.get("is_non_shipping_item") is True:
            continue
        if item.get("is_discount_item") is True:
            continue
        field = f"items[{index}].order_shipping_address_id"
        targets.add(foreign_key(item.get("order_shipping_address_id"), field) or own)
    if len(targets) == 1:
        return next(iter(targets)), False
    return own, len(targets) > 1


def _address(address_id: int | None, addresses: Mapping[int, Mapping[str, Any]]) -> Address | None:
    record = addresses.get(address_id) if address_id is not None else None
    if record is None:
        return None
    where = f"order address {address_id}"
    record = as_mapping(record, where)

    def text(*names: str) -> str | None:
        values = (as_text(record.get(name), f"{where}: {name}") for name in names)
        return next((value for value in values if value is not None), None)

    country = text("country_code", "country")
    return build_model(
        Address,
        where,
        first_name=text("first_name"),
        last_name=text("last_name"),
        company=text("company"),
        address1=text("address_line_1"),
        address2=text("address_line_2"),
        city=text("city"),
        state_or_province=text("state_code", "state"),
        zip_code_or_postal_code=as_postal_code(
            record.get("postal_code"), country, f"{where}: postal_code"
        ),
        country=country,
        phone=text("phone"),
    )


def _customer(
    order: Mapping[str, Any],
    customers: Mapping[int, Mapping[str, Any]],
    billing: Address | None,
) -> tuple[Customer | None, str | None]:
    """The order's customer and email; without a customer record, the billing names stand in."""
    customer_id = foreign_key(order.get("customer_id"), "customer_id")
    ext_id = str(customer_id) if customer_id is not None else None
    record = customers.get(customer_id) if customer_id is not None else None
    if record is None:
        if billing is None and ext_id is None:
            return None, None
        stand_in = billing or Address()
        customer = Customer(
            ext_customer_id=ext_id,
            first_name=stand_in.first_name,
            last_name=stand_in.last_name,
            company=stand_in.company,
            phone=stand_in.phone,
        )
        return customer, None
    where = f"customer {customer_id}"
    record = as_mapping(record, where)
    email = as_text(record.get("email"), f"{where}: email")
    customer = build_model(
        Customer,
        where,
        ext_customer_id=ext_id,
        email=email,
        first_name=as_text(record.get("first_name"), f"{where}: first_name"),
        last_name=as_text(record.get("last_name"), f"{where}: last_name"),
        company=as_text(record.get("company"), f"{where}: company"),
        phone=as_text(record.get("phone_number"), f"{where}: phone_number"),
    )
    return customer, email


# --- payments, notes, custom fields -----------------------------------------------------------


def _payments(order: Mapping[str, Any], currency: str) -> list[Payment]:
    payments = as_optional_list(order.get("payments"), "payments") or []
    mapped = []
    for index, raw in enumerate(payments):
        record = as_mapping(raw, f"payments[{index}]")
        payment_id = foreign_key(record.get("id"), f"payments[{index}].id")
        where = f"payment {payment_id}" if payment_id is not None else f"payments[{index}]"

        def flag(name: str, record: Mapping[str, Any] = record, where: str = where) -> bool:
            return as_bool(record.get(name), f"{where}: {name}")

        status = payment_status(
            void=flag("is_void"),
            declined=flag("is_declined"),
            captured=flag("is_captured"),
            approved=flag("is_approved"),
        )
        kind = as_text(record.get("transaction_type"), f"{where}: transaction_type")
        payment = build_model(
            Payment,
            where,
            ext_payment_id=str(payment_id) if payment_id is not None else None,
            method=as_text(record.get("payment_type"), f"{where}: payment_type")
            or as_text(record.get("payment_method_name"), f"{where}: payment_method_name"),
            kind=None if kind == "None" else kind,
            status=status.value,
            amount=required_money(record.get("amount"), f"{where}: amount"),
            currency=currency,
            card_type=as_text(record.get("card_type"), f"{where}: card_type"),
            last_four=as_text(record.get("last_four"), f"{where}: last_four"),
            transaction_id=as_text(record.get("transaction_id"), f"{where}: transaction_id"),
            paid_at=as_time(record.get("paid_at"), f"{where}: paid_at"),
        )
        mapped.append(payment)
    return mapped


def _order_note(order: Mapping[str, Any]) -> str | None:
    notes: list[str] = []
    for field in ("special_instructions", "public_comments"):
        note = as_text(order.get(field), field)
        if note is not None and note not in notes:
            notes.append(note)
    return "\n".join(notes) or None


def _custom_fields(order: Mapping[str, Any]) -> list[CustomField]:
    fields = as_optional_list(order.get("custom_fields"), "custom_fields") or []
    mapped = []
    for index, raw in enumerate(fields):
        where = f"custom_fields[{index}]"
        record = as_mapping(raw, where)
        name = as_text(record.get("name"), f"{where}.name")
        if name is None:
            raise MappingError(INVALID_RECORD, f"{where} has no name")
        value = as_field_value(record.get("value"), f"custom field {name!r}")
        mapped.append(CustomField(name=name, value=value))
    return mapped
