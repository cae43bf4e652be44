"""Reference resources a store keeps beside its orders and catalog: shipping providers and
their services, custom shipping methods, categories, manufacturers, customer types and
payment methods (acapi.yaml's schemas, in its field order).

What a client may do with each follows the spec's paths: `shipping_providers` and
`shipping_provider_services` have only `GET` and `PUT /{id}` (a store cannot add a carrier
through the API), the others the usual `GET`/`POST`/`PUT`/`DELETE`. Cart.com's own example
for making a shipment (API-NOTES §16) reads `shipping_provider_services` under the list key
`services`, not the resource name (open question 15); the sandbox answers that way
(`LIST_KEYS`), and the connector reads either.
"""

from __future__ import annotations

from typing import Final

from .resource_spec import CREATED, ID, UPDATED, Nested, ResourceSpec, d, s

__all__ = ["LIST_KEYS", "PUT_ONLY", "REFERENCE_RESOURCES"]

SHIPPING_PROVIDERS = ResourceSpec(
    name="shipping_providers",
    columns=(
        ID,
        d("name", "str", ""),
        d("provider_code", "str", ""),
        d("is_enabled", "bool", True),
        s("markup_amount", "str", ""),
        s("markup_type", "str", ""),
        UPDATED,
        CREATED,
        s("additional_markup_percent", "int", 0),
        s("additional_weight_per_package", "int", 0),
    ),
)

SHIPPING_PROVIDER_SERVICES = ResourceSpec(
    name="shipping_provider_services",
    columns=(
        ID,
        d("is_enabled", "bool", True),
        d("shipping_provider_id", "int", 0),
        d("identifier", "str", ""),
        d("name", "str", ""),
        d("shipping_provider_code", "str", ""),
        UPDATED,
        CREATED,
        s("allow_apo", "bool", False),
        s("allow_po_box", "bool", False),
    ),
)

CUSTOM_SHIPPING_METHODS = ResourceSpec(
    name="custom_shipping_methods",
    required=("name",),
    columns=(
        ID,
        d("name", "str", ""),
        d("is_enabled", "bool", True),
        s("is_default", "bool", False),
        s("markup_type", "str", ""),
        s("markup_amount", "str", ""),
        s("description", "str", ""),
        UPDATED,
        CREATED,
        s("use_base_rate", "bool", False),
        s("is_calculated_method", "bool", False),
        s("admin_only", "bool", False),
    ),
)

CATEGORIES = ResourceSpec(
    name="categories",
    required=("name",),
    columns=(
        ID,
        d("name", "str", ""),
        s("short_description", "str", ""),
        d("sort_order", "int", 0),
        s("is_hidden", "bool", False),
        s("parent_category_id", "int", 0),
        s("max_quantity", "int", 0),
        s("category_thumbnail", "str", ""),
        s("page_title", "str", ""),
        s("lookup_path", "str", ""),
        s("keywords", "str", ""),
        s("meta_description", "str", ""),
        s("category_image", "str", ""),
        s("external_content_url", "str", ""),
        s("is_category_content_displayed", "bool", True),
        s("are_subcategory_products_displayed", "bool", False),
        d("url_rewrite", "str", ""),
        UPDATED,
        CREATED,
        s("default_product_picture", "str", ""),
        s("alternate_thumbnail", "str", ""),
        s("head_tags", "str", ""),
        s("cat_image_alt_text", "str", ""),
        s("thumb_image_alt_text", "str", ""),
        s("is_hide_from_site_maps", "bool", False),
    ),
)

MANUFACTURERS = ResourceSpec(
    name="manufacturers",
    required=("name",),
    columns=(
        ID,
        d("name", "str", ""),
        s("description", "str", ""),
        s("is_hidden", "bool", False),
        d("sort_order", "int", 0),
        s("manufacturer_logo_url", "str", ""),
        s("page_title", "str", ""),
        s("keywords", "str", ""),
        s("meta_description", "str", ""),
        d("url_rewrite", "str", ""),
        UPDATED,
        CREATED,
        s("head_tags", "str", ""),
        d("brand_code", "str", ""),
    ),
)

CUSTOMER_TYPES = ResourceSpec(
    name="customer_types",
    required=("name",),
    columns=(
        ID,
        d("name", "str", ""),
        d("customer_level", "int", 0),
        s("description", "str", ""),
        UPDATED,
        CREATED,
    ),
)

PAYMENT_METHODS = ResourceSpec(
    name="payment_methods",
    required=("name", "payment_type"),
    columns=(
        ID,
        d("payment_type", "str", ""),
        s("cost_modifier", "int", 0),
        s("cost_modifier_type", "str", ""),
        d("sort_order", "int", 0),
        s("is_hidden", "bool", False),
        s("description", "str", ""),
        s("confirmation_message", "str", ""),
        s("declined_message", "str", ""),
        d("is_gateway", "bool", False),
        d("gateway_name", "str", ""),
        d("name", "str", ""),
        UPDATED,
        CREATED,
    ),
    nested=(Nested("fields", kind="empty"),),
)

REFERENCE_RESOURCES: dict[str, ResourceSpec] = {
    spec.name: spec
    for spec in (
        SHIPPING_PROVIDERS,
        SHIPPING_PROVIDER_SERVICES,
        CUSTOM_SHIPPING_METHODS,
        CATEGORIES,
        MANUFACTURERS,
        CUSTOMER_TYPES,
        PAYMENT_METHODS,
    )
}

PUT_ONLY: Final = frozenset({"shipping_providers", "shipping_provider_services"})
"""Resources whose records a client may change (`PUT /{id}`) but not create or delete."""

LIST_KEYS: Final = {"shipping_provider_services": "services"}
"""List answers keyed otherwise than by the resource name (Cart.com's example program)."""
