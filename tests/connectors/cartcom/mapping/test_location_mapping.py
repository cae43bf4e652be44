"""Warehouses and store locations -> hub locations, on Cart.com-shaped rows."""

from __future__ import annotations

from typing import Any

import pytest

from orderhub.connectors.cartcom.mapping import MappingError, map_store_location, map_warehouse
from orderhub.connectors.cartcom.mapping.locations import deactivated, stores_by_id

WAREHOUSE: dict[str, Any] = {
    "id": 1,
    "name": "Main Warehouse",
    "city": "Beaumont",
    "state": "TX",
    "country": "United States",
    "postal_code": "77702",
    "is_default": True,
    "email": "beaumont@sandbox-store.test",
    "address_line_1": "1234 Calder Ave",
    "address_line_2": "",
    "account_number": "",
    "updated_at": "2025-10-25T09:04:49.857-05:00",
    "created_at": "2025-10-25T09:04:49.857-05:00",
}
STORE_LOCATION: dict[str, Any] = {
    "id": 2,
    "store_id": 1,
    "name": "Houston Galleria",
    "city": "Houston",
    "state_id": 44,
    "non_us_state": "",
    "country_id": 1,
    "phone": "409-555-0111",
    "address_1": "5085 Westheimer Rd",
    "address_2": "",
    "zip_code": "77056",
    "latitude": 29.739,
    "longitude": -95.4631,
    "notes": "",
    "sort_order": 1,
}
STORE: dict[str, Any] = {"id": 1, "name": "Sandbox Outfitters", "country": "United States"}


def test_a_warehouse_becomes_an_active_location_with_its_address() -> None:
    assert map_warehouse(WAREHOUSE).to_wire() == {
        "name": "Main Warehouse",
        "extLocationId": "warehouse:1",
        "kind": "warehouse",
        "address": {
            "address1": "1234 Calder Ave",
            "city": "Beaumont",
            "stateOrProvince": "TX",
            "zipCodeOrPostalCode": "77702",
            "country": "United States",
            "email": "beaumont@sandbox-store.test",
        },
        "status": "active",
        "isDefault": True,
    }


def test_a_store_location_takes_its_country_from_its_store() -> None:
    location = map_store_location(STORE_LOCATION, stores_by_id([STORE]))
    assert location.to_wire() == {
        "name": "Houston Galleria",
        "extLocationId": "store-location:2",
        "kind": "storeLocation",
        "address": {
            "address1": "5085 Westheimer Rd",
            "city": "Houston",
            "zipCodeOrPostalCode": "77056",
            "country": "United States",
            "phone": "409-555-0111",
        },
        "status": "active",
        "isDefault": False,
    }


@pytest.mark.parametrize(
    ("changes", "stores", "name", "country", "state"),
    [
        ({}, None, "Houston Galleria", None, None),  # no `system` scope: country unknown
        ({"store_id": 9}, [STORE], "Houston Galleria", None, None),  # store not listed
        ({"non_us_state": "Ontario"}, [STORE], "Houston Galleria", "United States", "Ontario"),
        (
            {},
            [STORE, {"id": 2, "name": "Outlet", "country": "Canada"}],
            "Sandbox Outfitters — Houston Galleria",
            "United States",
            None,
        ),
        ({"name": ""}, None, "Store location 2", None, None),
    ],
)
def test_store_location_variants(
    changes: dict[str, Any],
    stores: list[dict[str, Any]] | None,
    name: str,
    country: str | None,
    state: str | None,
) -> None:
    location = map_store_location(
        {**STORE_LOCATION, **changes}, stores_by_id(stores) if stores else None
    )
    assert location.name == name
    assert location.address is not None
    assert location.address.country == country
    assert location.address.state_or_province == state


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": None}, "no usable id"),
        ({"id": "7"}, "no usable id"),
        ({"is_default": "yes"}, "is_default"),
        ({"city": ["Beaumont"]}, "city"),
    ],
)
def test_an_unreadable_warehouse_is_a_mapping_error(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError) as caught:
        map_warehouse({**WAREHOUSE, **changes})
    assert message in str(caught.value)
    assert caught.value.exception_type == "invalidRecord"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"postal_code": "2187"}, "02187", id="us-text-lost-its-zero"),
        pytest.param({"postal_code": 2187}, "02187", id="us-int"),
        pytest.param({"postal_code": "021871234"}, "02187-1234", id="us-zip4-digits"),
        pytest.param({"postal_code": "02187 1234"}, "02187-1234", id="us-zip4-space"),
        pytest.param({"postal_code": 901, "country": "PR"}, "00901", id="puerto-rico"),
        pytest.param({"postal_code": "K1A 0B1", "country": "Canada"}, "K1A 0B1", id="canada"),
        pytest.param({"postal_code": "0150", "country": "Norway"}, "0150", id="norway-kept"),
        pytest.param({"postal_code": 2187, "country": ""}, "02187", id="no-country-int"),
        pytest.param({"postal_code": "2187", "country": ""}, "2187", id="no-country-text"),
    ],
)
def test_a_warehouse_postal_code_is_normalized_by_its_country(
    changes: dict[str, Any], expected: str
) -> None:
    address = map_warehouse({**WAREHOUSE, **changes}).address
    assert address is not None
    assert address.zip_code_or_postal_code == expected


@pytest.mark.parametrize(
    ("zip_code", "stores", "expected"),
    [
        pytest.param("2110", [STORE], "02110", id="us-store"),
        pytest.param(2110, [STORE], "02110", id="us-store-int"),
        pytest.param("2110", [{**STORE, "country": "Australia"}], "2110", id="other-country"),
        pytest.param("2110", None, "2110", id="no-stores-scope-text-kept"),
        pytest.param(2110, None, "02110", id="no-stores-scope-int"),
    ],
)
def test_a_store_location_zip_code_is_normalized_by_its_store_country(
    zip_code: str | int, stores: list[dict[str, Any]] | None, expected: str
) -> None:
    location = map_store_location(
        {**STORE_LOCATION, "zip_code": zip_code}, stores_by_id(stores) if stores else None
    )
    assert location.address is not None
    assert location.address.zip_code_or_postal_code == expected


def test_a_warehouse_without_name_or_address_still_maps() -> None:
    location = map_warehouse({"id": 5, "name": "", "is_default": False})
    assert location.name == "Warehouse 5"
    assert location.address is None


def test_deactivated_only_changes_the_status() -> None:
    wire = map_warehouse(WAREHOUSE).to_wire()
    assert deactivated(wire) == {**wire, "status": "inactive"}
    assert wire["status"] == "active"  # the input is not modified
