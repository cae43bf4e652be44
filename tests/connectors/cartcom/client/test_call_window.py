"""`CallWindow`: the pure budget logic both limiters share (times are plain numbers)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orderhub.connectors.cartcom.call_window import ASSUMED_LIMIT, CallWindow

W = 10.0
M = 0.25


def reserve(window: CallWindow, now: float) -> float:
    return window.reserve(now, window=W, margin=M)


def observe(window: CallWindow, used: int, limit: int, at: float) -> None:
    window.observe(used, limit, at, window=W, margin=M)


def test_a_call_waits_until_the_oldest_of_the_last_limit_calls_is_window_plus_margin_old() -> None:
    window = CallWindow(limit=5)
    for t in (0.0, 1.0, 2.0, 3.0, 4.0):
        assert reserve(window, t) == 0
    assert reserve(window, 5.0) == 0.0 + W + M - 5.0
    assert reserve(window, 0.0 + W + M) == 0
    assert reserve(window, 0.0 + W + M + 0.1) == 1.0 + W + M - (W + M + 0.1)


def test_answers_arriving_out_of_order_change_nothing() -> None:
    """Five callers' answers come back 5, 3, 4, 1, 2: still five calls in the interval."""
    window = CallWindow(limit=5)
    for t in (0.0, 0.01, 0.02, 0.03, 0.04):
        assert reserve(window, t) == 0
    for used in (5, 3, 4, 1, 2):
        observe(window, used, 5, at=0.1)
    assert window.sent == [0.0, 0.01, 0.02, 0.03, 0.04]
    assert reserve(window, 0.2) > 0


def test_another_clients_calls_seen_in_the_header_are_counted() -> None:
    window = CallWindow(limit=5)
    assert reserve(window, 2.0) == 0
    observe(window, 4, 5, at=2.1)  # three calls we did not make
    assert window.sent == [2.0, 2.1, 2.1, 2.1]
    assert reserve(window, 2.2) == 0
    assert reserve(window, 2.3) == 2.0 + W + M - 2.3


def test_before_any_header_the_smallest_plan_is_assumed() -> None:
    window = CallWindow()
    for _ in range(ASSUMED_LIMIT):
        assert reserve(window, 0.0) == 0
    assert reserve(window, 0.0) > 0


def test_an_unlimited_store_is_not_paced_and_keeps_no_log() -> None:
    window = CallWindow()
    assert reserve(window, 0.0) == 0
    observe(window, 1, 10000, at=0.1)
    for _ in range(500):
        assert reserve(window, 0.2) == 0
    assert window.sent == []


def test_a_429_holds_callers_until_retry_after_plus_margin() -> None:
    window = CallWindow(limit=5)
    assert reserve(window, 100.0) == 0
    window.rate_limited(3.0, 101.0, window=W, margin=M)
    assert reserve(window, 102.0) == 101.0 + 3.0 + M - 102.0
    assert reserve(window, 104.5) == 0
    window.rate_limited(None, 105.0, window=W, margin=M)
    assert reserve(window, 105.0) == W + M


@given(
    st.builds(
        CallWindow,
        limit=st.none() | st.integers(1, 50),
        sent=st.lists(st.floats(0, 1e10), max_size=50).map(sorted),
        blocked_until=st.floats(0, 1e10),
    )
)
def test_the_stored_document_round_trips(window: CallWindow) -> None:
    assert CallWindow.from_document(window.to_document()) == window


def test_an_unknown_or_missing_document_gives_a_fresh_window() -> None:
    assert CallWindow.from_document(None) == CallWindow()
    assert CallWindow.from_document({"limit": 5, "from_another_version": 1}) == CallWindow(limit=5)


@given(
    limit=st.integers(1, 20),
    gaps=st.lists(st.floats(0, 3), min_size=1, max_size=80),
    latency=st.floats(0, M * 0.99),
    offset=st.floats(0, W),
)
def test_no_fixed_window_of_the_server_ever_receives_more_than_the_limit(
    limit: int, gaps: list[float], latency: float, offset: float
) -> None:
    """Callers ask at arbitrary moments; the server's windows have an arbitrary alignment."""
    window = CallWindow(limit=limit)
    now = 0.0
    received: list[float] = []
    for gap in gaps:
        now += gap
        while (wait := reserve(window, now)) > 0:
            now += wait
        received.append(now + latency)
    for start in [offset + k * W for k in range(-1, int(now // W) + 2)] + received:
        in_window = [t for t in received if start <= t < start + W]
        assert len(in_window) <= limit


def test_a_window_read_from_a_document_never_changes_that_document() -> None:
    """The shared limiter saves a window only if its document changed: it must be a copy."""
    document = CallWindow(limit=5).to_document()
    window = CallWindow.from_document(document)
    assert reserve(window, 1.0) == 0
    assert document["sent"] == []
    assert window.to_document() != document
