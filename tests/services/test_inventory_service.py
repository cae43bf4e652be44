"""set_inventory and import_inventory_csv: hub-native stock records the push flow carries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orderhub.clock import FakeClock
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.inventory import import_inventory_csv, set_inventory
from orderhub.settings import Settings
from orderhub.store.database import Database
from orderhub.store.feed import changes_since
from orderhub.store.records import EntityKind, Origin, list_records, upsert_record

KEY = "inventory-service-test-secret-key"
NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def hub(database: Database, tmp_path: Path) -> Hub:
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    return Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        clock=FakeClock(NOW),
    )


def add_location(
    hub: Hub, ext_id: str, name: str, *, status: str = "active", integration: str = "int_a"
) -> str:
    with hub.db.session() as session:
        return upsert_record(
            session,
            EntityKind.LOCATION,
            integration_id=integration,
            ext_id=ext_id,
            data={"name": name, "extLocationId": ext_id, "status": status},
            source_doc=None,
            origin=Origin(integration),
            now=NOW,
        ).hub_id


def stock(hub: Hub) -> dict[tuple[str, str], tuple[int, int, int]]:
    with hub.db.session() as session:
        records = list_records(session, EntityKind.INVENTORY, limit=1000)
    return {
        (r.data["sku"], r.data["locationId"]): (
            r.data["onHand"],
            r.data["committed"],
            r.data["available"],
        )
        for r in records
    }


def locations(hub: Hub) -> dict[str, dict[str, Any]]:
    with hub.db.session() as session:
        return {r.hub_id: r.data for r in list_records(session, EntityKind.LOCATION, limit=100)}


def inventory_changes(hub: Hub) -> int:
    with hub.db.session() as session:
        return len(changes_since(session, EntityKind.INVENTORY, 0))


def test_without_locations_stock_goes_to_a_default_location_made_once(hub: Hub) -> None:
    record = set_inventory(hub, sku=" SKU-1 ", quantity=12, actor="cli")
    set_inventory(hub, sku="SKU-2", quantity=3, actor="api")

    held = locations(hub)
    assert len(held) == 1
    (default_id, default) = next(iter(held.items()))
    assert default["name"] == "Default"
    assert default["extLocationId"] == "default"
    assert record["sku"] == "SKU-1"
    assert record["locationId"] == default_id
    assert (record["onHand"], record["committed"], record["available"]) == (12, 0, 12)
    assert "inventoryId" in record
    assert "integration" not in record  # hub-native
    assert stock(hub) == {("SKU-1", default_id): (12, 0, 12), ("SKU-2", default_id): (3, 0, 3)}


def test_the_only_location_is_used_and_several_need_a_choice(hub: Hub) -> None:
    only = add_location(hub, "warehouse:1", "Main Warehouse")
    add_location(hub, "warehouse:9", "Closed", status="inactive")
    assert set_inventory(hub, sku="A", quantity=1, actor="cli")["locationId"] == only

    second = add_location(hub, "warehouse:2", "West Coast")
    by_name = set_inventory(hub, sku="A", quantity=2, location_id="west coast", actor="cli")
    by_ext = set_inventory(hub, sku="B", quantity=2, location_id="warehouse:2", actor="cli")
    by_id = set_inventory(hub, sku="C", quantity=2, location_id=only, actor="cli")

    assert by_name["locationId"] == second
    assert by_ext["locationId"] == second
    assert by_id["locationId"] == only
    with pytest.raises(UsageError) as refused:
        set_inventory(hub, sku="D", quantity=2, actor="cli")
    assert str(refused.value) == (
        "The hub has 2 active locations (Main Warehouse, West Coast); name one (by name or "
        "id: --location, the API's locationId, a CSV location column)"
    )
    assert "Default" not in {data["name"] for data in locations(hub).values()}
    assert ("D", only) not in stock(hub)


def test_a_default_location_is_made_only_when_the_hub_has_none(hub: Hub) -> None:
    """Stock set before the store's locations were pulled went to "Default"; once the store's
    are there, an unnamed location is refused rather than guessed."""
    first = set_inventory(hub, sku="A", quantity=1, actor="cli")["locationId"]
    assert set_inventory(hub, sku="B", quantity=1, actor="cli")["locationId"] == first
    add_location(hub, "warehouse:1", "Main Warehouse")
    with pytest.raises(UsageError, match=r"2 active locations \(Default, Main Warehouse\)"):
        set_inventory(hub, sku="C", quantity=1, actor="cli")
    assert len(locations(hub)) == 2


def test_only_inactive_locations_are_named_not_replaced_by_a_default(hub: Hub) -> None:
    add_location(hub, "warehouse:8", "Old barn", status="inactive")
    with pytest.raises(UsageError, match=r"all inactive \(Old barn\)"):
        set_inventory(hub, sku="A", quantity=1, actor="cli")
    assert [data["name"] for data in locations(hub).values()] == ["Old barn"]


def test_a_refusal_names_a_few_locations_and_counts_the_rest(hub: Hub) -> None:
    for number in range(7):
        add_location(hub, f"warehouse:{number}", f"Site {number}")
    with pytest.raises(UsageError, match=r"7 active locations \(Site 0, .*, Site 4 and 2 more\)"):
        set_inventory(hub, sku="A", quantity=1, actor="cli")


def test_csv_rows_without_a_location_are_refused_when_several_could_hold_them(hub: Hub) -> None:
    west = add_location(hub, "warehouse:2", "West Coast")
    add_location(hub, "warehouse:1", "Main Warehouse")

    report = import_inventory_csv(hub, "sku,quantity,location\nA,1,West Coast\nB,2,\n", actor="cli")

    assert report.created == 1
    assert [(e.line, e.message[:30]) for e in report.errors] == [
        (3, "The hub has 2 active locations")
    ]
    assert stock(hub) == {("A", west): (1, 0, 1)}


def test_same_value_again_is_no_change_and_committed_is_kept(hub: Hub) -> None:
    location = add_location(hub, "warehouse:1", "Main")
    set_inventory(hub, sku="A", quantity=10, actor="cli")
    changes = inventory_changes(hub)
    set_inventory(hub, sku="A", quantity=10, actor="cli")
    assert inventory_changes(hub) == changes

    # A record whose committed count is known (e.g. from an order flow) keeps it.
    with hub.db.session() as session:
        record = list_records(session, EntityKind.INVENTORY)[0]
        upsert_record(
            session,
            EntityKind.INVENTORY,
            integration_id=None,
            ext_id=record.ext_id,
            data={**record.data, "committed": 4, "available": 6},
            source_doc=None,
            origin=Origin(None, actor="api"),
            now=NOW,
        )
    updated = set_inventory(hub, sku="A", quantity=7, actor="cli")
    assert (updated["onHand"], updated["committed"], updated["available"]) == (7, 4, 3)
    assert stock(hub) == {("A", location): (7, 4, 3)}


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"sku": "  ", "quantity": 1}, UsageError, "sku: must not be empty"),
        ({"sku": "A", "quantity": -1}, UsageError, "0 or more"),
        ({"sku": "A", "quantity": True}, UsageError, "whole number"),
        ({"sku": "A", "quantity": 1, "location_id": "nowhere"}, NotFoundError, "nowhere"),
    ],
)
def test_bad_input_is_refused_with_a_clear_line(
    hub: Hub, kwargs: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        set_inventory(hub, actor="cli", **kwargs)
    assert stock(hub) == {}


def test_two_locations_with_one_name_need_the_id(hub: Hub) -> None:
    add_location(hub, "warehouse:1", "Main", integration="int_a")
    add_location(hub, "warehouse:1", "Main", integration="int_b")
    with pytest.raises(UsageError, match="give the id"):
        set_inventory(hub, sku="A", quantity=1, location_id="Main", actor="cli")


def test_csv_import_lands_good_rows_and_reports_bad_ones_by_line(hub: Hub) -> None:
    main = add_location(hub, "warehouse:1", "Main Warehouse")
    west = add_location(hub, "warehouse:2", "West")
    text = (
        "\ufeffSKU,On Hand,Location\n"
        "A-1,10,Main Warehouse\n"
        "A-1,4,warehouse:2\n"
        ",3,Main Warehouse\n"
        "B-2,many,West\n"
        "C-3,-2,West\n"
        "D-4,5,Atlantis\n"
        "E-5,6,West,extra\n"
        "\n"
        '"F,6",7,West\n'
    )

    report = import_inventory_csv(hub, text, actor="cli")

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert [(e.line, e.message) for e in report.errors] == [
        (4, "sku: must not be empty"),
        (5, "quantity: 'many' is not a whole number"),
        (6, "quantity: must be 0 or more, got '-2'"),
        (7, "No location 'Atlantis' (see `orderhub locations list`)"),
        (8, "1 value(s) more than the header has columns"),
    ]
    assert not report.ok
    assert stock(hub) == {
        ("A-1", main): (10, 0, 10),
        ("A-1", west): (4, 0, 4),
        ("F,6", west): (7, 0, 7),
    }
    again = import_inventory_csv(hub, "sku,quantity,location\nA-1,10,Main Warehouse\n", actor="api")
    assert (again.created, again.updated, again.unchanged, again.ok) == (0, 0, 1, True)


def test_csv_without_the_needed_columns_lands_nothing(hub: Hub) -> None:
    report = import_inventory_csv(hub, "item,count\nA,1\n", actor="cli")
    assert [e.line for e in report.errors] == [1]
    assert "sku and quantity" in report.errors[0].message
    assert stock(hub) == {}


def test_csv_rows_with_bad_numbers_or_a_nul_in_the_sku_are_refused_naming_the_field(
    hub: Hub,
) -> None:
    text = (
        "sku,quantity,location\n"
        "A-1,\u0663,\n"  # an Arabic-Indic three: int() reads it as 3, no merchant means it
        "A-2,2147483648,\n"
        "A-3,99999999999999999999,\n"
        "A\x00-4,1,\n"
        "A-5,1,West\x00\n"
        "A-6,2147483647,\n"
    )

    report = import_inventory_csv(hub, text, actor="cli")

    assert [(e.line, e.message) for e in report.errors] == [
        (2, "quantity: '\u0663' is not a whole number"),
        (3, "quantity: must be at most 2,147,483,647, got '2147483648'"),
        (4, "quantity: must be at most 2,147,483,647, got '99999999999999999999'"),
        (5, "sku: holds a control character (NUL at position 2); remove it"),
        (6, "location: holds a control character (NUL at position 5); remove it"),
    ]
    assert [(sku, on_hand) for (sku, _), (on_hand, _, _) in stock(hub).items()] == [
        ("A-6", 2_147_483_647)
    ]


def test_a_field_over_the_csv_limit_refuses_its_row_and_the_others_land(hub: Hub) -> None:
    long = "9" * 131_073
    text = (
        "sku,quantity,location\n"
        "A-1,1,\n"
        f'A-2,"{long}\n",\n'  # the long cell spans two lines: the next row is on line 5
        "A-3,3,\n"
    )

    report = import_inventory_csv(hub, text, actor="cli")

    assert [(e.line, e.message) for e in report.errors] == [
        (3, "a field is longer than 131,072 characters (the quantity column)")
    ]
    assert sorted(sku for sku, _location in stock(hub)) == ["A-1", "A-3"]
    assert report.created == 2


def test_csv_rows_are_numbered_by_the_line_they_start_on(hub: Hub) -> None:
    text = 'sku,quantity,location\n"A\n1",5,\nB-2,many,\n'

    report = import_inventory_csv(hub, text, actor="cli")

    # "A\n1" spans lines 2-3 and is refused for its line break; B-2 starts on line 4.
    assert [e.line for e in report.errors] == [2, 4]
