"""A fulfillment's carrier and service → one of the store's Cart.com shipping methods (pure)."""

from __future__ import annotations

import pytest

from orderhub.connectors.cartcom.mapping.common import MappingError
from orderhub.connectors.cartcom.mapping.shipping_methods import (
    NO_SHIPPING_METHOD,
    MethodBook,
    method_fields,
    resolve,
)
from orderhub.domain.shipping_method import ShippingMethodMapping, match_key

PROVIDERS = [
    {"id": 1, "name": "UPS", "provider_code": "UPS", "is_enabled": True},
    {"id": 2, "name": "FedEx", "provider_code": "FEDEX", "is_enabled": True},
    {"id": 4, "name": "DHL Express", "provider_code": "DHL", "is_enabled": False},
]
SERVICES = [
    {"id": 1, "shipping_provider_id": 1, "identifier": "03", "name": "UPS Ground"},
    {"id": 3, "shipping_provider_id": 1, "identifier": "02", "name": "UPS 2nd Day Air"},
    {
        "id": 31,
        "shipping_provider_id": 2,
        "identifier": "FEDEX_GROUND",
        "name": "FedEx Ground",
        "shipping_provider_code": "FEDEX",
    },
    {
        "id": 33,
        "shipping_provider_id": 2,
        "identifier": "PRIORITY_OVERNIGHT",
        "name": "FedEx Priority Overnight",
        "is_enabled": False,
    },
    {"id": 40, "shipping_provider_id": 4, "identifier": "P", "name": "DHL Express Worldwide"},
    {"id": 99, "shipping_provider_id": 1, "identifier": "", "name": ""},  # nameless: skipped
]
CUSTOM = [
    {"id": 23, "name": "Free Shipping", "is_enabled": True},
    {"id": 24, "name": "Local Pickup", "is_enabled": True},
    {"id": 25, "name": "Freight (LTL)", "is_enabled": False},
]
BOOK = MethodBook.from_records(PROVIDERS, SERVICES, CUSTOM)


@pytest.mark.parametrize(
    ("carrier", "service", "chosen", "expected"),
    [
        pytest.param("UPS", "Ground", (), 1, id="service-without-the-carrier-prefix"),
        pytest.param("ups", "UPS Ground", (), 1, id="full-name-any-case"),
        pytest.param("UPS", "02", (), 3, id="service-identifier"),
        pytest.param("FedEx", "fedex ground", (), 31, id="carrier-by-name"),
        pytest.param("FEDEX", "FEDEX_GROUND", (), 31, id="carrier-by-code"),
        pytest.param("Fed-Ex", "Ground", (), 31, id="punctuation-ignored"),
        pytest.param("UPS", None, ("UPS 2nd Day Air", "02"), 3, id="checkout-choice"),
        pytest.param("UPS", None, (None, "03"), 1, id="checkout-code"),
        pytest.param("FedEx", None, ("UPS Ground", "03"), 31, id="only-enabled-service"),
        pytest.param("Own fleet", "Local Pickup", (), 24, id="custom-by-service"),
        pytest.param("Free Shipping", None, (), 23, id="custom-by-carrier"),
        pytest.param(None, "Free Shipping", (), 23, id="service-alone"),
    ],
)
def test_names_match_the_stores_methods(
    carrier: str | None, service: str | None, chosen: tuple[str | None, ...], expected: int
) -> None:
    method = resolve(BOOK, carrier, service, chosen=chosen)
    assert method is not None
    assert method.id == expected


def test_no_carrier_and_no_service_set_no_method() -> None:
    assert resolve(BOOK, None, " ") is None


def test_a_carrier_with_several_services_and_no_word_on_which_names_the_carrier_alone() -> None:
    method = resolve(BOOK, "ups", None, chosen=("FedEx Ground", "FEDEX_GROUND"))
    assert method is not None
    assert method_fields(method) == {"shipping_provider_name": "UPS"}
    mapped = resolve(
        BOOK, "ups", None, overrides=[ShippingMethodMapping(carrier="UPS", method="UPS Ground")]
    )
    assert mapped is not None
    assert mapped.id == 1


@pytest.mark.parametrize(
    ("carrier", "service", "reason"),
    [
        pytest.param("Purolator", "Express", "unknown carrier", id="unknown-carrier"),
        pytest.param("UPS", "Overnight Freight", "unknown service", id="unknown-service"),
        pytest.param("FedEx", "Priority Overnight", "service switched off", id="disabled"),
        pytest.param("DHL", "P", "carrier switched off", id="disabled-carrier"),
        pytest.param("Trucking", "Freight (LTL)", "custom method switched off", id="off-custom"),
    ],
)
def test_anything_else_is_an_exception_that_says_which_mapping_to_add(
    carrier: str, service: str | None, reason: str
) -> None:
    with pytest.raises(MappingError) as caught:
        resolve(BOOK, carrier, service, integration_id="abc123")
    problem = caught.value
    assert problem.exception_type == NO_SHIPPING_METHOD, reason
    command = f"orderhub integrations shipping-methods set abc123 --carrier {carrier}"
    assert problem.reason.startswith(
        f"no Cart.com shipping method matches carrier {carrier!r} service "
        f"{service or '(none)'!r} — add a mapping: "
    )
    assert command in problem.reason.replace("'", "")
    offered = problem.reason.split("the store's methods: ")[1]
    # Only methods a shipment may name are offered: enabled ones.
    assert offered == "UPS Ground, UPS 2nd Day Air, FedEx Ground, Free Shipping, Local Pickup)"


def test_a_mapping_wins_and_a_carrier_wide_one_covers_every_service() -> None:
    mappings = [
        ShippingMethodMapping(carrier="UPSN", method="UPS Ground"),
        ShippingMethodMapping(carrier="upsn", service="Express", method="UPS 2nd Day Air"),
        ShippingMethodMapping(carrier="UPS", service="Ground", method="Free Shipping"),
    ]
    assert [
        resolve(BOOK, carrier, service, overrides=mappings).id  # type: ignore[union-attr]
        for carrier, service in (("UPSN", "Standard"), ("UPSN", "express"), ("UPS", "Ground"))
    ] == [1, 3, 23]


def test_a_mapping_to_a_method_the_store_lacks_says_so() -> None:
    mappings = [ShippingMethodMapping(carrier="Purolator", method="Purolator Express")]
    with pytest.raises(MappingError, match="names 'Purolator Express', which is not an enabled"):
        resolve(BOOK, "Purolator", "Express", overrides=mappings)


def test_the_shipment_fields_name_the_method_by_id_and_type() -> None:
    ground = resolve(BOOK, "UPS", "Ground")
    pickup = resolve(BOOK, None, "Local Pickup")
    assert ground is not None
    assert pickup is not None
    assert method_fields(ground) == {
        "shipping_method": "UPS Ground",
        "shipping_method_id": 1,
        "shipping_method_type": "provider",
        "shipping_provider_name": "UPS",
    }
    assert method_fields(pickup) == {
        "shipping_method": "Local Pickup",
        "shipping_method_id": 24,
        "shipping_method_type": "custom",
    }


def test_match_key_folds_case_spaces_and_punctuation() -> None:
    assert match_key(" Fed-Ex 2Day ") == match_key("fedex2day") == "fedex2day"
    assert match_key(None) == ""
