"""Resource declarations: fields (wire name, type, storage), nested collections, scopes.

One declaration per Cart.com resource, in the field order of the docs' sample models (with the
spec's extra fields after them). Everything generic (listing, filters, writes) reads these;
resource-specific behaviour lives in named hooks in `writes.py` and `nested.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .columns import Column, Kind

__all__ = ["ACCESS", "RESOURCES", "Access", "Nested", "ResourceSpec", "mix"]


def mix(seed: int, value: int, salt: int) -> int:
    """A fast deterministic 64-bit hash (splitmix64) for derived fields."""
    z = (seed * 0x9E3779B97F4A7C15 + value * 0xBF58476D1CE4E5B9 + salt) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)


def _ip(seed: int, rid: int) -> str:
    h = mix(seed, rid, 1)
    return f"{(h >> 8) % 223 + 1}.{(h >> 16) & 255}.{(h >> 24) & 255}.{(h >> 32) % 254 + 1}"


def _session(seed: int, rid: int) -> int:
    return 100000 + mix(seed, rid, 2) % 900000


@dataclass(frozen=True)
class Access:
    """Scopes: a read needs any of `read`, a write any of `write`; `all_of` needs every one."""

    read: tuple[str, ...]
    write: tuple[str, ...]
    all_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Nested:
    """A nested collection: rows of `table` whose `fk` is the parent id, or a custom `kind`."""

    name: str
    table: str | None = None
    fk: str | None = None
    list_key: str = ""
    kind: str = (
        "table"  # "table" | "column" (a json column on the parent) | "empty" | "shipment_items"
    )
    column: str | None = None
    null_times: bool = False  # nested copies show null timestamps (docs' product samples)

    @property
    def key(self) -> str:
        return self.list_key or self.name


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    columns: tuple[Column, ...]
    id_base: int = 1
    nested: tuple[Nested, ...] = ()
    required: tuple[str, ...] = ()
    writable: bool = True
    routed: bool = True
    parent: tuple[str, str] | None = None  # (table, fk): a change bumps the parent's updated_at
    extra: dict[str, Any] = field(default_factory=dict)

    def column_names(self) -> tuple[str, ...]:
        """The wire fields, in order (cached: this is on every record's rendering path)."""
        return self._names

    def nested_by_name(self) -> dict[str, Nested]:
        return self._nested

    @cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.hidden)

    @cached_property
    def _nested(self) -> dict[str, Nested]:
        return {n.name: n for n in self.nested}


def d(name: str, kind: Kind, default: Any = None) -> Column:
    """Dense: a value per row."""
    return Column(name, kind, dense=True, default=default)


def s(name: str, kind: Kind, default: Any = None) -> Column:
    """Sparse: mostly `default`."""
    return Column(name, kind, default=default)


def h(name: str, kind: Kind, default: Any = None, dense: bool = False) -> Column:
    """Hidden bookkeeping."""
    return Column(name, kind, dense=dense, default=default, hidden=True)


ID = Column("id", "int", dense=True, readonly=True)
CREATED = Column("created_at", "time", dense=True, readonly=True)
UPDATED = Column("updated_at", "time", dense=True, readonly=True)

