"""RetryPolicy: capped exponential backoff with jitter, Retry-After, only transient errors."""

from __future__ import annotations

import random

import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.errors import (
    AuthenticationFailed,
    NetworkError,
    RateLimited,
    ServerError,
    TransientError,
)
from orderhub.connectors.cartcom.retry import RetryPolicy


class Flaky:
    """Fails with the given errors in turn, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_backoff_doubles_and_caps_without_jitter() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=7, base_delay=0.5, max_delay=4.0, jitter=0.0)
    fn = Flaky(*[ServerError(status=500) for _ in range(6)])
    assert policy.call(fn, sleep=clock.sleep) == "ok"
    assert clock.slept == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert fn.calls == 7


def test_jitter_stays_within_bounds_and_is_seeded() -> None:
    delays_a = [RetryPolicy(jitter=0.2, rng=random.Random(7)).backoff(n) for n in range(1, 5)]
    delays_b = [RetryPolicy(jitter=0.2, rng=random.Random(7)).backoff(n) for n in range(1, 5)]
    assert delays_a == delays_b
    for attempt, delay in enumerate(delays_a, start=1):
        nominal = 0.5 * 2 ** (attempt - 1)
        assert nominal * 0.8 <= delay <= nominal * 1.2
    assert len(set(delays_a)) == 4


def test_jitter_never_exceeds_cap() -> None:
    policy = RetryPolicy(base_delay=10, max_delay=30, jitter=0.5, rng=random.Random(1))
    assert all(policy.backoff(n) <= 30 for n in range(1, 50))


def test_gives_up_after_max_attempts_with_last_error() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=3, jitter=0.0)
    last = NetworkError("reset")
    fn = Flaky(NetworkError("a"), NetworkError("b"), last, NetworkError("never"))
    with pytest.raises(NetworkError) as caught:
        policy.call(fn, sleep=clock.sleep)
    assert caught.value is last
    assert caught.value.attempts == 3
    assert fn.calls == 3
    assert clock.slept == [0.5, 1.0]


def test_fatal_errors_are_not_retried() -> None:
    clock = FakeClock()
    fn = Flaky(AuthenticationFailed(status=401))
    with pytest.raises(AuthenticationFailed):
        RetryPolicy().call(fn, sleep=clock.sleep)
    assert fn.calls == 1
    assert clock.slept == []


def test_other_exceptions_pass_through_untouched() -> None:
    fn = Flaky(KeyError("bug"))
    with pytest.raises(KeyError):
        RetryPolicy().call(fn, sleep=FakeClock().sleep)
    assert fn.calls == 1


def test_retry_after_replaces_backoff() -> None:
    clock = FakeClock()
    fn = Flaky(RateLimited(retry_after=7.0), RateLimited(retry_after=0.0))
    RetryPolicy(jitter=0.0).call(fn, sleep=clock.sleep)
    assert clock.slept == [7.0, 0.0]


def test_rate_limited_without_retry_after_backs_off() -> None:
    clock = FakeClock()
    RetryPolicy(jitter=0.0).call(Flaky(RateLimited()), sleep=clock.sleep)
    assert clock.slept == [0.5]


def test_huge_retry_after_fails_fast() -> None:
    clock = FakeClock()
    fn = Flaky(RateLimited(retry_after=3600.0))
    with pytest.raises(RateLimited):
        RetryPolicy(max_retry_after=120).call(fn, sleep=clock.sleep)
    assert clock.slept == []


def test_retryable_predicate_narrows_retries() -> None:
    clock = FakeClock()
    fn = Flaky(RateLimited(retry_after=1.0), ServerError(status=500))

    def only_rate_limits(error: TransientError) -> bool:
        return isinstance(error, RateLimited)

    with pytest.raises(ServerError):
        RetryPolicy(jitter=0.0).call(fn, sleep=clock.sleep, retryable=only_rate_limits)
    assert fn.calls == 2
    assert clock.slept == [1.0]


def test_on_retry_sees_each_retry() -> None:
    seen: list[tuple[int, str, float]] = []
    fn = Flaky(ServerError(status=502), RateLimited(retry_after=3.0))
    RetryPolicy(jitter=0.0).call(
        fn,
        sleep=FakeClock().sleep,
        on_retry=lambda n, error, delay: seen.append((n, type(error).__name__, delay)),
    )
    assert seen == [(1, "ServerError", 0.5), (2, "RateLimited", 3.0)]


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base_delay": -1}, {"jitter": 1.5}, {"max_delay": -2}]
)
def test_rejects_nonsense_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
