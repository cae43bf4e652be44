"""The text forms of the inventory and field-owner settings: what is typed reads back the same.

Each spec is taken from the connector's declared settings, so these are the parsers the portal,
the API and the CLI use; the value read is the one the flows read (`parse_inventory_rules`,
`PushSettings`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.connectors.cartcom.flows.product_push_settings import OWNERS, PushSettings
from orderhub.connectors.cartcom.mapping.inventory_settings import (
    InventoryRules,
    parse_inventory_rules,
)
from orderhub.connectors.cartcom.mapping.product_bodies import PRODUCT_FIELDS
from orderhub.connectors.cartcom.settings import SETTINGS
from orderhub.connectors.settings import SettingSpec

SPECS = {spec.key: spec for spec in SETTINGS}


@dataclass
class Lookup:
    """A hub of a few locations and SKUs (`HubLookup`)."""

    places: dict[str, str] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    held: dict[str, tuple[str, str]] = field(default_factory=dict)
    """This store's pulled locations: ext id -> (hub id, name)."""

    def locations(self) -> Mapping[str, str]:
        return self.places

    def held_locations(self) -> Mapping[str, tuple[str, str]]:
        return self.held

    def skus(self, wanted: Collection[str]) -> Mapping[str, str]:
        folded = {sku.casefold(): sku for sku in sorted(self.known)}
        found = {}
        for sku in wanted:
            spelled = sku if sku in self.known else folded.get(sku.casefold())
            if spelled is not None:
                found[sku] = spelled
        return found


def read(spec: SettingSpec, text: str, lookup: Lookup) -> object:
    value = spec.parse(text)
    return spec.resolve(value, lookup) if spec.resolve is not None else value


sku_text = st.text(
    st.characters(codec="ascii", categories=("L", "N", "P", "S"), exclude_characters=","),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and not s.endswith("="))


@given(st.dictionaries(sku_text, st.integers(0, 1_000_000), max_size=20))
def test_per_sku_buffers_read_back_what_they_show(buffers: dict[str, int]) -> None:
    spec = SPECS["inventoryBufferBySku"]
    lookup = Lookup(known=set(buffers))
    if len({sku.casefold() for sku in buffers}) < len(buffers):
        return  # two SKUs differing only in case: shown apart, read back apart too
    shown = spec.shown(buffers, lookup)
    assert read(spec, shown, lookup) == buffers
    rules = parse_inventory_rules({"inventoryBufferBySku": read(spec, shown, lookup)})
    assert rules.buffer_by_sku == buffers


@given(st.dictionaries(st.sampled_from(PRODUCT_FIELDS), st.sampled_from(OWNERS)))
def test_field_owners_read_back_what_they_show(owners: dict[str, str]) -> None:
    spec = SPECS["productFieldOwner"]
    value = read(spec, spec.shown(owners), Lookup())
    assert value == owners
    assert PushSettings.from_settings({"productFieldOwner": value}).owners == owners


names = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")), max_size=12)


@settings(max_examples=40)
@given(
    st.dictionaries(st.text("0123456789abcdef", min_size=4, max_size=4), names, max_size=6),
    st.data(),
)
def test_locations_read_back_what_they_show_whatever_their_names(
    places: dict[str, str], data: st.DataObject
) -> None:
    """Names with commas, blanks, shared by two, or empty are shown by id; the rest by name."""
    spec = SPECS["inventoryLocations"]
    lookup = Lookup(places=places)
    chosen = data.draw(st.lists(st.sampled_from(sorted(places)), unique=True)) if places else []
    if not chosen:
        return
    shown = spec.shown(chosen, lookup)
    assert read(spec, shown, lookup) == chosen
    assert parse_inventory_rules({"inventoryLocations": chosen}).locations == tuple(chosen)


@given(st.integers(0, 1_000_000))
def test_a_buffer_reads_back_what_it_shows(units: int) -> None:
    spec = SPECS["inventoryBuffer"]
    assert read(spec, spec.shown(units), Lookup()) == units
    assert parse_inventory_rules({"inventoryBuffer": units}) == InventoryRules(buffer=units)


