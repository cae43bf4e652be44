"""`CallWindow` under priorities: demand, headroom, stale claims (times are plain numbers).

Priority 0 goes first (`orderhub.engine.priority`). The last test simulates callers of every
priority asking at arbitrary moments, waking late, or dying while they wait.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.connectors.cartcom.call_window import (
    AGED_RANK,
    DEMAND_GRACE,
    DEMAND_POLL,
    STARVE_WINDOWS,
    CallWindow,
    Claim,
)

W = 10.0
M = 0.25
FULFILLMENTS, ORDERS, PRODUCTS, VERIFY = 0, 1, 5, 7
STARVE = STARVE_WINDOWS * (W + M)


def reserve(window: CallWindow, now: float, priority: int, waiter: str | None = None) -> float:
    return window.reserve(now, window=W, margin=M, priority=priority, waiter=waiter)


def fill(window: CallWindow, now: float, priority: int, calls: int) -> None:
    for _ in range(calls):
        assert reserve(window, now, priority) == 0


def test_a_caller_alone_uses_the_whole_window_whatever_its_priority() -> None:
    window = CallWindow(limit=5)
    fill(window, 0.0, VERIFY, 5)
    assert reserve(window, 0.1, VERIFY) == 0.0 + W + M - 0.1


def test_a_waiting_higher_caller_goes_before_a_lower_one_that_asks_first() -> None:
    window = CallWindow(limit=5)
    fill(window, 0.0, PRODUCTS, 5)
    turn = reserve(window, 1.0, FULFILLMENTS, "fulfillment")
    assert turn == W + M - 1.0
    # The window frees at W + M; the products caller happens to ask first, and gives way.
    assert reserve(window, W + M, PRODUCTS, "products") == DEMAND_POLL
    assert reserve(window, W + M, FULFILLMENTS, "fulfillment") == 0
    assert window.waiting == {"products": Claim(PRODUCTS, W + M + DEMAND_POLL, since=W + M)}
    assert reserve(window, W + M + DEMAND_POLL, PRODUCTS, "products") == 0
    assert window.waiting == {}


def test_a_lower_caller_gives_way_even_when_the_window_has_room() -> None:
    """The higher caller was told to wait (a 429) and has not asked again yet."""
    window = CallWindow(limit=5)
    window.rate_limited(2.0, 0.0, window=W, margin=M)
    assert reserve(window, 0.5, ORDERS, "orders") == 2.0 + M - 0.5
    assert reserve(window, 2.0 + M, PRODUCTS, "products") == DEMAND_POLL
    assert reserve(window, 2.0 + M + 0.01, ORDERS, "orders") == 0
    assert reserve(window, 2.0 + M + DEMAND_POLL, PRODUCTS, "products") == 0


def test_equal_priorities_do_not_wait_for_each_other() -> None:
    window = CallWindow(limit=2)
    fill(window, 0.0, ORDERS, 2)
    assert reserve(window, 1.0, ORDERS, "one") > 0
    fill(window, W + M, ORDERS, 1)  # another orders caller, not waiting before, goes first
    assert reserve(window, W + M, ORDERS, "one") == 0


def test_a_dead_callers_claim_expires_after_its_grace() -> None:
    window = CallWindow(limit=5)
    fill(window, 0.0, PRODUCTS, 5)
    wake = 0.0 + W + M
    assert reserve(window, 1.0, FULFILLMENTS, "died-waiting") == wake - 1.0
    # It never asks again: lower callers wait for it until its grace has passed.
    now = wake
    while (wait := reserve(window, now, PRODUCTS, "products")) > 0:
        assert wait <= DEMAND_POLL + 1e-9
        now += wait
    assert wake + DEMAND_GRACE <= now <= wake + DEMAND_GRACE + DEMAND_POLL
    assert "died-waiting" not in window.waiting


def test_a_higher_priority_at_work_keeps_headroom_for_one_window() -> None:
    window = CallWindow(limit=5)
    fill(window, 0.0, FULFILLMENTS, 1)
    fill(window, 0.1, PRODUCTS, 3)
    wait = reserve(window, 0.2, PRODUCTS)  # the last call is the fulfillment's
    assert wait > 0
    assert reserve(window, 0.3, FULFILLMENTS) == 0
    # A window after the fulfillment's last call, products may fill the window again.
    later = 0.3 + W + M + 0.01
    fill(window, later, PRODUCTS, 5)


def test_headroom_grows_with_each_higher_priority_at_work_but_leaves_one_share() -> None:
    window = CallWindow(limit=5)
    fill(window, 0.0, FULFILLMENTS, 1)
    fill(window, 0.0, ORDERS, 1)
    # Two priorities above: products may fill 5 - 2 = 3 calls of the window.
    fill(window, 0.1, PRODUCTS, 1)
    assert reserve(window, 0.2, PRODUCTS) > 0
    for priority in (2, 3, 4):
        fill(window, 0.3, priority, 0)
        window.recent[priority] = 0.3
    # Five priorities above on a five-call window: still one call (one share) for verify.
    quiet = CallWindow(limit=5, recent=dict(window.recent))
    fill(quiet, 0.4, VERIFY, 1)
    assert reserve(quiet, 0.5, VERIFY) > 0


def test_the_share_is_a_tenth_of_the_limit() -> None:
    window = CallWindow(limit=50)
    fill(window, 0.0, FULFILLMENTS, 1)
    fill(window, 0.1, PRODUCTS, 44)  # 50 less a share of 5 for the fulfillments
    assert reserve(window, 0.2, PRODUCTS) > 0
    fill(window, 0.3, FULFILLMENTS, 5)


def test_an_unlimited_store_keeps_no_waiting_list() -> None:
    window = CallWindow(limit=10000)
    for priority in range(8):
        assert reserve(window, 0.0, priority, f"caller-{priority}") == 0
    assert window.waiting == {}
    assert window.sent == []


def test_a_starved_caller_takes_turns_with_orders_but_never_goes_before_a_fulfillment() -> None:
    window = CallWindow(limit=1)
    fill(window, 0.0, ORDERS, 1)
    assert reserve(window, 0.5, PRODUCTS, "products") > 0
    turn = W + M
    # Orders waits for every turn too, so products gives way at every one...
    while turn - 0.5 < STARVE:
        assert reserve(window, turn - 0.01, ORDERS, "orders") == pytest.approx(0.01)
        assert reserve(window, turn, PRODUCTS, "products") == DEMAND_POLL
        assert reserve(window, turn, ORDERS, "orders") == 0
        assert reserve(window, turn + DEMAND_POLL, PRODUCTS, "products") > 0  # until the next
        turn += W + M
    # ...until it has waited STARVE_WINDOWS windows: then it ranks with orders, and asking
    # first, it goes first.
    assert reserve(window, turn - 0.01, ORDERS, "orders") > 0
    assert reserve(window, turn, PRODUCTS, "products") == 0
    assert AGED_RANK == ORDERS
    # A starved caller still gives way to a waiting fulfillment.
    turn += W + M
    assert reserve(window, turn - 0.01, FULFILLMENTS, "fulfillment") > 0
    window.waiting["starved"] = Claim(PRODUCTS, turn, since=turn - 2 * STARVE)
    assert reserve(window, turn, PRODUCTS, "starved") == DEMAND_POLL
    assert reserve(window, turn, FULFILLMENTS, "fulfillment") == 0


def test_a_claim_without_its_start_counts_from_its_turn() -> None:
    """A document written before claims carried `since` (or by hand) still reads."""
    window = CallWindow.from_document({"limit": 5, "waiting": {"x": [3, 12.5]}})
    assert window.waiting == {"x": Claim(3, 12.5, 12.5)}


@given(
    st.builds(
        CallWindow,
        limit=st.none() | st.integers(1, 50),
        sent=st.lists(st.floats(0, 1e10), max_size=20).map(sorted),
        blocked_until=st.floats(0, 1e10),
        waiting=st.dictionaries(
            st.text(min_size=1, max_size=8),
            st.builds(Claim, st.integers(0, 7), st.floats(0, 1e10), st.floats(0, 1e10)),
        ),
        recent=st.dictionaries(st.integers(0, 7), st.floats(0, 1e10)),
    )
)
def test_the_stored_document_round_trips_with_its_waiting_callers(window: CallWindow) -> None:
    document = window.to_document()
    assert CallWindow.from_document(document) == window
    assert CallWindow.from_document(document).to_document() == document


# --- simulation ---------------------------------------------------------------------------


@dataclass
class Caller:
    """One thread calling the store: its calls one after another, after a pause each."""

    name: str
    priority: int
    gaps: list[float]
    dies_waiting: bool
    sent: int = 0
    asked: float | None = None
    """When the call it waits for was first refused (None: not waiting)."""
    asked_at: int = 0
    """How many calls had gone by then."""
    late: float = 0.0
    """How late it woke up, in total, for that call."""


@dataclass
class Simulation:
    limit: int
    callers: list[Caller]
    rng: random.Random
    max_late: float
    window: CallWindow = field(init=False)
    events: list[tuple[float, float, int]] = field(default_factory=list)
    log: list[tuple[int, bool]] = field(default_factory=list)
    """(priority, had it starved) of every call sent, in the order they went."""
    times: list[float] = field(default_factory=list)
    """When each of them went."""
    violations: list[str] = field(default_factory=list)
    waits: list[tuple[int, float, float]] = field(default_factory=list)
    """(priority, seconds from first refusal to the call, seconds woken late meanwhile)."""

    def __post_init__(self) -> None:
        self.window = CallWindow(limit=self.limit)
        for index, caller in enumerate(self.callers):
            self.push(caller.gaps[0], index)

    def push(self, at: float, index: int) -> None:
        heapq.heappush(self.events, (at, self.rng.random(), index))  # ties in random order

    def run(self) -> None:
        while self.events:
            now, _, index = heapq.heappop(self.events)
            caller = self.callers[index]
            wait = self.window.reserve(
                now, window=W, margin=M, priority=caller.priority, waiter=caller.name
            )
            if wait > 0:
                if caller.asked is None:
                    caller.asked, caller.asked_at, caller.late = now, len(self.log), 0.0
                if caller.dies_waiting:
                    continue  # its claim stays behind in the window
                late = self.rng.uniform(0, self.max_late)
                caller.late += late
                self.push(now + wait + late, index)
                continue
            self.sent(caller, now)
            caller.sent += 1
            if caller.sent < len(caller.gaps):
                self.push(now + caller.gaps[caller.sent], index)

    def sent(self, caller: Caller, now: float) -> None:
        starved = caller.asked is not None and now - caller.asked >= STARVE
        if caller.asked is not None:
            # Nobody of a lower priority went while this caller was waiting; but one that had
            # starved may go before anyone below the first rank.
            overtaken = [
                p
                for p, aged in self.log[caller.asked_at :]
                if p > caller.priority and not (aged and caller.priority >= AGED_RANK)
            ]
            if overtaken:
                self.violations.append(f"{caller.name} overtaken by priorities {overtaken}")
            self.waits.append((caller.priority, now - caller.asked, caller.late))
        caller.asked = None
        self.log.append((caller.priority, starved))
        self.times.append(now)


callers_strategy = st.lists(
    st.tuples(
        st.integers(0, 7),
        st.lists(st.just(0.0) | st.floats(0, 3), min_size=1, max_size=40),  # 0: always busy
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    limit=st.integers(1, 12),
    specs=callers_strategy,
    seed=st.integers(0, 2**32 - 1),
    latency=st.floats(0, M * 0.99),
    offset=st.floats(0, W),
    late_share=st.floats(0, 0.9),
)
def test_whatever_the_interleaving_the_limit_holds_and_nobody_waits_behind_a_lower_caller(
    limit: int,
    specs: list[tuple[int, list[float], bool]],
    seed: int,
    latency: float,
    offset: float,
    late_share: float,
) -> None:
    callers = [
        Caller(f"caller-{i}", priority, gaps, dies and i > 0)  # someone always lives
        for i, (priority, gaps, dies) in enumerate(specs)
    ]
    simulation = Simulation(limit, callers, random.Random(seed), DEMAND_GRACE * late_share)
    simulation.run()

    # Every live caller made all its calls (no one is starved for good).
    assert all(c.sent == len(c.gaps) for c in callers if not c.dies_waiting)
    # No fixed window of the server, whatever its alignment, received more than the limit.
    received = [at + latency for at in simulation.times]
    end = max(received)
    for start in [offset + k * W for k in range(-1, int(end // W) + 2)] + received:
        assert sum(1 for t in received if start <= t < start + W) <= limit
    # A waiting caller never saw a lower priority go before it (but for starved ones).
    assert simulation.violations == []
    # A first-rank caller waits at most one window (plus how late it woke, and the
    # millisecond the window adds when float rounding lands a turn on its edge), unless
    # another first-rank caller shares the window.
    top = min(c.priority for c in callers)
    if top == 0 and sum(1 for c in callers if c.priority == top) == 1:
        for priority, waited, late in simulation.waits:
            if priority == top:
                assert waited <= W + M + late + 0.002
