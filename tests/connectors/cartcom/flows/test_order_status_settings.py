"""orders.pull's status settings: read from text, shown back as text, checked again per run."""

from __future__ import annotations

from typing import Any

import pytest

from orderhub.connectors.cartcom.flows.order_status_settings import (
    MAP_SETTING,
    MAX_ENTRIES,
    MAX_NAME,
    SKIP_SETTING,
    OrderStatusRules,
    parse_map,
    parse_skip,
    show_map,
    show_skip,
)
from orderhub.connectors.cartcom.mapping import StatusBook
from orderhub.domain import OrderStatus
from orderhub.errors import UsageError

BOOK = StatusBook.from_records(
    [
        {"id": 1, "name": "Pending Processing", "is_open": True},
        {"id": 6, "name": "On Hold", "is_open": True},
        {"id": 10, "name": "Quote", "is_quote_status": True},
        {"id": 4, "name": "Declined", "is_declined": True},
        {"id": 12, "name": "Processing"},
    ]
)


@pytest.mark.parametrize(
    ("text", "value", "shown"),
    [
        ("Quote, Declined", ["Quote", "Declined"], "Quote, Declined"),
        ("  quote ,,\n DECLINED  ", ["quote", "DECLINED"], "quote, DECLINED"),
        ("Quote, quote, #4, 4", ["Quote", "4"], "Quote, 4"),
        ("Awaiting   Pickup", ["Awaiting Pickup"], "Awaiting Pickup"),
    ],
)
def test_skipped_statuses_read_and_show_back(text: str, value: list[str], shown: str) -> None:
    assert parse_skip(text) == value
    assert show_skip(value) == shown
    assert parse_skip(show_skip(value)) == value


@pytest.mark.parametrize(
    ("text", "value", "shown"),
    [
        (
            "Backordered=onHold, Awaiting Pickup=readyForFulfillment",
            {"Backordered": "onHold", "Awaiting Pickup": "readyForFulfillment"},
            "Backordered=onHold, Awaiting Pickup=readyForFulfillment",
        ),
        ("on hold = On hold\n#12=CANCELED", {"on hold": "onHold", "12": "canceled"}, None),
        ("Layaway=ready for fulfillment", {"Layaway": "readyForFulfillment"}, None),
    ],
)
def test_the_status_map_reads_and_shows_back(
    text: str, value: dict[str, str], shown: str | None
) -> None:
    assert parse_map(text) == value
    if shown is not None:
        assert show_map(value) == shown
    assert parse_map(show_map(value)) == value


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_skip, " , ,", "must name store statuses"),
        (parse_skip, "x" * (MAX_NAME + 1), f"at most {MAX_NAME} characters"),
        (parse_skip, ", ".join(f"S{i}" for i in range(MAX_ENTRIES + 1)), "at most 50 statuses"),
        (parse_skip, "Quote\x00", "a character it cannot hold"),
        (parse_skip, "a=b", "a character it cannot hold"),
        (parse_skip, "x, " * 3000, "at most 6000 characters"),
        (parse_map, "Backordered", "is written STORE STATUS=HUB STATUS"),
        (parse_map, "Backordered=onHold=new", "is written STORE STATUS=HUB STATUS"),
        (parse_map, "Backordered=shipped", "'shipped', which is not a hub status; use one of new"),
        (parse_map, "=onHold", "names a store status"),
        (parse_map, "Hold=onHold, HOLD=new", "maps 'HOLD' twice"),
        (parse_map, ",", "must map store statuses"),
    ],
)
def test_a_bad_value_says_what_the_setting_takes(parse: Any, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(text)


def test_rules_name_statuses_by_name_case_insensitively_or_by_id() -> None:
    rules = OrderStatusRules.from_settings(
        {SKIP_SETTING: ["quote", "4", "Backordered"], MAP_SETTING: {"on hold": "onHold"}}
    )
    assert rules.skipped_ids(BOOK) == {10, 4}
    mapped = rules.applied(BOOK)
    assert mapped.hub_status(6) is OrderStatus.ON_HOLD
    assert mapped.is_overridden(6)
    assert not mapped.is_overridden(1)
    assert mapped.hub_status(1) is OrderStatus.NEW  # the others keep their flags' mapping
    assert BOOK.hub_status(6) is OrderStatus.NEW  # the shared book stays as it was
    assert rules.missing_from(BOOK) == ["Backordered"]
    assert OrderStatusRules.from_settings({}).skipped_ids(BOOK) == frozenset()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({SKIP_SETTING: "Quote"}, f"{SKIP_SETTING} must be a list"),
        ({SKIP_SETTING: ["x" * 200]}, f"{SKIP_SETTING} names statuses of at most"),
        ({MAP_SETTING: {"Hold": "held"}}, f"{MAP_SETTING} maps 'Hold' to 'held'"),
        ({MAP_SETTING: ["Hold"]}, f"{MAP_SETTING} must be an object"),
        ({MAP_SETTING: {"Hold": "onHold=new"}}, f"{MAP_SETTING} is written"),
    ],
)
def test_a_stored_value_the_parser_refuses_stops_the_run_naming_the_setting(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        OrderStatusRules.from_settings(settings)


def test_the_book_keeps_its_statuses_bounded_and_reads_them_back() -> None:
    long = StatusBook.from_records([{"id": 3, "name": "N" * 500, "is_cancelled": True}])
    kept = long.kept()
    assert kept == [{"id": 3, "name": "N" * 100, "flags": ["is_cancelled"]}]
    again = StatusBook.from_kept(kept)
    assert again.hub_status(3) is OrderStatus.CANCELED
    assert StatusBook.from_kept(BOOK.kept()).kept() == BOOK.kept()
    assert len(StatusBook.from_kept([{"id": "x"}, "junk", {"id": 2, "flags": ["nope"]}])) == 1
