"""Orders as the hub holds them, with Pipe17's field names."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from orderhub.domain.base import HubModel, Money, UtcDatetime

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
    name: str
    value: str


class Address(HubModel):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state_or_province: str | None = None
    zip_code_or_postal_code: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None


class Customer(HubModel):
    ext_customer_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    type: str = "individual"


class LineItem(HubModel):
    unique_id: str
    sku: str
    name: str | None = None
    quantity: int = Field(ge=0)
    item_price: Money
    item_discount: Money | None = None
    item_tax: Money | None = None
    requires_shipping: bool = True
    taxable: bool = True
    variant_description: str | None = None
    ext_product_api_id: str | None = None
    shipped_quantity: int | None = None


class Payment(HubModel):
    ext_payment_id: str | None = None
    method: str | None = None
    kind: str | None = None
    status: str
    amount: Money
    currency: str | None = None
    card_type: str | None = None
    last_four: str | None = None
    transaction_id: str | None = None
    paid_at: UtcDatetime | None = None


class Order(HubModel):
    """An order as it arrived from (or will go to) an integration.

    `order_id`, `integration`, `created_at` and `updated_at` are the hub's own and are filled
    by the store; a connector's mapping leaves them unset.
    """

    order_id: str | None = None
    integration: str | None = None
    ext_order_id: str
    ext_order_api_id: str
    ext_order_url: str | None = None
    ext_order_created_at: UtcDatetime | None = None
    ext_order_updated_at: UtcDatetime | None = None
    order_source: str | None = None
    status: OrderStatus
    ext_status: str | None = None
    payment_status: PaymentStatus | None = None
    currency: str | None = None
    sub_total_price: Money | None = None
    order_discount: Money | None = None
    order_tax: Money | None = None
    shipping_price: Money | None = None
    total_price: Money | None = None
    shipping_method: str | None = None
    shipping_code: str | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    customer: Customer | None = None
    email: str | None = None
    line_items: list[LineItem]
    payments: list[Payment] = Field(default_factory=list)
    order_note: str | None = None
    gift_note: str | None = None
    custom_fields: list[CustomField] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
