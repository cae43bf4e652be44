"""A run's headroom goes when its client closes, unless another client of its priority still
calls: a steel store's other flows get the whole window at once, not 10 s later.

In process, on a fake clock shared by the limiter and the sandbox store (steel: 5 calls per
10 s; headroom is one call). A caller told to wait stops there (`GaveWay`): the test counts
the calls that went at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.call_window import CallWindow
from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.ratelimit import CallLimiter
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.engine.priority import CallPriority

FULFILLMENT = CallPriority.FULFILLMENTS_PUSH
PRODUCTS = CallPriority.PRODUCTS_PULL


class GaveWay(Exception):
    """The limiter told a caller to wait."""


def refuse_to_wait(_seconds: float) -> None:
    raise GaveWay


class Store:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.sandbox = Sandbox(
            SandboxConfig(seed=5, orders=1, products=1, plan="steel", clock=self.clock)
        )
        self.http = httpx.Client(transport=SandboxTransport(self.sandbox.app))
        self.limiter = CallLimiter(clock=self.clock, sleep=refuse_to_wait)

    def client(self, priority: CallPriority) -> CartcomClient:
        return CartcomClient(
            "http://127.0.0.1:9",  # the in-process transport never opens a socket
            self.sandbox.full_token,
            http=self.http,
            clock=self.clock,
            sleep=refuse_to_wait,
            limiter=self.limiter,
            priority=priority,
        )

    def calls_at_once(self, client: CartcomClient, wanted: int) -> int:
        """How many of `wanted` calls went without waiting."""
        for sent in range(wanted):
            try:
                client.get("order_statuses/1")
            except GaveWay:
                return sent
        return wanted


@pytest.fixture
def store() -> Iterator[Store]:
    made = Store()
    try:
        yield made
    finally:
        made.http.close()


def test_a_closed_fulfillment_run_leaves_the_whole_window_to_the_others(store: Store) -> None:
    fulfillment = store.client(FULFILLMENT)
    assert store.calls_at_once(fulfillment, 1) == 1
    assert store.limiter.limit == 5
    fulfillment.close()

    products = store.client(PRODUCTS)
    assert store.calls_at_once(products, 4) == 4  # the window's last four: none kept back


def test_while_the_fulfillment_run_is_open_its_headroom_stays(store: Store) -> None:
    fulfillment = store.client(FULFILLMENT)
    assert store.calls_at_once(fulfillment, 1) == 1

    products = store.client(PRODUCTS)
    assert store.calls_at_once(products, 4) == 3  # one call kept back for the fulfillment
    fulfillment.close()
    assert store.calls_at_once(products, 1) == 1  # closed: the kept call is free now


def test_headroom_stays_while_another_client_of_the_priority_still_calls(store: Store) -> None:
    first, second = store.client(FULFILLMENT), store.client(FULFILLMENT)
    assert store.calls_at_once(first, 1) == 1
    assert store.calls_at_once(second, 1) == 1
    first.close()

    products = store.client(PRODUCTS)
    assert store.calls_at_once(products, 3) == 2  # the second one may still need its call
    second.close()
    assert store.calls_at_once(products, 1) == 1


def test_a_client_that_made_no_call_releases_nothing(store: Store) -> None:
    idle = store.client(FULFILLMENT)
    busy = store.client(FULFILLMENT)
    assert store.calls_at_once(busy, 1) == 1
    idle.close()

    products = store.client(PRODUCTS)
    assert store.calls_at_once(products, 4) == 3


def test_a_shared_window_drops_headroom_only_if_no_later_call_of_its_priority_came() -> None:
    window = CallWindow(limit=5)
    assert window.reserve(1.0, window=10, margin=0.25, priority=0) == 0
    mine = window.recent[0]
    assert window.reserve(2.0, window=10, margin=0.25, priority=0) == 0  # another client's
    window.release(0, sent_at=mine)
    assert 0 in window.recent
    window.release(0, sent_at=window.recent[0])
    assert 0 not in window.recent