ORDERS = ResourceSpec(
    name="orders",
    id_base=100000,
    required=(
        "customer_id",
        "order_status_id",
        "order_shipping_address_id",
        "order_billing_address_id",
    ),
    columns=(
        ID,
        d("customer_id", "int", 0),
        s("customer_type_id", "int", 0),
        s("adcode", "str", ""),
        d("ordered_at", "time"),
        d("order_status_id", "int", 0),
        s("special_instructions", "str", ""),
        d("subtotal", "money", 0.0),
        d("tax_total", "money", 0.0),
        d("shipping_total", "money", 0.0),
        d("discount_total", "money", 0.0),
        d("grand_total", "money", 0.0),
        d("cost_total", "money", 0.0),
        d("selected_shipping_method", "str", ""),
        Column("ip_address", "str", derive=_ip),
        s("exported_to_accounting_system", "int", 0),
        s("referrer", "str", ""),
        d("order_shipping_address_id", "int", 0),
        d("order_billing_address_id", "int", 0),
        s("admin_comments", "str", ""),
        s("source", "str", "[none]"),
        s("search_phrase", "str", ""),
        s("is_ppc", "bool", False),
        s("ppc_keyword", "str", ""),
        s("store_id", "int", 1),
        Column("session_id", "int", derive=_session),
        s("handling_total", "money", 0.0),
        s("is_payment_order_only", "bool", False),
        d("selected_shipping_provider_service", "str", ""),
        s("additional_fees", "money", 0.0),
        s("adcode_id", "int", 0),
        UPDATED,
        CREATED,
        d("entered_by", "str", ""),
        s("is_gift", "bool", False),
        s("gift_message", "str", ""),
        s("public_comments", "str", ""),
        s("instructions", "str", ""),
        s("source_group", "str", ""),
        s("from_subscription_id", "nint", None),
        d("previous_order_status_id", "int", 0),
        d("order_status_last_changed_at", "time"),
        d("discounted_shipping_total", "money", 0.0),
        s("order_number", "str", ""),
        s("coupon_code", "str", ""),
        s("order_type", "str", "Order"),
        s("expires_at", "time", None),
        s("expires", "bool", False),
        s("from_quote_id", "nint", None),
        s("campaign_code", "str", ""),
        s("reward_points_credited", "bool", False),
        s("channel", "str", "Online"),
        s("device", "str", "None"),
        s("manufacturer_invoice_number", "str", ""),
        s("manufacturer_invoice_amount", "money", 0.0),
        s("manufacturer_invoice_paid", "bool", False),
        s("sales_agent_user_id", "int", 0),
        s("due_date", "time", None),
        s("delivery_tax", "money", 0.0),
        s("location_id", "nint", None),
        d("shipping_selections", "json", ()),
        s("entered_by_type", "str", "Customer"),
        h("_custom_fields", "json", ()),
    ),
    nested=(
        Nested("items", "order_items", "order_id"),
        Nested("payments", "order_payments", "order_id"),
        Nested("shipments", "order_shipments", "order_id"),
        Nested("custom_fields", kind="column", column="_custom_fields"),
    ),
)

ORDER_ITEMS = ResourceSpec(
    name="order_items",
    parent=("orders", "order_id"),
    required=("order_id",),
    columns=(
        ID,
        d("order_id", "int", 0),
        d("product_id", "int", 0),
        d("item_number", "str", ""),
        d("item_name", "str", ""),
        d("price", "money", 0.0),
        d("cost", "money", 0.0),
        d("quantity", "int", 1),
        s("is_discount_item", "bool", False),
        d("weight", "money", 0.0),
        s("is_taxable", "bool", True),
        s("weight_unit", "str", "Lbs"),
        s("is_non_shipping_item", "bool", False),
        d("variant_inventory_id", "nint", None),
        s("parent_order_item_id", "nint", None),
        s("is_quantity_bound_to_parent", "bool", False),
        UPDATED,
        CREATED,
        s("height", "nmoney", None),
        s("length", "nmoney", None),
        s("width", "nmoney", None),
        s("size_unit", "str", "In"),
        s("tax_code", "str", ""),
        d("item_number_full", "str", ""),
        s("admin_comments", "str", ""),
        s("do_not_discount", "bool", False),
        s("line_item_note", "str", ""),
        s("order_shipping_address_id", "nint", None),
        s("gift_message", "str", ""),
        s("delivery_date", "time", None),
        s("discount_amount", "money", 0.0),
        s("discount_percentage", "money", 0.0),
        s("is_subscription_product", "bool", False),
        d("warehouse_id", "int", 0),
        d("description", "str", ""),
        d("tax", "money", 0.0),
        s("configuration", "str", ""),
        s("status", "str", ""),
        s("shipping_classification_code", "str", ""),
        d("variants", "json", ()),
        s("personalizations", "json", None),
    ),
)

ORDER_ADDRESSES = ResourceSpec(
    name="order_addresses",
    required=("customer_id",),
    columns=(
        ID,
        d("customer_id", "int", 0),
        d("company", "str", ""),
        d("address_line_1", "str", ""),
        d("address_line_2", "str", ""),
        d("city", "str", ""),
        d("state", "str", ""),
        d("postal_code", "postal", ""),
        d("country", "str", ""),
        d("phone", "str", ""),
        s("alternate_phone", "str", ""),
        s("fax", "str", ""),
        s("comments", "str", ""),
        UPDATED,
        CREATED,
        d("first_name", "str", ""),
        d("last_name", "str", ""),
        s("address_type", "str", "Default"),
        d("state_code", "str", ""),
        d("country_code", "str", ""),
        h("_order_id", "nint", None, dense=True),
    ),
)

