"""`orderhub <records> list`: newest first, `--limit`, `--status`, and the total beside a page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from orderhub.store.records import EntityKind, Origin, upsert_record

from .conftest import Cli

T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def _orders(cli: Cli) -> None:
    for number, status in enumerate(["new", "fulfilled", "new"]):
        with cli.hub.db.session() as session:
            upsert_record(
                session,
                EntityKind.ORDER,
                integration_id=None,
                ext_id=str(number),
                data={"extOrderId": f"#{1000 + number}", "status": status, "lineItems": []},
                source_doc=None,
                origin=Origin(None, actor="cli"),
                now=T0 + timedelta(minutes=number),
            )


def test_a_page_is_the_newest_and_says_how_many_there_are(cli: Cli) -> None:
    _orders(cli)
    result = cli("orders", "list", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "Orders (2 of 3)" in result.stdout
    assert result.stdout.index("#1002") < result.stdout.index("#1001")
    assert "#1000" not in result.stdout
    assert "Showing 2 of 3" in result.stdout


def test_json_lists_every_match_of_a_status(cli: Cli) -> None:
    _orders(cli)
    new = json.loads(cli("orders", "list", "--json", "--status", "new").stdout)
    assert [o["extOrderId"] for o in new] == ["#1002", "#1000"]
    everything = json.loads(cli("orders", "list", "--json").stdout)
    assert len(everything) == 3
    assert json.loads(cli("orders", "list", "--json", "--status", "canceled").stdout) == []
