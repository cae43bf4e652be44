"""A 429's `Retry-After` is honoured whether Cart.com gives seconds or an HTTP date, and a value
no one can read falls back to waiting a whole window (API-NOTES open question 2)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport

from .conftest import STORE_URL

WINDOW = 10.0


@pytest.mark.parametrize("form", ["seconds", "http-date", "garbage"])
def test_a_429_is_waited_out_then_the_call_succeeds(form: str) -> None:
    clock = FakeClock(datetime(2026, 11, 1, 6, 30, 0, 400_000, tzinfo=UTC))
    sandbox = Sandbox(SandboxConfig(seed=5, orders=3, products=3, plan="steel", clock=clock))
    sandbox.answers.update({"retry_after_as": form})
    http = httpx.Client(transport=SandboxTransport(sandbox.app))
    other = CartcomClient(STORE_URL, sandbox.full_token, http=http, clock=clock)
    ours = CartcomClient(STORE_URL, sandbox.full_token, http=http, clock=clock)
    clock.advance(3.3)
    for _ in range(5):  # another client of the store spends the steel window (5 calls)
        other.get("order_statuses")
    clock.advance(6.0)  # 4 s of the window left: a whole-window wait would be far too long
    slept_before = sum(clock.slept)

    answer = ours.get("order_statuses")

    waited = sum(clock.slept) - slept_before
    statuses = sandbox.calls()["byStatus"]
    assert answer["order_statuses"]  # the call got through
    assert statuses.get("429") == 1  # one refusal, then the wait, then success
    left = WINDOW - 6.0
    if form == "garbage":  # unreadable: a whole window, the limiter's own fallback
        assert WINDOW <= waited <= WINDOW + 2.0
    else:  # never early, and at most a second (an HTTP date's rounding) plus margin late
        assert left <= waited <= left + 2.5
    http.close()