ORDER_PAYMENTS = ResourceSpec(
    name="order_payments",
    parent=("orders", "order_id"),
    required=("customer_id", "order_id"),
    columns=(
        ID,
        d("customer_id", "int", 0),
        d("order_id", "int", 0),
        d("customer_payment_method_id", "int", 0),
        d("payment_method_id", "int", 0),
        s("payment_type", "str", "CreditCard"),
        d("is_approved", "bool", False),
        d("is_declined", "bool", False),
        d("card_type", "str", ""),
        d("card_expiration_month", "int", 0),
        d("card_expiration_year", "int", 0),
        d("cardholder_name", "str", ""),
        d("paid_at", "time"),
        d("approved_at", "time_empty"),
        d("authorization_code", "str", ""),
        s("reject_reason", "str", ""),
        d("avs_code", "str", ""),
        s("payment_method_name", "str", "Credit Card"),
        d("transaction_type", "str", "None"),
        d("amount", "money", 0.0),
        s("payment_note", "str", ""),
        UPDATED,
        CREATED,
        s("gift_certificate_id", "nint", None),
        d("is_captured", "bool", False),
        d("transaction_id", "str", ""),
        d("last_four", "str", ""),
        s("is_void", "bool", False),
        s("gateway_response_code", "str", ""),
        s("cvv_response_code", "str", ""),
        s("payment_ref_num", "str", ""),
        s("store_method_payment_id", "int", 0),
        s("store_payment_method_id", "int", 0),
    ),
    nested=(Nested("fields", kind="empty"),),
)

ORDER_SHIPMENTS = ResourceSpec(
    name="order_shipments",
    parent=("orders", "order_id"),
    required=("order_id",),
    columns=(
        ID,
        d("order_id", "int", 0),
        d("shipped_at", "time"),
        d("tracking_numbers", "str", ""),
        d("tracking_url", "str", ""),
        d("shipping_method", "str", ""),
        d("shipping_method_id", "int", 0),
        s("number_of_packages", "nint", None),
        s("total_weight", "nmoney", None),
        s("provider_base_shipping_cost", "str", ""),
        s("provider_insurance_cost", "nmoney", None),
        s("provider_handling_cost", "nmoney", None),
        s("provider_other_charges", "nmoney", None),
        s("provider_total_shipping_cost", "nmoney", None),
        d("email_sent", "bool", False),
        s("private_comment", "str", ""),
        s("shipping_comment", "str", ""),
        CREATED,
        UPDATED,
        s("shipping_method_type", "str", "provider"),
        d("shipment_name", "str", ""),
        d("shipping_provider_name", "str", ""),
    ),
    nested=(Nested("items", kind="shipment_items"),),
)

SHIPMENT_ITEMS = ResourceSpec(
    name="shipment_items",
    routed=False,
    columns=(
        ID,
        d("shipment_id", "int", 0),
        d("order_item_id", "int", 0),
        d("quantity_shipped", "int", 0),
    ),
)

ORDER_STATUSES = ResourceSpec(
    name="order_statuses",
    required=("name",),
    columns=(
        ID,
        d("name", "str", ""),
        d("is_open", "bool", False),
        d("is_declined", "bool", False),
        d("is_cancelled", "bool", False),
        d("is_shipped", "bool", False),
        d("color", "str", ""),
        d("email_template_id", "int", 0),
        UPDATED,
        CREATED,
        d("is_fully_refunded", "bool", False),
        d("is_partially_refunded", "bool", False),
        d("is_quote_status", "bool", False),
        d("is_partially_shipped", "bool", False),
    ),
)

