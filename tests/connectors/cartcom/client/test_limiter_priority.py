"""Both limiters give a nearly spent window to the most urgent caller that waits for it.

The story in each test: a store's window is full; a fulfillment is told to wait; just as a slot
frees, a products caller (another thread, or another process on the shared row) asks first.
With priorities it gives way; with `priorities=False` (the control) it takes the slot and the
fulfillment waits for the next one. The in-process limiter runs on a fake clock; the shared one
on the database server's clock, with the window's calls written so that slots free within a
fraction of a second.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from orderhub.clock import FakeClock, Sleep
from orderhub.connectors.cartcom.call_window import DEMAND_POLL, CallWindow, Claim
from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.connection import check_connection
from orderhub.connectors.cartcom.ratelimit import CallLimiter
from orderhub.connectors.cartcom.shared_limiter import SharedCallLimiter
from orderhub.connectors.cartcom.verify import verify_client
from orderhub.domain import FlowName
from orderhub.engine.priority import UNRANKED, CallPriority, priority_of
from orderhub.store import call_budgets
from orderhub.store.database import Database

URL = "https://shop.example.com"
FULFILLMENT = CallPriority.FULFILLMENTS_PUSH
PRODUCTS = CallPriority.PRODUCTS_PULL


class GaveWay(Exception):
    """Stops a caller at its first wait: the test only wants to know it was told to wait."""


def one_attempt(waits: list[float]) -> Sleep:
    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise GaveWay

    return sleep


# --- in this process, on a fake clock ------------------------------------------------------


@pytest.mark.parametrize("priorities", [True, False], ids=["priorities", "control"])
def test_in_process_the_waiting_fulfillment_gets_the_slot_a_products_caller_asks_for_first(
    priorities: bool,
) -> None:
    clock = FakeClock()
    limiter = CallLimiter(clock=clock, sleep=clock.sleep, priorities=priorities)
    limiter.before_call(priority=PRODUCTS)  # frees at 10.25
    clock.advance(5.0)
    for _ in range(4):
        limiter.before_call(priority=PRODUCTS)  # free at 15.25
    clock.advance(1.0)
    products_waits: list[float] = []

    def fulfillment_sleeps(seconds: float) -> None:
        clock.sleep(seconds)
        if products_waits:
            return
        try:  # the slot just freed; products asks before the fulfillment wakes
            products_waits.append(limiter.before_call(priority=PRODUCTS, sleep=one_attempt([])))
        except GaveWay:
            products_waits.append(-1.0)

    waited = limiter.before_call(priority=FULFILLMENT, sleep=fulfillment_sleeps)

    if priorities:
        assert products_waits == [-1.0]  # it gave way
        assert waited == pytest.approx(10.25 - 6.0)
    else:
        assert products_waits == [0.0]  # it took the slot
        assert waited == pytest.approx(15.25 - 6.0)


def test_the_client_hands_its_priority_to_the_budget_and_unranked_callers_go_last() -> None:
    budget = RecordingBudget()
    http = httpx.Client(
        transport=httpx.MockTransport(lambda _request: httpx.Response(200, json={}))
    )
    CartcomClient(URL, "t", http=http, limiter=budget, priority=FULFILLMENT).get("orders/1")
    CartcomClient(URL, "t", http=http, limiter=budget).get("orders/1")
    assert budget.priorities == [FULFILLMENT, UNRANKED]
    assert max(CallPriority) == UNRANKED


def test_the_connection_test_draws_as_a_person_waiting_right_after_orders() -> None:
    budget = RecordingBudget()
    http = httpx.Client(
        transport=httpx.MockTransport(lambda _request: httpx.Response(200, json={}))
    )
    check_connection(URL, "t", http=http, limiter=budget)
    assert budget.priorities
    assert set(budget.priorities) == {CallPriority.CONNECTION_TEST}
    assert priority_of(FlowName.ORDERS_PULL) < CallPriority.CONNECTION_TEST
    assert priority_of(FlowName.INVENTORY_PUSH) > CallPriority.CONNECTION_TEST


def test_a_completeness_check_draws_last(database: Database) -> None:
    http = httpx.Client(
        transport=httpx.MockTransport(lambda _request: httpx.Response(200, json={}))
    )
    clock = FakeClock()
    with verify_client(
        database, URL, "t", clock=clock, sleep=clock.sleep, share_call_budgets=False, http=http
    ) as client:
        assert client.priority == CallPriority.VERIFY == max(CallPriority)


def test_flows_rank_in_the_order_of_issue_11() -> None:
    order = [
        FlowName.FULFILLMENTS_PUSH,
        FlowName.ORDERS_PULL,
        FlowName.INVENTORY_PUSH,
        FlowName.PRODUCTS_PUSH,
        FlowName.PRODUCTS_PULL,
        FlowName.LOCATIONS_PULL,
    ]
    ranks = [priority_of(flow) for flow in order]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
    assert max(ranks) < CallPriority.VERIFY


class RecordingBudget:
    def __init__(self) -> None:
        self.priorities: list[CallPriority] = []

    def before_call(
        self, *, sleep: Sleep | None = None, priority: CallPriority = UNRANKED
    ) -> float:
        self.priorities.append(priority)
        return 0.0

    def after_response(
        self, headers: Mapping[str, str] | httpx.Headers, now: float | None = None
    ) -> None:
        return None

    def on_rate_limited(self, retry_after_seconds: float | None) -> None:
        return None

    def hold(self, priority: CallPriority) -> None:
        return None

    def release(self, priority: CallPriority) -> None:
        return None


# --- shared through the database, on its server's clock ------------------------------------

WINDOW = 1.0
MARGIN = 0.05


def shared(database: Database, *, priorities: bool = True) -> SharedCallLimiter:
    return SharedCallLimiter(database, URL, window=WINDOW, margin=MARGIN, priorities=priorities)


def write_row(database: Database, key: str, *, frees_in: list[float], **fields: Any) -> None:
    """The store's row as if calls had been sent so that each frees `frees_in` seconds from now."""
    with database.session() as session:
        _, now = call_budgets.lock_budget(session, key)
        sent = sorted(now - WINDOW - MARGIN + seconds for seconds in frees_in)
        window = CallWindow(limit=5, sent=sent, **fields)
        call_budgets.save_budget(session, key, window.to_document(), now)


