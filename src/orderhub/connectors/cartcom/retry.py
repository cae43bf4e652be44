"""The one place that decides whether and when a failed Cart.com call is tried again.

Only `TransientError`s are retried (429, 5xx, network trouble); every other error is raised at
once. Delays grow exponentially from `base_delay`, are capped at `max_delay` and spread by
`jitter` so that flows hit by the same outage do not come back in lockstep. A `Retry-After`
from a 429 replaces the backoff: the server knows when its counter resets.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from orderhub.clock import Sleep
from orderhub.connectors.cartcom.errors import RateLimited, TransientError

__all__ = ["QUICK_RETRY", "RetryPolicy"]

T = TypeVar("T")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter; `rng` is injectable for exact tests."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.2
    # A Retry-After longer than this is not slept through: the run fails and the next run
    # retries, rather than a worker sitting idle for an hour.
    max_retry_after: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays cannot be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter is a fraction between 0 and 1")

    def backoff(self, attempt: int) -> float:
        """Delay after failed attempt number `attempt` (1-based), jittered and capped."""
        raw = self.base_delay * 2.0 ** (attempt - 1)
        capped = min(self.max_delay, raw)
        if self.jitter:
            capped *= 1 + self.rng.uniform(-self.jitter, self.jitter)
        return max(0.0, min(self.max_delay, capped))

    def delay_for(self, attempt: int, error: TransientError) -> float | None:
        """Seconds to wait before the next attempt, or `None` to give up now."""
        if attempt >= self.max_attempts:
            return None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            if error.retry_after > self.max_retry_after:
                return None
            return error.retry_after
        return self.backoff(attempt)

    def call(
        self,
        fn: Callable[[], T],
        *,
        sleep: Sleep,
        retryable: Callable[[TransientError], bool] | None = None,
        on_retry: Callable[[int, TransientError, float], None] | None = None,
    ) -> T:
        """Run `fn` until it succeeds, a non-transient error occurs, or attempts run out.

        `retryable` can narrow which transient errors are retried (a non-idempotent write is
        retried only when it surely was not applied). `on_retry(attempt, error, delay)` is
        called before each sleep. The error that ends the loop is raised with `attempts` set.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except TransientError as error:
                error.attempts = attempt
                delay = self.delay_for(attempt, error)
                if delay is None or (retryable is not None and not retryable(error)):
                    raise
                _log.info("attempt %d failed (%s); retrying in %.2fs", attempt, error, delay)
                if on_retry is not None:
                    on_retry(attempt, error, delay)
                sleep(delay)


QUICK_RETRY = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=2.0)
"""For calls a merchant waits on (a connection test, a flow switch that subscribes webhooks):
an answer in seconds, not after riding out an outage."""