CUSTOMERS = ResourceSpec(
    name="customers",
    required=("email",),
    columns=(
        ID,
        s("customer_number", "str", ""),
        d("last_name", "str", ""),
        d("first_name", "str", ""),
        d("email", "str", ""),
        d("phone_number", "str", ""),
        d("registered_at", "time"),
        d("last_visit_at", "time"),
        s("adcode", "str", ""),
        s("adcode_id", "int", 0),
        s("affiliate_id", "int", 0),
        s("customer_type_id", "int", 0),
        s("is_no_tax_customer", "bool", False),
        s("comments", "str", ""),
        s("store_id", "int", 1),
        s("source", "str", ""),
        s("search_string", "str", ""),
        d("no_account", "bool", False),
        s("sales_person", "str", ""),
        s("alternate_phone_number", "str", ""),
        s("is_affiliate_customer", "bool", False),
        UPDATED,
        CREATED,
        d("username", "str", ""),
        s("is_contact_information_only", "bool", False),
        s("tax_exemption_number", "str", ""),
        d("company", "str", ""),
        s("source_group", "str", ""),
        s("store_payment_methods_enabled", "json", ()),
        s("sales_person_user_id", "int", 0),
        s("tax_rate", "money", 0.0),
        s("lock_default_address", "bool", False),
        s("reward_tier_id", "int", 0),
        s("payment_net_term", "int", 0),
        s("credit_limit", "money", 0.0),
        s("is_inactive", "bool", False),
        s("use_shared_credit_limit", "bool", False),
        s("override_shared_credit_limit", "bool", False),
        s("customer_payment_methods_availability", "json", ()),
        s("default_payment_type_name", "str", ""),
    ),
    nested=(
        Nested("addresses", kind="empty"),
        Nested("custom_fields", kind="empty"),
        Nested("customer_store_locations", kind="empty"),
        Nested("reward_points", kind="empty"),
        Nested("additional_emails", kind="empty", list_key="customer_additional_emails"),
    ),
)

STORES = ResourceSpec(
    name="stores",
    writable=False,
    columns=(
        ID,
        d("name", "str", ""),
        d("domain_name", "str", ""),
        d("email", "str", ""),
        s("fax", "str", ""),
        d("phone", "str", ""),
        s("keywords", "str", ""),
        s("description", "str", ""),
        s("all_catalog", "bool", True),
        s("is_micro_store", "bool", False),
        s("parent_store_id", "int", 0),
        s("profile_id", "int", 0),
        d("company_name", "str", ""),
        d("address_line_1", "str", ""),
        s("address_line_2", "str", ""),
        d("city", "str", ""),
        d("state", "str", ""),
        d("postal_code", "str", ""),
        d("country", "str", ""),
        d("billing_first_name", "str", ""),
        d("billing_last_name", "str", ""),
        d("tech_email", "str", ""),
        d("tech_first_name", "str", ""),
        d("tech_last_name", "str", ""),
        s("tech_same_as_billing", "bool", True),
        s("store_logo", "str", ""),
        s("store_image", "str", ""),
        s("testimonial_count", "int", 0),
        s("average_testimonial_rating", "money", 0.0),
    ),
)

_ORDERS = Access(("read_orders", "orders"), ("orders",))
_CATALOG = Access(("read_catalog", "catalog"), ("catalog",))
_PEOPLE = Access(("read_people", "people"), ("people",))
_SETTINGS = Access(("settings",), ("settings",))
_SYSTEM = Access(("system",), ("system",))

ACCESS: dict[str, Access] = {
    "orders": _ORDERS,
    "order_items": _ORDERS,
    "order_addresses": _ORDERS,
    "order_payments": _ORDERS,
    "order_shipments": _ORDERS,
    "order_statuses": _ORDERS,
    "customers": _PEOPLE,
    "stores": _SYSTEM,
    "products": _CATALOG,
    "product_variants": _CATALOG,
    "variant_groups": _CATALOG,
    "variant_inventory": _CATALOG,
    "product_statuses": _CATALOG,
    "inventory": _CATALOG,
    "categories": _CATALOG,
    "manufacturers": _CATALOG,
    "customer_types": _PEOPLE,
    "shipping_providers": _SETTINGS,
    "shipping_provider_services": _SETTINGS,
    "custom_shipping_methods": _SETTINGS,
    "payment_methods": _SETTINGS,
    "product_pictures": _CATALOG,
    "warehouses": _SETTINGS,
    "store_locations": _SETTINGS,
    "webhooks": Access((), (), all_of=("orders", "system")),
}

RESOURCES: dict[str, ResourceSpec] = {
    spec.name: spec
    for spec in (
        ORDERS,
        ORDER_ITEMS,
        ORDER_ADDRESSES,
        ORDER_PAYMENTS,
        ORDER_SHIPMENTS,
        SHIPMENT_ITEMS,
        ORDER_STATUSES,
        CUSTOMERS,
        STORES,
    )
}
