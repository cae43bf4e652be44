"""Cart.com product JSON <-> hub products, on Cart.com-shaped fixtures (API-NOTES §10, §13)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orderhub.connectors.cartcom.mapping import (
    CatalogBook,
    MappingError,
    map_product,
    new_product_body,
    plan_fields,
    product_body,
    status_body,
    variant_body,
)
from orderhub.domain.product import Product, ProductStatus, ProductType

STORE = "https://shop.example.com"
STATUSES = [
    {"id": 1, "name": "In Stock", "is_unavailable": False, "is_hidden": False},
    {"id": 2, "name": "Out of Stock", "is_unavailable": True, "is_hidden": False},
    {"id": 4, "name": "Discontinued", "is_unavailable": True, "is_hidden": True},
]
GROUPS = [{"id": 1, "name": "COLOR"}, {"id": 2, "name": "SIZE"}]
BOOK = CatalogBook.from_records(STATUSES, GROUPS, store_url=STORE)


def simple() -> dict[str, Any]:
    """A product as `GET /products?expand=variants,variant_inventory,categories,pictures` sends."""
    return {
        "id": 108,
        "item_number": "CDL-1108",
        "manufacturer_part_number": "",
        "primary_category_id": 3,
        "product_status_id": 1,
        "item_name": "Handmade Candle",
        "short_description": "Handmade candle for everyday use.",
        "long_description_1": "",
        "height": "",
        "length": "4.5",
        "width": "",
        "size_unit": "In",
        "weight": 1.4,
        "weight_unit": "Lbs",
        "cost": 4.73,
        "price": 9.99,
        "retail": 12.49,
        "quantity_on_hand": 17,
        "is_spotlight_item": 0,
        "is_non_taxable": 0,
        "is_hidden": 0,
        "is_discontinued": False,
        "use_variant_inventory": False,
        "gtin": "040969228664",
        "created_at": None,
        "updated_at": "2026-07-11T13:20:48.53-05:00",
        "variants": [],
        "variant_inventory": [],
        "categories": [{"id": 3, "is_primary": True, "name": "Candle"}],
        "pictures": [
            {"id": 9, "image_file": "/images/products/_alt.jpg", "is_primary": False,
             "is_hidden": False, "sort_order": 1},
            {"id": 8, "image_file": "/images/products/CDL-1108.jpg", "is_primary": True,
             "is_hidden": False, "sort_order": 0},
            {"id": 7, "image_file": "/images/old.jpg", "is_primary": False, "is_hidden": True,
             "sort_order": 0},
        ],
    }  # fmt: skip


def with_variants() -> dict[str, Any]:
    """A product with two option groups and two variant inventory rows (nested: null times)."""
    product = simple()
    product.update(
        id=15,
        item_number="GBR-1015",
        item_name="Compact Grill Brush",
        price=39.0,
        use_variant_inventory=True,
        quantity_on_hand=0,
        variants=[
            {"id": 14, "product_id": 15, "variant_group_id": 1, "description": "Red",
             "price_adjustment": 0.0, "price_adjustment_type": "", "updated_at": None,
             "created_at": None},
            {"id": 15, "product_id": 15, "variant_group_id": 1, "description": "Olive",
             "price_adjustment": 2.0, "price_adjustment_type": "+ dollars", "updated_at": None,
             "created_at": None},
            {"id": 16, "product_id": 15, "variant_group_id": 2, "description": "Large",
             "price_adjustment": 10.0, "price_adjustment_type": "+ percent",
             "updated_at": None, "created_at": None},
        ],
        variant_inventory=[
            {"id": 19, "product_id": 15, "inventory": 19, "item_number": "GBR-1015-RD-L",
             "weight": 0.0, "product_status_id": 1, "gtin": "737001846978",
             "variant_inventory_image": "", "height": 0.0, "length": 0.0, "width": 2.0,
             "retail": 48.75, "description": "Color: Red, Size: Large", "updated_at": None,
             "created_at": None},
            {"id": 20, "product_id": 15, "inventory": 0, "item_number": "GBR-1015-OL-L",
             "weight": 0.8, "product_status_id": 4, "gtin": "",
             "variant_inventory_image": "https://cdn.example.com/olive.jpg", "height": 0.0,
             "length": 0.0, "width": 0.0, "retail": 0.0,
             "description": "Color: Olive, Size: Large", "updated_at": None,
             "created_at": None},
        ],
    )  # fmt: skip
    return product


def test_a_product_without_variant_rows_is_one_simple_sku() -> None:
    [product] = map_product(simple(), BOOK)

    assert product == Product(
        sku="CDL-1108",
        name="Handmade Candle",
        types=[ProductType.SIMPLE],
        status=ProductStatus.ACTIVE,
        ext_product_id="108",
        ext_product_api_id="products/108",
        description="Handmade candle for everyday use.",
        upc="040969228664",
        price=Decimal("9.99"),
        cost=Decimal("4.73"),
        retail_price=Decimal("12.49"),
        weight=Decimal("1.4"),
        weight_unit="lb",
        length=Decimal("4.5"),
        dimensions_unit="in",
        image_urls=[
            f"{STORE}/images/products/CDL-1108.jpg",
            f"{STORE}/images/products/_alt.jpg",
        ],
        categories=["Candle"],
        taxable=True,
        created_at=None,
        updated_at="2026-07-11T18:20:48.530Z",
    )


def test_variant_rows_make_a_parent_and_one_child_per_row() -> None:
    parent, red, olive = map_product(with_variants(), BOOK)

    assert (parent.sku, parent.types, parent.ext_product_id) == (
        "GBR-1015",
        [ProductType.PARENT],
        "15",
    )
    assert parent.variant_options == ["Color", "Size"]
    assert red.types == olive.types == [ProductType.CHILD]
    assert (red.sku, red.ext_product_id, red.parent_ext_product_id) == (
        "GBR-1015-RD-L",
        "15-19",
        "15",
    )
    assert red.ext_product_api_id == "variant_inventory/19"
    assert red.name == "Compact Grill Brush - Color: Red, Size: Large"
    assert red.variant_options == ["Color: Red", "Size: Large"]
    # 39.00 + 0 (Red) + 10 % of 39.00 (Large)
    assert red.price == Decimal("42.9000")
    # 39.00 + 2.00 (Olive) + 3.90
    assert olive.price == Decimal("44.9000")
    assert red.upc == "737001846978"
    assert olive.upc is None
    assert red.weight == Decimal("1.4")  # a 0 weight on the row: as the parent
    assert olive.weight == Decimal("0.8")
    assert red.retail_price == Decimal("48.75")
    assert olive.retail_price == parent.retail_price  # a 0 retail on the row: as the parent
    assert (red.length, red.width) == (Decimal("4.5"), Decimal("2.0"))
    assert red.image_urls == parent.image_urls
    assert olive.image_urls == ["https://cdn.example.com/olive.jpg"]
    assert red.cost == parent.cost
    assert red.categories == ["Candle"]
    assert red.status is ProductStatus.ACTIVE
    assert olive.status is ProductStatus.INACTIVE  # its row's status is flagged hidden
    assert red.created_at is None


Mutation = Callable[[dict[str, Any]], object]


def _set(**changes: Any) -> Mutation:
    return lambda product: product.update(changes)


STATUS_CASES: list[tuple[str, Mutation, ProductStatus]] = [
    ("visible", _set(), ProductStatus.ACTIVE),
    ("is_hidden int 1", _set(is_hidden=1), ProductStatus.INACTIVE),
    ("is_hidden bool", _set(is_hidden=True), ProductStatus.INACTIVE),
    ("discontinued", _set(is_discontinued=True), ProductStatus.INACTIVE),
    ("status flagged hidden", _set(product_status_id=4), ProductStatus.INACTIVE),
    ("out of stock stays active", _set(product_status_id=2), ProductStatus.ACTIVE),
    ("no status (0)", _set(product_status_id=0), ProductStatus.ACTIVE),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [c[1:] for c in STATUS_CASES], ids=[c[0] for c in STATUS_CASES]
)
def test_status_follows_hidden_discontinued_and_status_flags(
    mutate: Mutation, expected: ProductStatus
) -> None:
    raw = simple()
    mutate(raw)
    assert map_product(raw, BOOK)[0].status is expected


def test_a_hidden_parent_makes_every_child_inactive() -> None:
    raw = with_variants()
    raw["is_hidden"] = 1
    assert {p.status for p in map_product(raw, BOOK)} == {ProductStatus.INACTIVE}


FIELD_CASES: list[tuple[str, Mutation, str, Any]] = [
    ("empty dimension strings are unset", _set(length=""), "length", None),
    ("a dimension string is a number", _set(height="12.25"), "height", Decimal("12.25")),
    ("odd dimension text is dropped", _set(width="12 in"), "width", None),
    ("numeric dimension", _set(width=3), "width", Decimal("3")),
    ("integer money", _set(price=4386), "price", Decimal("4386")),
    ("money keeps its decimals", _set(cost=0.0001), "cost", Decimal("0.0001")),
    ("null price", _set(price=None), "price", None),
    ("empty gtin", _set(gtin=""), "upc", None),
    ("non-taxable flag", _set(is_non_taxable=1), "taxable", False),
    (
        "long description when no short one",
        _set(short_description="", long_description_1="<p>Long</p>"),
        "description",
        "<p>Long</p>",
    ),
    ("ounces", _set(weight_unit="oz"), "weight_unit", "oz"),
    ("unknown weight unit", _set(weight_unit="stone"), "weight_unit", None),
    ("centimetres", _set(size_unit="Cm"), "dimensions_unit", "cm"),
    (
        "absolute image url kept",
        _set(pictures=[{"id": 1, "image_file": "https://x.test/a.jpg"}]),
        "image_urls",
        ["https://x.test/a.jpg"],
    ),
    ("pictures not expanded", lambda p: p.pop("pictures"), "image_urls", []),
    ("category without a name", _set(categories=[{"category_id": 31}]), "categories", ["31"]),
    ("null created_at", _set(created_at=None), "created_at", None),
]


@pytest.mark.parametrize(
    ("mutate", "field", "expected"), [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES]
)
def test_loose_cartcom_values_map_to_typed_fields(
    mutate: Mutation, field: str, expected: Any
) -> None:
    raw = simple()
    mutate(raw)
    assert getattr(map_product(raw, BOOK)[0], field) == expected


def _row(index: int, **changes: Any) -> Mutation:
    return lambda product: product["variant_inventory"][index].update(changes)


def _drop_groups(product: dict[str, Any]) -> None:
    product["variants"] = [v for v in product["variants"] if v["variant_group_id"] != 2]


CHILD_PRICE_CASES: list[tuple[str, Mutation, Decimal | None]] = [
    ("options matched by description", _set(), Decimal("42.9000")),
    (
        "a minus adjustment",
        lambda p: p["variants"][2].update(price_adjustment_type="- dollars"),
        Decimal("29.0"),
    ),
    ("an option the product lacks", _drop_groups, None),
    (
        "an adjustment type we cannot evaluate",
        lambda p: p["variants"][2].update(price_adjustment_type="fixed"),
        None,
    ),
    ("rows naming their variants", _row(0, variants=[{"id": 15}, {"id": 16}]), Decimal("44.9000")),
    ("no parent price", _set(price=None), None),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [c[1:] for c in CHILD_PRICE_CASES],
    ids=[c[0] for c in CHILD_PRICE_CASES],
)
def test_a_childs_price_is_the_parents_plus_its_option_adjustments(
    mutate: Mutation, expected: Decimal | None
) -> None:
    raw = with_variants()
    mutate(raw)
    assert map_product(raw, BOOK)[1].price == expected


ERROR_CASES: list[tuple[str, Callable[[], object], str, str]] = [
    (
        "empty item number",
        lambda: {**simple(), "item_number": ""},
        "missingSku",
        "Product has no item number (SKU) in Cart.com",
    ),
    (
        "blank item number",
        lambda: {**simple(), "item_number": "  "},
        "missingSku",
        "no item number",
    ),
    (
        "a row without item number",
        lambda: _mutated(with_variants(), _row(1, item_number="")),
        "missingSku",
        "variant inventory row 20",
    ),
    ("unknown status", lambda: {**simple(), "product_status_id": 99}, "unknownStatus", "99"),
    (
        "unknown row status",
        lambda: _mutated(with_variants(), _row(0, product_status_id=98)),
        "unknownStatus",
        "98",
    ),
    ("no name", lambda: {**simple(), "item_name": ""}, "invalidRecord", "no name"),
    ("price as text", lambda: {**simple(), "price": "9.99"}, "invalidPrice", "price"),
    ("flag out of range", lambda: {**simple(), "is_hidden": 2}, "invalidRecord", "is_hidden"),
    ("not an object", lambda: ["x"], "invalidRecord", "JSON object"),
    ("no id", lambda: {**simple(), "id": None}, "invalidRecord", "id"),
    (
        "rows not a list",
        lambda: {**simple(), "variant_inventory": {}},
        "invalidRecord",
        "variant_inventory",
    ),
    ("bad time", lambda: {**simple(), "updated_at": "yesterday"}, "invalidRecord", "updated_at"),
]


def _mutated(raw: dict[str, Any], mutate: Mutation) -> dict[str, Any]:
    mutate(raw)
    return raw


@pytest.mark.parametrize(
    ("make", "exception_type", "reason"),
    [c[1:] for c in ERROR_CASES],
    ids=[c[0] for c in ERROR_CASES],
)
def test_a_product_that_cannot_be_mapped_raises_one_named_error(
    make: Callable[[], object], exception_type: str, reason: str
) -> None:
    with pytest.raises(MappingError) as raised:
        map_product(make(), BOOK)
    assert raised.value.exception_type == exception_type
    assert reason in raised.value.reason


def test_mapping_is_pure() -> None:
    raw = with_variants()
    before = copy.deepcopy(raw)
    assert map_product(raw, BOOK) == map_product(raw, BOOK)
    assert raw == before


# --- hub -> Cart.com ------------------------------------------------------------------------


HUB = Product(
    sku="MUG-1",
    name="Mug",
    description=None,
    upc="0123",
    price=Decimal("12.50"),
    cost=Decimal("3"),
    retail_price=Decimal("15"),
    weight=Decimal("0.75"),
    weight_unit="kg",
    height=Decimal("10.50"),
    dimensions_unit="cm",
    taxable=False,
    status=ProductStatus.INACTIVE,
)

BODY_CASES: list[tuple[str, list[str], dict[str, Any]]] = [
    ("name", ["name"], {"item_name": "Mug"}),
    ("a cleared description", ["description"], {"short_description": ""}),
    (
        "money",
        ["price", "cost", "retailPrice"],
        {"price": Decimal("12.50"), "cost": Decimal("3"), "retail": Decimal("15")},
    ),
    ("weight and unit", ["weight", "weightUnit"], {"weight": Decimal("0.75"), "weight_unit": "Kg"}),
    (
        "dimensions are strings",
        ["height", "length", "dimensionsUnit"],
        {"height": "10.5", "length": "", "size_unit": "Cm"},
    ),
    ("taxable as a 0/1 flag", ["taxable"], {"is_non_taxable": 1}),
    ("status goes through status_body", ["status"], {}),
    ("images and categories are not ours to write", ["imageUrls", "categories"], {}),
]


@pytest.mark.parametrize(
    ("fields", "expected"), [c[1:] for c in BODY_CASES], ids=[c[0] for c in BODY_CASES]
)
def test_a_product_body_holds_only_the_named_fields(
    fields: list[str], expected: dict[str, Any]
) -> None:
    assert product_body(HUB, fields) == expected


def test_a_variant_row_body_takes_barcode_weight_retail_and_dimensions_only() -> None:
    body = variant_body(HUB, ["upc", "weight", "retailPrice", "height", "width", "name", "price"])
    assert body == {
        "gtin": "0123",
        "weight": Decimal("0.75"),
        "retail": Decimal("15"),
        "height": Decimal("10.50"),
    }


def test_a_new_product_carries_its_fields_and_the_default_ids() -> None:
    body = new_product_body(HUB, status_id=1, category_id=7)
    assert body["item_number"] == "MUG-1"
    assert body["item_name"] == "Mug"
    assert (body["product_status_id"], body["primary_category_id"], body["is_hidden"]) == (1, 7, 1)
    assert "short_description" not in body  # unknown in the hub: left to Cart.com's default
    unset = new_product_body(
        HUB.model_copy(update={"status": "active"}), status_id=None, category_id=None
    )
    assert not {"product_status_id", "primary_category_id", "is_hidden"} & set(unset)


STATUS_BODY_CASES: list[tuple[str, bool, dict[str, Any], dict[str, Any]]] = [
    ("hide", False, {"is_hidden": 0, "product_status_id": 1}, {"is_hidden": 1}),
    ("show a hidden product", True, {"is_hidden": 1, "product_status_id": 1}, {"is_hidden": 0}),
    (
        "undo discontinued",
        True,
        {"is_hidden": 0, "is_discontinued": True},
        {"is_discontinued": False},
    ),
    (
        "leave a hiding status",
        True,
        {"is_hidden": 0, "product_status_id": 4},
        {"product_status_id": 1},
    ),
    ("already visible", True, {"is_hidden": 0, "product_status_id": 2}, {}),
]


@pytest.mark.parametrize(
    ("active", "live", "expected"),
    [c[1:] for c in STATUS_BODY_CASES],
    ids=[c[0] for c in STATUS_BODY_CASES],
)
def test_status_body_undoes_every_cause_of_hiding(
    active: bool, live: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert status_body(active, live, BOOK, None) == expected


def test_status_body_prefers_the_configured_status() -> None:
    assert status_body(True, {"product_status_id": 4}, BOOK, 3) == {"product_status_id": 3}


def test_a_round_trip_through_the_body_maps_back_to_the_same_values() -> None:
    [live] = map_product(simple(), BOOK)
    changed = live.model_copy(
        update={"price": Decimal("11.25"), "height": Decimal("3.5"), "description": None}
    )
    fields = ["price", "height", "description"]
    raw = {**simple(), **product_body(changed, fields)}
    [again] = map_product(raw, BOOK)
    assert (again.price, again.height, again.description) == (
        Decimal("11.25"),
        Decimal("3.5"),
        None,
    )


# --- which changes to write -----------------------------------------------------------------

LIVE = Product(sku="A", name="A", price=Decimal("10"), cost=Decimal("4"), description="old")


def _p(**changes: Any) -> Product:
    return LIVE.model_copy(update=changes)


PlanCase = tuple[
    str, Product, Product | None, list[str], dict[str, str], tuple[str, ...], tuple[str, ...]
]
PLAN_CASES: list[PlanCase] = [
    ("only the hub changed", _p(price=Decimal("12")), LIVE, ["price"], {}, ("price",), ()),
    ("equal to Cart.com: nothing", _p(price=Decimal("10.00")), LIVE, ["price"], {}, (), ()),
    ("unchanged in the hub: not sent", _p(cost=Decimal("5")), LIVE, ["price"], {}, (), ()),
    ("None is not sent", _p(price=None), LIVE, ["price"], {}, (), ()),
    ("None clears text", _p(description=None), LIVE, ["description"], {}, ("description",), ()),
    (
        "both changed: hub wins",
        _p(price=Decimal("12")),
        _p(price=Decimal("9")),
        ["price"],
        {},
        ("price",),
        ("price",),
    ),
    (
        "both changed: Cart.com owns it",
        _p(price=Decimal("12")),
        _p(price=Decimal("9")),
        ["price"],
        {"price": "cartcom"},
        (),
        ("price",),
    ),
    (
        "Cart.com owns it, no conflict",
        _p(price=Decimal("12")),
        LIVE,
        ["price"],
        {"price": "cartcom"},
        ("price",),
        (),
    ),
    (
        "never synced: a conflict",
        _p(price=Decimal("12")),
        None,
        ["price"],
        {},
        ("price",),
        ("price",),
    ),
]


@pytest.mark.parametrize(
    ("hub", "baseline", "changed", "owners", "write", "conflicts"),
    [c[1:] for c in PLAN_CASES],
    ids=[c[0] for c in PLAN_CASES],
)
def test_plan_writes_hub_changes_and_settles_conflicts_by_owner(
    hub: Product,
    baseline: Product | None,
    changed: list[str],
    owners: dict[str, str],
    write: tuple[str, ...],
    conflicts: tuple[str, ...],
) -> None:
    plan = plan_fields(hub, LIVE, baseline, changed, ["price", "cost", "description"], owners)
    assert plan.write == write
    assert tuple(c.field for c in plan.conflicts) == conflicts


def test_a_conflict_and_an_unwritable_field_leave_readable_notes() -> None:
    plan = plan_fields(
        _p(price=Decimal("12"), name="B"),
        LIVE,
        _p(price=Decimal("9")),
        ["price", "name"],
        ["price"],
        {"price": "cartcom"},
    )
    assert plan.write == ()
    assert plan.unwritable == ("name",)
    first, second = plan.notes("A")
    assert first.startswith("price of SKU A changed in both the hub and Cart.com")
    assert "(hub 12, Cart.com 10)" in first
    assert "Cart.com's value kept" in first
    assert second.startswith("name of variant SKU A is not sent")


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(
            {"e_product_type": "NotAnEProduct", "rate_adjustment_type": "AutoCalculation"},
            id="enum-text-as-docs",
        ),
        pytest.param({"e_product_type": "0", "rate_adjustment_type": "0"}, id="enum-numbers"),
        pytest.param({"master_product_id": 0}, id="master-0-as-docs"),
        pytest.param({"master_product_id": None}, id="master-null-as-spec-example"),
    ],
)
def test_either_documented_shape_maps_to_the_same_product(shape: dict[str, Any]) -> None:
    assert map_product({**simple(), **shape}, BOOK) == map_product(simple(), BOOK)
