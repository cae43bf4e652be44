"""When a record whose sync failed is tried again on its own.

A record that failed once is retried by the very next run (a passing glitch, or the merchant
fixed it meanwhile). One that keeps failing usually waits for the merchant (a missing setting,
a variant that does not exist in Cart.com); retrying all of those on every run would make a
flow's every run as expensive as its worst backlog. So the wait doubles from 30 s with each
further failure, up to an hour. The record is still synced at once whenever it changes (the
flow meets it in its normal path), and "Retry" in the portal or `orderhub exceptions retry`
retries every open one now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["RETRY_FIRST_WAIT", "RETRY_LONGEST_WAIT", "next_retry_at"]

RETRY_FIRST_WAIT = timedelta(seconds=30)
RETRY_LONGEST_WAIT = timedelta(hours=1)


def next_retry_at(attempts: int, last_failed_at: datetime) -> datetime:
    """When a record that failed `attempts` times, last at `last_failed_at`, is next due."""
    if attempts <= 1:
        return last_failed_at
    doublings = min(attempts - 2, 20)  # 2**20 x 30 s is far past the cap already
    wait: timedelta = min(RETRY_LONGEST_WAIT, RETRY_FIRST_WAIT * (2**doublings))
    return last_failed_at + wait
