"""Orders as the hub holds them, with Pipe17's field names."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.bounds import (
    MAX_ITEMS,
    MAX_LIST,
    Code,
    Identifier,
    LongText,
    Money,
    Name,
    Quantity,
    Sku,
    Text,
    Url,
)

__all__ = [
    "Address",
    "CustomField",
    "Customer",
    "LineItem",
    "Order",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
]


class OrderStatus(StrEnum):
    """Pipe17's order status values that a sales-channel pull produces."""

    NEW = "new"
    ON_HOLD = "onHold"
    READY_FOR_FULFILLMENT = "readyForFulfillment"
    PARTIAL_FULFILLMENT = "partialFulfillment"
    FULFILLED = "fulfilled"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    CLOSED = "closed"

    @property
    def words(self) -> str:
        """The status as a merchant reads it ("Ready for fulfillment"), not as the API spells it."""
        return _ORDER_STATUS_WORDS[self]


_ORDER_STATUS_WORDS: dict[OrderStatus, str] = {
    OrderStatus.NEW: "New",
    OrderStatus.ON_HOLD: "On hold",
    OrderStatus.READY_FOR_FULFILLMENT: "Ready for fulfillment",
    OrderStatus.PARTIAL_FULFILLMENT: "Partly fulfilled",
    OrderStatus.FULFILLED: "Fulfilled",
    OrderStatus.CANCELED: "Canceled",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.CLOSED: "Closed",
}


class PaymentStatus(StrEnum):
    PAID = "paid"
    PARTIALLY_PAID = "partiallyPaid"
    AUTHORIZED = "authorized"
    PENDING = "pending"
    DECLINED = "declined"
    VOIDED = "voided"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partiallyRefunded"
    UNPAID = "unpaid"


class CustomField(HubModel):
    name: Name
    value: LongText


class Address(HubModel):
    first_name: Name | None = None
    last_name: Name | None = None
    company: Name | None = None
    address1: Text | None = None
    address2: Text | None = None
    city: Name | None = None
    state_or_province: Name | None = None
    zip_code_or_postal_code: Code | None = None
    country: Name | None = None
    email: Name | None = None
    phone: Code | None = None


class Customer(HubModel):
    ext_customer_id: Identifier | None = None
    email: Name | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    company: Name | None = None
    phone: Code | None = None
    type: Code = "individual"


class LineItem(HubModel):
    unique_id: Identifier
    sku: Sku
    name: Name | None = None
    quantity: Quantity
    item_price: Money
    item_discount: Money | None = None
    item_tax: Money | None = None
    requires_shipping: bool = True
    taxable: bool = True
    variant_description: Text | None = None
    ext_product_api_id: Identifier | None = None
    shipped_quantity: Quantity | None = None


class Payment(HubModel):
    ext_payment_id: Identifier | None = None
    method: Name | None = None
    kind: Code | None = None
    status: Code
    amount: Money
    currency: Code | None = None
    card_type: Code | None = None
    last_four: Code | None = None
    transaction_id: Code | None = None
    paid_at: UtcDatetime | None = None


class Order(HubModel):
    """An order as it arrived from (or will go to) an integration.

    `order_id`, `integration`, `created_at` and `updated_at` are the hub's own and are filled
    by the store; a connector's mapping leaves them unset.
    """

    order_id: Identifier | None = None
    integration: Identifier | None = None
    ext_order_id: Identifier
    ext_order_api_id: Identifier
    ext_order_url: Url | None = None
    ext_order_created_at: UtcDatetime | None = None
    ext_order_updated_at: UtcDatetime | None = None
    order_source: Name | None = None
    status: OrderStatus
    ext_status: Name | None = None
    payment_status: PaymentStatus | None = None
    currency: Code | None = None
    sub_total_price: Money | None = None
    order_discount: Money | None = None
    order_tax: Money | None = None
    shipping_price: Money | None = None
    total_price: Money | None = None
    shipping_method: Name | None = None
    shipping_code: Code | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    customer: Customer | None = None
    email: Name | None = None
    line_items: list[LineItem] = Field(max_length=MAX_ITEMS)
    payments: list[Payment] = Field(default_factory=list, max_length=MAX_LIST)
    order_note: LongText | None = None
    gift_note: LongText | None = None
    custom_fields: list[CustomField] = Field(default_factory=list, max_length=MAX_LIST)
    tags: list[Code] = Field(default_factory=list, max_length=MAX_LIST)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
