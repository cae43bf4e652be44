"""StatusBook (order_statuses by flags) and the payment status rules."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orderhub.connectors.cartcom.mapping import MappingError, StatusBook
from orderhub.connectors.cartcom.mapping.statuses import order_payment_status, payment_status
from orderhub.domain.order import OrderStatus, PaymentStatus

FIXTURES = Path(__file__).parent / "fixtures"


def store_statuses() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((FIXTURES / "order_statuses.json").read_text())[
        "order_statuses"
    ]
    return records


def status(status_id: int, name: str = "", **flags: bool) -> dict[str, Any]:
    return {"id": status_id, "name": name, **flags}


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param({}, OrderStatus.READY_FOR_FULFILLMENT, id="no-flags"),
        pytest.param({"is_open": True}, OrderStatus.NEW, id="open"),
        pytest.param({"is_quote_status": True}, OrderStatus.ON_HOLD, id="quote"),
        pytest.param({"is_partially_shipped": True}, OrderStatus.PARTIAL_FULFILLMENT, id="part"),
        pytest.param({"is_shipped": True}, OrderStatus.FULFILLED, id="shipped"),
        pytest.param({"is_fully_refunded": True}, OrderStatus.REFUNDED, id="refunded"),
        pytest.param({"is_cancelled": True}, OrderStatus.CANCELED, id="cancelled"),
        pytest.param({"is_declined": True}, OrderStatus.CANCELED, id="declined"),
        pytest.param(
            {"is_partially_refunded": True}, OrderStatus.READY_FOR_FULFILLMENT, id="part-refunded"
        ),
        pytest.param({"is_open": True, "is_quote_status": True}, OrderStatus.ON_HOLD, id="q>open"),
        pytest.param(
            {"is_open": True, "is_partially_shipped": True},
            OrderStatus.PARTIAL_FULFILLMENT,
            id="part>open",
        ),
        pytest.param(
            {"is_shipped": True, "is_partially_shipped": True},
            OrderStatus.FULFILLED,
            id="shipped>part",
        ),
        pytest.param(
            {"is_shipped": True, "is_fully_refunded": True},
            OrderStatus.REFUNDED,
            id="refunded>shipped",
        ),
        pytest.param(
            {"is_fully_refunded": True, "is_cancelled": True},
            OrderStatus.CANCELED,
            id="cancelled>refunded",
        ),
        pytest.param({"is_open": None, "is_shipped": 1}, OrderStatus.FULFILLED, id="null-and-1"),
    ],
)
def test_hub_status_by_flags(flags: dict[str, Any], expected: OrderStatus) -> None:
    book = StatusBook.from_records([status(42, "Whatever the store calls it", **flags)])
    assert book.hub_status(42) is expected
    assert book.name(42) == "Whatever the store calls it"


def test_store_fixture_reads_and_names() -> None:
    book = StatusBook.from_records(store_statuses())
    assert len(book) == 11
    assert book.name(9) == "Processing"
    assert book.name(999) is None
    assert (book.shipped_id(), book.partially_shipped_id()) == (3, 2)


def test_unknown_status_id() -> None:
    book = StatusBook.from_records(store_statuses())
    for lookup in (book.hub_status, book.refund_status):
        with pytest.raises(MappingError, match="order status id 77 is not among") as caught:
            lookup(77)
        assert caught.value.exception_type == "unknownStatus"


@pytest.mark.parametrize(
    ("status_id", "expected"),
    [
        (1, None),
        (3, None),
        (6, PaymentStatus.REFUNDED),
        (7, PaymentStatus.PARTIALLY_REFUNDED),
        (10, PaymentStatus.REFUNDED),
    ],
)
def test_refund_status(status_id: int, expected: PaymentStatus | None) -> None:
    assert StatusBook.from_records(store_statuses()).refund_status(status_id) is expected


def test_shipped_ids_prefer_the_plainest_status_then_the_lowest_id() -> None:
    book = StatusBook.from_records(
        [
            status(2, "Shipped - Refunded", is_shipped=True, is_fully_refunded=True),
            status(5, "Shipped", is_shipped=True),
            status(9, "Shipped (dropship)", is_shipped=True),
            status(3, "Partially Shipped - open", is_partially_shipped=True, is_open=True),
            status(8, "Partially Shipped", is_partially_shipped=True),
        ]
    )
    assert book.shipped_id() == 5
    assert book.partially_shipped_id() == 8


def test_no_shipped_status_flagged() -> None:
    book = StatusBook.from_records([status(1, "Pending", is_open=True)])
    assert (book.shipped_id(), book.partially_shipped_id()) == (None, None)
    assert StatusBook().shipped_id() is None


def test_a_repeated_id_takes_the_later_row() -> None:
    book = StatusBook.from_records([status(1, "Old", is_open=True), status(1, "New")])
    assert (len(book), book.name(1), book.hub_status(1)) == (
        1,
        "New",
        OrderStatus.READY_FOR_FULFILLMENT,
    )


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        pytest.param("Shipped", "order_statuses[0] must be a JSON object", id="not-object"),
        pytest.param({"name": "x"}, "order_statuses[0].id must be a positive", id="no-id"),
        pytest.param({"id": True}, "order_statuses[0].id must be an integer", id="bool-id"),
        pytest.param({"id": 0}, "order_statuses[0].id must be a positive", id="zero-id"),
        pytest.param({"id": 4, "is_shipped": "yes"}, "order status 4: is_shipped", id="flag-str"),
        pytest.param({"id": 4, "name": ["x"]}, "order status 4: name", id="name-list"),
    ],
)
def test_malformed_status_rows(record: object, fragment: str) -> None:
    with pytest.raises(MappingError, match=re.escape(fragment)) as caught:
        StatusBook.from_records([record])  # type: ignore[list-item]
    assert caught.value.exception_type == "invalidRecord"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, PaymentStatus.PENDING),
        ({"approved": True}, PaymentStatus.AUTHORIZED),
        ({"approved": True, "captured": True}, PaymentStatus.PAID),
        ({"captured": True}, PaymentStatus.PAID),
        ({"declined": True, "approved": True}, PaymentStatus.DECLINED),
        ({"void": True, "captured": True, "approved": True}, PaymentStatus.VOIDED),
        ({"void": True, "declined": True}, PaymentStatus.VOIDED),
    ],
)
def test_payment_status_from_flags(flags: dict[str, bool], expected: PaymentStatus) -> None:
    arguments = {"void": False, "declined": False, "captured": False, "approved": False} | flags
    assert payment_status(**arguments) is expected


PAID, AUTH, PEND, DECL, VOID = (
    PaymentStatus.PAID,
    PaymentStatus.AUTHORIZED,
    PaymentStatus.PENDING,
    PaymentStatus.DECLINED,
    PaymentStatus.VOIDED,
)


@pytest.mark.parametrize(
    ("payments", "total", "refund", "expected"),
    [
        ([(PAID, "10.00")], "10", None, PaymentStatus.PAID),
        ([(PAID, "9.99")], "10", None, PaymentStatus.PARTIALLY_PAID),
        ([(PAID, "5"), (PAID, "5")], "10", None, PaymentStatus.PAID),
        ([(PAID, "15"), (PAID, "-5")], "10", None, PaymentStatus.PAID),
        ([(PAID, "15"), (PAID, "-6")], "10", None, PaymentStatus.PARTIALLY_PAID),
        ([(AUTH, "10"), (PEND, "10")], "10", None, PaymentStatus.AUTHORIZED),
        ([(PEND, "10"), (DECL, "10")], "10", None, PaymentStatus.PENDING),
        ([(DECL, "10"), (VOID, "10")], "10", None, PaymentStatus.DECLINED),
        ([(VOID, "10")], "10", None, PaymentStatus.UNPAID),
        ([], "10", None, PaymentStatus.UNPAID),
        ([], None, None, PaymentStatus.UNPAID),
        ([], "0", None, PaymentStatus.PAID),
        ([(PAID, "3")], None, None, PaymentStatus.PAID),
        ([(PAID, "10")], "10", PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.PARTIALLY_REFUNDED),
        ([], "10", PaymentStatus.REFUNDED, PaymentStatus.REFUNDED),
    ],
)
def test_order_payment_status(
    payments: list[tuple[PaymentStatus, str]],
    total: str | None,
    refund: PaymentStatus | None,
    expected: PaymentStatus,
) -> None:
    rows = [(state, Decimal(amount)) for state, amount in payments]
    grand_total = Decimal(total) if total is not None else None
    assert order_payment_status(rows, grand_total, refund) is expected
