"""CallLimiter against a simulated fixed-window server, on a fake clock (no real sleeping).

The simulated server counts each call in a fixed 10-second window and answers 429 with
`Retry-After` once the window's budget is spent, like Cart.com. Two window models are used,
since the real one is unannounced: a window that opens with the first call after the previous
one expired, and windows aligned to the server's clock at an arbitrary offset.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.rate_headers import parse_call_limit, parse_retry_after
from orderhub.connectors.cartcom.ratelimit import CallLimiter, limiter_for, reset_limiters

WINDOW = 10.0


class FixedWindowServer:
    def __init__(self, clock: FakeClock, limit: int, *, aligned_offset: float | None = None):
        self.clock = clock
        self.limit = limit
        self.aligned_offset = aligned_offset
        self.window_start: float | None = None
        self.used = 0
        self.served = 0
        self.rejected = 0
        self.lock = threading.Lock()

    def handle(self) -> tuple[int, dict[str, str]]:
        with self.lock:
            now = self.clock.monotonic()
            if self.aligned_offset is not None:
                start = math.floor((now - self.aligned_offset) / WINDOW) * WINDOW
                start += self.aligned_offset
                if start != self.window_start:
                    self.window_start, self.used = start, 0
            elif self.window_start is None or now >= self.window_start + WINDOW:
                self.window_start, self.used = now, 0
            assert self.window_start is not None
            if self.used >= self.limit:
                self.rejected += 1
                reset_in = self.window_start + WINDOW - now
                return 429, {
                    "Retry-After": str(math.ceil(reset_in)),
                    "X-AC-Call-Limit": f"{self.used}/{self.limit}",
                }
            self.used += 1
            self.served += 1
            return 200, {"X-AC-Call-Limit": f"{self.used}/{self.limit}"}


def drive(
    limiter: CallLimiter, server: FixedWindowServer, clock: FakeClock, calls: int, latency: float
) -> float:
    """Make `calls` successful calls one after another; return the wall time taken."""
    started = clock.monotonic()
    done = 0
    while done < calls:
        limiter.before_call()
        clock.advance(latency / 2)  # the server counts the call half-way through
        status, headers = server.handle()
        clock.advance(latency / 2)
        limiter.after_response(headers, clock.monotonic())
        if status == 429:
            limiter.on_rate_limited(parse_retry_after(headers["Retry-After"]))
        else:
            done += 1
    return clock.monotonic() - started


@pytest.mark.parametrize("limit", [5, 10, 20, 50])
@pytest.mark.parametrize("aligned_offset", [None, 0.0, 3.7])
@pytest.mark.parametrize("latency", [0.0, 0.05, 0.15])
def test_no_429_and_close_to_the_physical_limit(
    limit: int, aligned_offset: float | None, latency: float
) -> None:
    clock = FakeClock()
    clock.advance(1234.5)  # an arbitrary origin
    server = FixedWindowServer(clock, limit, aligned_offset=aligned_offset)
    limiter = CallLimiter(clock=clock, sleep=clock.sleep)
    calls = 200
    elapsed = drive(limiter, server, clock, calls, latency)
    physical = max(calls / (limit / WINDOW), calls * latency)
    assert server.rejected == 0
    assert server.served == calls
    assert elapsed <= 1.1 * physical, (elapsed, physical)
    assert limiter.limit == limit
    assert limiter.waited_seconds == pytest.approx(sum(clock.slept))


def test_sends_freely_while_budget_remains() -> None:
    clock = FakeClock()
    server = FixedWindowServer(clock, 50)
    limiter = CallLimiter(clock=clock, sleep=clock.sleep)
    drive(limiter, server, clock, 50, 0.0)
    assert clock.slept == []
    assert limiter.used == 50


def test_waits_for_the_window_that_began_at_used_1() -> None:
    clock = FakeClock()
    limiter = CallLimiter(clock=clock, sleep=clock.sleep, margin=0.25)
    for used in range(1, 6):
        limiter.before_call()
        limiter.after_response({"X-AC-Call-Limit": f"{used}/5"}, clock.monotonic())
        clock.advance(1.0)  # calls one second apart: used == 1 was seen at t=0
    waited = limiter.before_call()
    assert waited == pytest.approx(10.25 - 5.0)
    assert clock.monotonic() == pytest.approx(10.25)


def test_joining_mid_window_is_conservative() -> None:
    """Another client already spent 3 calls: we never saw used == 1, yet get no 429."""
    clock = FakeClock()
    server = FixedWindowServer(clock, 5)
    server.handle(), server.handle(), server.handle()  # someone else's calls at t=0
    clock.advance(2.0)
    limiter = CallLimiter(clock=clock, sleep=clock.sleep)
    drive(limiter, server, clock, 30, 0.01)
    assert server.rejected == 0


def test_429_retry_after_is_a_hard_floor() -> None:
    clock = FakeClock()
    limiter = CallLimiter(clock=clock, sleep=clock.sleep, margin=0.25)
    limiter.before_call()
    limiter.after_response({"X-AC-Call-Limit": "6/5"}, clock.monotonic())
    limiter.on_rate_limited(7.0)
    waited = limiter.before_call()
    assert waited == pytest.approx(7.25)
    assert clock.monotonic() == pytest.approx(7.25)
    # The counter reset: the next calls go out without waiting.
    limiter.after_response({"X-AC-Call-Limit": "1/5"}, clock.monotonic())
    assert limiter.before_call() == 0.0


def test_429_without_retry_after_waits_a_whole_window() -> None:
    clock = FakeClock()
    limiter = CallLimiter(clock=clock, sleep=clock.sleep, margin=0.25)
    limiter.before_call()
    limiter.after_response({}, clock.monotonic())
    limiter.on_rate_limited(None)
    assert limiter.before_call() == pytest.approx(10.25)


def test_server_without_header_is_paced_by_its_429s() -> None:
    """No X-AC-Call-Limit at all: nothing to pace by, but each 429 is honoured."""
    clock = FakeClock()
    server = FixedWindowServer(clock, 5)
    limiter = CallLimiter(clock=clock, sleep=clock.sleep)
    done = 0
    while done < 20:
        limiter.before_call()
        status, headers = server.handle()
        limiter.after_response({}, clock.monotonic())
        if status == 429:
            limiter.on_rate_limited(parse_retry_after(headers["Retry-After"]))
        else:
            done += 1
    assert server.rejected <= 4  # at most one per window
    assert limiter.limit is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3/5", (3, 5)),
        (" 12 / 50 ", (12, 50)),
        ("0/10", (0, 10)),
        ("5/0", None),
        ("-1/5", None),
        ("3/5/7", None),
        ("3 of 5", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_call_limit_is_tolerant(value: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_call_limit(value) == expected


def test_garbage_header_is_ignored() -> None:
    clock = FakeClock()
    limiter = CallLimiter(clock=clock, sleep=clock.sleep)
    limiter.before_call()
    limiter.after_response({"x-ac-call-limit": "five of ten"}, clock.monotonic())
    assert limiter.limit is None
    assert limiter.before_call() == 0.0


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = now + timedelta(seconds=12)
    assert parse_retry_after(later.strftime("%a, %d %b %Y %H:%M:%S GMT"), now=now) == 12.0
    assert parse_retry_after("Thu, 01 Jan 2025 00:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("nan") is None


class LockedClock(FakeClock):
    """A fake clock several threads can sleep on at once."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self.lock:
            super().sleep(seconds)

    def monotonic(self) -> float:
        with self.lock:
            return super().monotonic()


def test_shared_by_threads_without_429() -> None:
    clock = LockedClock()
    server = FixedWindowServer(clock, 10)
    limiter = CallLimiter(clock=clock, sleep=clock.sleep)
    errors: list[BaseException] = []

    def flow() -> None:
        try:
            drive(limiter, server, clock, 25, 0.0)
        except BaseException as problem:  # pragma: no cover - reported below
            errors.append(problem)

    threads = [threading.Thread(target=flow) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert server.served == 100
    assert server.rejected == 0


@pytest.fixture
def clean_registry() -> Iterator[None]:
    reset_limiters()
    yield
    reset_limiters()


@pytest.mark.usefixtures("clean_registry")
def test_registry_keys_by_normalised_base_url() -> None:
    one = limiter_for("https://Shop.Example.com/api/v1/")
    assert limiter_for("https://shop.example.com") is one
    assert limiter_for("https://shop.example.com:443/api/v1") is one
    assert limiter_for("https://other.example.com/api/v1/") is not one
    assert limiter_for("http://127.0.0.1:8018/api/v1/") is not limiter_for("http://127.0.0.1:9/")
