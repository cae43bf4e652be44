"""`orderhub inventory set|import`: quantities as a person types them, files row by row (#12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Cli


@pytest.mark.parametrize(
    ("quantity", "words"),
    [
        ("\u0663", "quantity: '\u0663' is not a whole number"),
        ("2147483648", "quantity: must be at most 2,147,483,647, got '2147483648'"),
        (
            "99999999999999999999",
            "quantity: must be at most 2,147,483,647, got '99999999999999999999'",
        ),
        ("3.5", "quantity: '3.5' is not a whole number"),
    ],
)
def test_inventory_set_refuses_a_quantity_outside_the_bounds_in_one_line(
    cli: Cli, quantity: str, words: str
) -> None:
    result = cli("inventory", "set", "MUG-1", quantity)

    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"Error: {words}"]
    assert json.loads(cli("inventory", "list", "--json").stdout) == []


def test_inventory_set_takes_ascii_digits(cli: Cli) -> None:
    result = cli("inventory", "set", "MUG-1", "2147483647", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["onHand"] == 2_147_483_647


def test_an_import_with_a_field_over_the_csv_limit_lands_the_other_rows(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "stock.csv"
    path.write_text(f"\ufeffsku,quantity\nA-1,1\nA-2,{'7' * 131_073}\nA-3,3\n", encoding="utf-8")

    result = cli("inventory", "import", str(path))

    assert result.exit_code == 1  # a row was refused
    assert "Imported stock.csv: 2 created, 0 updated, 0 unchanged, 1 refused" in result.stdout
    assert result.stderr.strip().splitlines() == [
        "line 3: a field is longer than 131,072 characters (the quantity column)"
    ]
    listed = json.loads(cli("inventory", "list", "--json").stdout)
    assert sorted(item["sku"] for item in listed) == ["A-1", "A-3"]


def test_inventory_set_without_a_location_asks_for_one_when_the_hub_has_several(
    cli: Cli,
) -> None:
    from orderhub.store.records import EntityKind, Origin, upsert_record

    with cli.hub.db.session() as session:
        for ext_id, name in (("warehouse:1", "Main Warehouse"), ("warehouse:2", "West Coast")):
            upsert_record(
                session,
                EntityKind.LOCATION,
                integration_id="int_a",
                ext_id=ext_id,
                data={"name": name, "extLocationId": ext_id, "status": "active"},
                source_doc=None,
                origin=Origin("int_a"),
                now=cli.hub.clock.now(),
            )

    refused = cli("inventory", "set", "MUG-1", "4")
    named = cli("inventory", "set", "MUG-1", "4", "--location", "West Coast", "--json")

    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "Error: The hub has 2 active locations (Main Warehouse, West Coast); name one (by name "
        "or id: --location, the API's locationId, a CSV location column)"
    )
    assert named.exit_code == 0, named.output
    assert json.loads(named.stdout)["onHand"] == 4
