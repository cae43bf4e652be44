"""`orderhub integrations shipping-methods list|set|remove ID` (in process)."""

from __future__ import annotations

import json

import pytest

from orderhub.services.shipping_methods import list_shipping_methods
from orderhub.store import integrations as integration_store

from .conftest import Cli


@pytest.fixture
def integration_id(cli: Cli) -> str:
    """An integration row; mappings need no store behind it (a closed loopback port)."""
    with cli.hub.db.session() as session:
        created = integration_store.create_integration(
            session,
            connector="cartcom",
            name="Mapped store",
            api_url="http://127.0.0.1:9",
            api_token="token-0000",
            box=cli.hub.box,
            now=cli.hub.clock.now(),
        )
    return created.integration_id


def test_set_list_replace_and_remove(cli: Cli, integration_id: str) -> None:
    first = cli(
        "integrations", "shipping-methods", "set", integration_id,
        "--carrier", "UPSN", "--method", "UPS Ground",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "UPSN (any service) -> UPS Ground" in first.output
    assert "orderhub exceptions retry --all" in first.output
    cli(
        "integrations", "shipping-methods", "set", integration_id,
        "--carrier", "UPSN", "--service", "Express", "--method", "UPS 2nd Day Air",
    )  # fmt: skip
    # The same carrier and service, spelled otherwise, replaces the mapping.
    replaced = cli(
        "integrations", "shipping-methods", "set", integration_id,
        "--carrier", "upsn", "--service", " EXPRESS", "--method", "UPS Next Day Air",
    )  # fmt: skip
    assert replaced.exit_code == 0, replaced.output

    listed = cli("integrations", "shipping-methods", "list", integration_id, "--json")
    assert listed.exit_code == 0, listed.output
    rows = [(m["carrier"], m.get("service"), m["method"]) for m in json.loads(listed.stdout)]
    assert rows == [("UPSN", None, "UPS Ground"), ("upsn", "EXPRESS", "UPS Next Day Air")]
    table = cli("integrations", "shipping-methods", "list", integration_id)
    assert "UPS Next Day Air" in table.output

    removed = cli("integrations", "shipping-methods", "remove", integration_id, "--carrier", "UPSN")
    assert removed.exit_code == 0, removed.output
    assert [m.method for m in list_shipping_methods(cli.hub, integration_id)] == [
        "UPS Next Day Air"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["remove", "{id}", "--carrier", "Nobody"], "has no mapping for carrier 'Nobody'"),
        (["set", "nope", "--carrier", "UPS", "--method", "X"], "No integration with id 'nope'"),
        (["set", "{id}", "--carrier", " - ", "--method", "UPS Ground"], "needs a carrier"),
    ],
)
def test_mistakes_are_one_line_errors(
    cli: Cli, integration_id: str, args: list[str], message: str
) -> None:
    result = cli("integrations", "shipping-methods", *[a.format(id=integration_id) for a in args])
    assert result.exit_code == 1
    assert message in result.stderr
