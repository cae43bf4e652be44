"""Sign-in throttling: at most 5 failed attempts a minute per client address and email.

It slows password guessing against one account from one place without locking the real owner
out for long. The count lives in the hub's database (hashed address and email, and the time),
so several front ends behind a load balancer share it: N front ends do not allow N x 5
attempts. The clock is injected so tests need not wait.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from orderhub.store.database import Database
from orderhub.store.signin_failures import clear_failures, failures_since, record_failure

__all__ = ["SignInLimiter"]


class SignInLimiter:
    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime],
        max_failures: int = 5,
        window_seconds: float = 60.0,
    ) -> None:
        self._db = db
        self._now = now
        self._max = max_failures
        self._window = timedelta(seconds=window_seconds)

    def retry_after(self, address: str, email: str) -> float:
        """Seconds until this address may try this email again; 0 when it may now."""
        now = self._now()
        with self._db.read_session() as session:
            times = failures_since(session, _key(address, email), now - self._window)
        if len(times) < self._max:
            return 0.0
        oldest_that_counts = times[len(times) - self._max]
        return max(1.0, (oldest_that_counts + self._window - now).total_seconds())

    def failed(self, address: str, email: str) -> None:
        now = self._now()
        with self._db.session() as session:
            record_failure(session, _key(address, email), at=now, forget_before=now - self._window)

    def succeeded(self, address: str, email: str) -> None:
        with self._db.session() as session:
            clear_failures(session, _key(address, email))


def _key(address: str, email: str) -> str:
    text = f"{address}\0{email.strip().lower()}"
    return hashlib.sha256(text.encode()).hexdigest()