def read_row(database: Database, key: str) -> CallWindow:
    with database.read_session() as session:
        return CallWindow.from_document(call_budgets.get_budget(session, key))


@pytest.mark.parametrize("priorities", [True, False], ids=["priorities", "control"])
def test_shared_a_products_caller_in_another_process_gives_way_to_the_waiting_fulfillment(
    database: Database, priorities: bool
) -> None:
    fulfillments = shared(database, priorities=priorities)
    products = shared(database, priorities=priorities)  # as if in another process
    written = time.monotonic()
    write_row(database, fulfillments.key, frees_in=[0.3, 0.8, 0.8, 0.8, 0.8])
    seen: dict[str, Any] = {}

    def fulfillment_sleeps(seconds: float) -> None:
        seen.setdefault("row", read_row(database, fulfillments.key))
        time.sleep(seconds)
        if "products" in seen:
            return
        waits: list[float] = []
        try:  # the first slot just freed; the other process asks before the fulfillment wakes
            products.before_call(priority=PRODUCTS, sleep=one_attempt(waits))
            seen["products"] = "took the slot"
        except GaveWay:
            seen["products"] = waits[0]

    waited = fulfillments.before_call(priority=FULFILLMENT, sleep=fulfillment_sleeps)
    # When the slot came, from the row's writing: a slot cannot come before it frees, however
    # slowly the machine ran the lines above (so no bound here depends on the machine's load).
    served_at = time.monotonic() - written

    claims = list(seen["row"].waiting.values())
    if priorities:
        assert [claim.priority for claim in claims] == [FULFILLMENT]
        assert seen["products"] == pytest.approx(DEMAND_POLL)  # asks again just after its turn
        assert waited < 0.6  # the first slot to free (0.3 s), not the next ones (0.8 s)
        left = read_row(database, fulfillments.key).waiting.values()
        assert FULFILLMENT not in [claim.priority for claim in left]  # its claim went with it
    else:
        assert [claim.priority for claim in claims] == [0]  # everyone ranks alike
        assert seen["products"] == "took the slot"
        assert served_at >= 0.8 - MARGIN  # the products call took the first: it waited for the next
        assert waited > 0


def test_shared_a_dead_processes_claim_holds_lower_callers_only_until_its_grace_ends(
    database: Database,
) -> None:
    products = shared(database)
    with database.read_session() as session:
        now = call_budgets.server_epoch(session)
    read = time.monotonic()
    # A fulfillment said it would ask again 0.8 s ago, then its process died: its claim holds
    # for the rest of its one-second grace, about 0.2 s.
    write_row(database, products.key, frees_in=[], waiting={"dead": Claim(0, now - 0.8, now - 1)})

    waited = products.before_call(priority=PRODUCTS)
    # Measured from the server's `now`: the lines in between may take any time on a busy
    # machine, but the call cannot go before the grace ends (0.2 s after `now`).
    served_at = time.monotonic() - read

    assert served_at >= 0.2 - MARGIN
    assert waited <= 0.6
    assert "dead" not in read_row(database, products.key).waiting


def test_shared_one_transaction_per_attempt_claims_included(database: Database) -> None:
    """Being told to wait (and noted as waiting) costs the attempt's one transaction, no more."""
    fulfillments, products = shared(database), shared(database)
    write_row(database, fulfillments.key, frees_in=[0.2] * 5)
    transactions: list[object] = []
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    def began(connection: object) -> None:
        transactions.append(connection)

    event.listen(database.engine, "begin", began)
    try:
        products.before_call(priority=PRODUCTS, sleep=sleep)
        assert sleeps
        assert len(transactions) == len(sleeps) + 1
        transactions.clear()
        assert fulfillments.before_call(priority=FULFILLMENT) == 0
        assert len(transactions) == 1
    finally:
        event.remove(database.engine, "begin", began)