def test_locations_are_shown_by_name_and_stored_by_id() -> None:
    spec = SPECS["inventoryLocations"]
    lookup = Lookup(
        places={"a1": "Main", "b2": "Backroom, east", "c3": "Shop", "d4": "shop", "e5": "A1"}
    )
    assert read(spec, " main , a1,,B2 ", lookup) == ["a1", "b2"]
    assert spec.shown(["a1", "b2", "c3", "e5", "zz"], lookup) == "Main, b2, c3, e5, zz"
    assert spec.shown(["a1"]) == "a1"  # no lookup: ids
    with pytest.raises(ValueError, match=r"2 locations are called 'SHOP' \(c3, d4\)"):
        read(spec, "SHOP", lookup)
    with pytest.raises(ValueError, match="no hub location is called 'Attic', 'Cellar'; the"):
        read(spec, "Attic, Main, Cellar", lookup)
    assert spec.shown(None) == "(every active location)"


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("inventoryBuffer", "1000001", "a whole number of units from 0 to 1000000"),
        ("inventoryBuffer", "٣", "a whole number of units"),
        ("inventoryBufferBySku", "MUG", "write each of the SKUs as KEY=VALUE"),
        ("inventoryBufferBySku", "MUG=2, MUG=3", "SKU 'MUG' is given twice"),
        ("inventoryBufferBySku", "MUG=x", "SKU 'MUG': the buffer must be a whole number"),
        ("inventoryBufferBySku", "M" * 101 + "=1", "longer than 100 characters"),
        ("inventoryBufferBySku", ", ".join(f"S{n}=1" for n in range(1001)), "at most 1000"),
        ("inventoryLocations", ", ".join(str(n) for n in range(201)), "at most 200 locations"),
        ("productFieldOwner", "images=hub", "'images' is not a product field"),
        ("productFieldOwner", "price=hub, PRICE=cartcom", "'price' is given twice"),
        ("productFieldOwner", "price=store", "price: the owner must be hub or cartcom"),
    ],
)
def test_a_bad_text_says_what_the_setting_takes(key: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SPECS[key].parse(text)


def test_unknown_skus_are_named_and_known_ones_take_the_hubs_spelling() -> None:
    spec = SPECS["inventoryBufferBySku"]
    lookup = Lookup(known={"TSHIRT-RED", "MUG"})
    assert read(spec, "tshirt-red=2, MUG=0", lookup) == {"TSHIRT-RED": 2, "MUG": 0}
    with pytest.raises(ValueError, match="no hub product or stock has the SKU 'CUP', 'JUG'"):
        read(spec, "CUP=1, MUG=1, JUG=2", lookup)
    with pytest.raises(ValueError, match="SKU 'MUG' is given twice"):
        read(spec, "mug=1, Mug=2", lookup)


STORE_PLACES = {
    "warehouse:1": ("h-main", "Main Warehouse"),
    "warehouse:3": ("h-3", "Back, Room"),  # a comma: shown by #id
    "store-location:3": ("h-s3", "Downtown"),
    "store-location:4": ("h-s4", "#4 Annex"),  # reads as an id: shown by #id
}


@given(
    st.dictionaries(
        st.sampled_from([*STORE_PLACES, "warehouse:9"]),
        st.sampled_from(["hub-east", "hub-dallas", "other-store-loc", "hub-eq"]),
        max_size=4,
    ).filter(lambda m: len(set(m.values())) == len(m))
)
def test_the_location_map_reads_back_what_it_shows(mapping: dict[str, str]) -> None:
    spec = SPECS["locationMap"]
    places = {
        "hub-east": "WH-East",
        "hub-dallas": "Dallas DC",
        "other-store-loc": "Other store's depot",
        "hub-eq": "A=B",  # an "=": shown by its id
        **{hub_id: name for hub_id, name in STORE_PLACES.values()},
    }
    lookup = Lookup(places=places, held=dict(STORE_PLACES))
    shown = spec.shown(mapping, lookup)
    assert read(spec, shown, lookup) == mapping


def test_the_location_map_reads_names_ids_and_hash_ids() -> None:
    spec = SPECS["locationMap"]
    lookup = Lookup(places={"hub-east": "WH-East", "hub-dallas": "Dallas DC"}, held=STORE_PLACES)
    value = read(spec, " main warehouse = wh-east ,#4=hub-dallas", lookup)
    assert value == {"warehouse:1": "hub-east", "store-location:4": "hub-dallas"}
    assert spec.shown(value, lookup) == "Main Warehouse=WH-East, #4=Dallas DC"
    with pytest.raises(ValueError, match="'#3' is store-location:3 and warehouse:3"):
        read(spec, "#3=WH-East", lookup)
    with pytest.raises(ValueError, match="'Downtown' is this store's own location"):
        read(
            spec, "Main Warehouse=Downtown", Lookup(places={"h-s3": "Downtown"}, held=STORE_PLACES)
        )
