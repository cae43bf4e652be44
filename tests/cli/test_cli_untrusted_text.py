"""Text that came from a store or a person is printed as text: never as Rich markup, never as
terminal control codes (issue #12). Records are seeded straight into the store, as an older
version or a store's own data could have left them; the models would refuse some of these.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from orderhub.cli.errors import explain
from orderhub.cli.output import shown
from orderhub.domain import FlowName
from orderhub.errors import NotFoundError
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, Origin, upsert_record

from .conftest import Cli

NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
CLEAR_SCREEN = "\x1b[2J"
HIDDEN_LINK = "\x1b]8;;https://evil.test\x07here\x1b]8;;\x07"
MARKUP_LINK = "[link=https://evil.test]click[/link]"


def seed(cli: Cli, kind: EntityKind, ext_id: str, data: dict[str, Any]) -> None:
    with cli.hub.db.session() as session:
        upsert_record(
            session,
            kind,
            integration_id=None,
            ext_id=ext_id,
            data=data,
            source_doc=None,
            origin=Origin(None, actor="cli"),
            now=NOW,
        )


def seed_order(cli: Cli) -> None:
    seed(
        cli,
        EntityKind.ORDER,
        "o-1",
        {
            "extOrderId": f"#1001{CLEAR_SCREEN}",
            "status": "new",
            "email": "eve[/i]@example.com",
            "lineItems": [],
        },
    )


def test_a_customer_email_with_markup_is_listed_as_typed(cli: Cli) -> None:
    seed_order(cli)

    result = cli("orders", "list")

    assert result.exit_code == 0, result.output
    assert "eve[/i]@example.com" in result.stdout
    assert "#1001\\x1b[2J" in result.stdout  # the escape is shown, not sent to the terminal
    assert "\x1b" not in result.output


def test_a_product_name_cannot_hide_a_link_or_move_the_cursor(cli: Cli) -> None:
    seed(cli, EntityKind.PRODUCT, "A-1", {"sku": "A-1", "name": MARKUP_LINK, "status": "active"})
    seed(
        cli,
        EntityKind.PRODUCT,
        "A-2",
        {"sku": "A-2\x9b31m", "name": f"Mug{HIDDEN_LINK}\x00\x7f", "status": "active"},
    )

    result = cli("products", "list")

    assert result.exit_code == 0, result.output
    assert MARKUP_LINK in result.stdout
    assert "Mug\\x1b]8;;https://evil.test\\x07here\\x1b]8;;\\x07\\x00\\x7f" in result.stdout
    assert "A-2\\x9b31m" in result.stdout
    for raw in ("\x1b", "\x07", "\x00", "\x7f", "\x9b"):
        assert raw not in result.output


def test_json_output_stays_exact_and_escapes_control_characters(cli: Cli) -> None:
    seed_order(cli)
    seed(cli, EntityKind.PRODUCT, "A-2", {"sku": "A-2", "name": f"Mug{HIDDEN_LINK}\x9b"})

    orders = cli("orders", "list", "--json")
    products = cli("products", "list", "--json")

    assert orders.exit_code == products.exit_code == 0
    assert "\x1b" not in orders.stdout + products.stdout
    assert "\x9b" not in products.stdout
    [order] = json.loads(orders.stdout)
    assert (order["email"], order["extOrderId"]) == ("eve[/i]@example.com", f"#1001{CLEAR_SCREEN}")
    [product] = json.loads(products.stdout)
    assert product["name"] == f"Mug{HIDDEN_LINK}\x9b"


def test_integration_names_errors_and_exception_reasons_are_shown_as_text(cli: Cli) -> None:
    with cli.hub.db.session() as session:
        integration = integration_store.create_integration(
            session,
            connector="cartcom",
            name=f"Shop [bold]{CLEAR_SCREEN}",
            api_url="http://127.0.0.1:9",
            api_token="token-0000",
            box=cli.hub.box,
            now=NOW,
        )
        integration_store.mark_error(
            session, integration.integration_id, f"refused [/red] {HIDDEN_LINK}", now=NOW
        )
        exception_store.raise_exception(
            session,
            integration_id=integration.integration_id,
            flow=FlowName.ORDERS_PULL,
            entity_type="order",
            ext_entity_id=f"7{CLEAR_SCREEN}",
            exception_type="mapping",
            message=f"bad [i]sku[/i] {CLEAR_SCREEN}",
            raw=None,
            now=NOW,
        )

    listed = cli("integrations", "list")
    exceptions = cli("exceptions", "list")
    flows = cli("flows", "list", integration.integration_id)

    for result in (listed, exceptions, flows):
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output
        assert "\x07" not in result.output
    assert "Shop [bold]\\x1b[2J" in listed.stdout
    assert "refused [/red] \\x1b]8;;" in listed.stdout
    assert "bad [i]sku[/i] \\x1b[2J" in exceptions.stdout
    assert "order 7\\x1b[2J" in exceptions.stdout
    assert "Flows of Shop [bold]\\x1b[2J" in flows.stdout


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (NotFoundError(f"No order {CLEAR_SCREEN}[/i]\nsecond line"), "No order \\x1b[2J[/i]"),
        (KeyError(f"sku{HIDDEN_LINK}"), "KeyError: 'sku\\x1b]8;;"),
    ],
)
def test_an_error_line_is_one_line_of_visible_text(error: Exception, line: str) -> None:
    text = explain(error)

    assert line in text
    assert "\n" not in text
    assert "\x1b" not in text
    assert "\x07" not in text


def test_shown_makes_every_control_character_visible_and_reads_no_markup() -> None:
    text = shown("a[/b]\x00\t\n\x1b\x7f\x85\x9fz")

    assert text.plain == "a[/b]\\x00\\t\\n\\x1b\\x7f\\x85\\x9fz"
    assert text.spans == []
