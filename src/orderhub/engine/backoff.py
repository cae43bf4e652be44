"""When failed work is tried again: a record whose sync failed, and a flow whose run failed.

A record that failed once is retried by the very next run (a passing glitch, or the merchant
fixed it meanwhile). One that keeps failing usually waits for the merchant (a missing setting,
a variant that does not exist in the store); retrying all of those on every run would make a
flow's every run as expensive as its worst backlog. So the wait doubles from 30 s with each
further failure, up to an hour. The record is still synced at once whenever it changes (the
flow meets it in its normal path), and a retry (the portal's Retry buttons, `orderhub
exceptions retry`, the API's) takes the ones it names now, whatever their wait: a `RetryChoice`
handed to the run — every open exception of the flow, those of one reason, or one record. The
others of the flow are retried when they are due, as by any run.

A failed run (the store down, the token refused) makes its flow wait its interval doubled per
failure in a row, up to `MAX_BACKOFF`; a trigger ("Sync now", a webhook) still runs it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orderhub.domain import FlowName, RunStatus
from orderhub.store import exceptions as store_exceptions
from orderhub.store import runs as store_runs
from orderhub.store.records import EntityKind

__all__ = [
    "MAX_BACKOFF",
    "RETRIED_ENTITY_TYPES",
    "RETRY_FIRST_WAIT",
    "RETRY_LONGEST_WAIT",
    "RetryChoice",
    "earliest_retry",
    "flows_with_open_exceptions",
    "next_retry_at",
    "records_to_retry",
    "wait_after_failure",
]

RETRIED_ENTITY_TYPES = tuple(kind.value for kind in EntityKind)
"""Exceptions of these entity types are handed back to their flow (`ctx.retry_ext_ids`)."""
MAX_BACKOFF = timedelta(minutes=15)
"""After failures in a row, a flow waits its interval doubled per failure, up to this."""
_BACKOFF_RUNS_CHECKED = 8

RETRY_FIRST_WAIT = timedelta(seconds=30)
RETRY_LONGEST_WAIT = timedelta(hours=1)


def next_retry_at(attempts: int, last_failed_at: datetime) -> datetime:
    """When a record that failed `attempts` times, last at `last_failed_at`, is next due."""
    if attempts <= 1:
        return last_failed_at
    doublings = min(attempts - 2, 20)  # 2**20 x 30 s is far past the cap already
    wait: timedelta = min(RETRY_LONGEST_WAIT, RETRY_FIRST_WAIT * (2**doublings))
    return last_failed_at + wait


@dataclass(frozen=True)
class RetryChoice:
    """Which of a flow's open exceptions a retry run takes now, whatever their wait: every
    one (no field set), those of one reason (`missingSku`), or one record's."""

    reason: str | None = None
    ext_id: str | None = None

    def takes(self, attempt: store_exceptions.OpenAttempt) -> bool:
        return (self.reason is None or attempt.reason == self.reason) and (
            self.ext_id is None or attempt.ext_id == self.ext_id
        )


def records_to_retry(
    session: Session,
    integration_id: str,
    flow: FlowName,
    *,
    now: datetime,
    chosen: RetryChoice | None = None,
) -> tuple[list[str], frozenset[str]]:
    """External ids with an open exception of this flow: those due for a retry now (and
    those `chosen` takes, whatever their wait), oldest first, each once; and all of them."""
    due: dict[str, None] = {}
    every_open: set[str] = set()
    for attempt in store_exceptions.open_exception_attempts(
        session, integration_id, flow, RETRIED_ENTITY_TYPES
    ):
        every_open.add(attempt.ext_id)
        if (chosen is not None and chosen.takes(attempt)) or next_retry_at(
            attempt.attempts, attempt.failed_at
        ) <= now:
            due.setdefault(attempt.ext_id, None)
    return list(due), frozenset(every_open)


def earliest_retry(session: Session, integration_id: str, flow: FlowName) -> datetime | None:
    """When the flow's next open exception is due for a retry (None: it has none)."""
    return min(
        (
            next_retry_at(attempt.attempts, attempt.failed_at)
            for attempt in store_exceptions.open_exception_attempts(
                session, integration_id, flow, RETRIED_ENTITY_TYPES
            )
        ),
        default=None,
    )


def flows_with_open_exceptions(
    session: Session,
    integration_id: str | None,
    *,
    flow: FlowName | None = None,
    reason: str | None = None,
) -> list[tuple[str, FlowName]]:
    """(integration, flow) pairs with open exceptions (of `reason`, when given): what a
    retry of many runs, flows in their registry order."""
    found = store_exceptions.open_flows(
        session, RETRIED_ENTITY_TYPES, integration_id=integration_id, flow=flow, reason=reason
    )
    order = list(FlowName)
    return sorted(found, key=lambda pair: (pair[0], order.index(pair[1])))


def wait_after_failure(
    session: Session, integration_id: str, flow: FlowName, run_id: str, interval: timedelta
) -> timedelta:
    """The wait after a failed run: the interval, doubled for each failure in a row, capped.

    A store that rejects the token or is down is not called every minute for hours; a trigger
    ("Sync now", a webhook) still runs the flow at once.
    """
    recent = store_runs.list_runs(
        session, integration_id=integration_id, flow=flow, limit=_BACKOFF_RUNS_CHECKED
    )
    failures = 1  # this run, which failed
    for run in recent:
        if run.run_id == run_id:
            continue
        if run.status is not RunStatus.FAILED:
            break
        failures += 1
    factor: int = 2 ** (failures - 1)
    return min(interval * factor, max(interval, MAX_BACKOFF))
