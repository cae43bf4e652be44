"""When a flow runs next: pull flows poll adaptively, push flows wait for their feed.

- A **pull** flow polls at its interval (default 1 min) while runs bring changes; each run in
  a row that finds nothing new doubles the wait, up to the flow's `max_interval_seconds`
  (default 15 min). The first run that brings a change, a webhook or "Sync now" make it due at
  once, and a run that found changes puts it back to its interval. Polling is the safety net;
  store webhooks are what make changes arrive within seconds.
- A **push** flow has no timer of its own: the dispatcher starts it when the change feed holds
  something new for it (`store.due_flows.due_flows`), and its records that failed are retried when
  their backoff is due. `PUSH_SAFETY` is the longest it waits between two looks anyway.

A push flow's class says whether a scheduled run would find work (`has_work`, asked before any
lease or run row); the runner asks it through `work_check`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from orderhub.domain import FlowName, Integration, RunCounts
from orderhub.engine.hub_view import HubView
from orderhub.engine.registry import FlowFactory, FlowRegistry
from orderhub.store.due_flows import FeedWatch

__all__ = [
    "BUDGET_PATIENCE",
    "PUSH_SAFETY",
    "WorkCheck",
    "budget_patience",
    "feed_watches",
    "next_pull_wait",
    "next_push_wait",
    "work_check",
]

PUSH_SAFETY = timedelta(minutes=15)
"""A push flow looks at its feed at least this often, whatever the dispatcher saw."""


BUDGET_PATIENCE = 2.0
"""Seconds a scheduled run may wait for its store's call budget before its first call. A
longer wait gives the worker slot back (`BudgetBusy`) and the run comes back when the budget
allows: on a steel store (5 calls / 10 s) the flows that start together would otherwise each
sleep up to a window in a slot while other stores' work queues behind them."""


def budget_patience(triggered: bool) -> float | None:
    """How long a scheduler's run may wait for its store's budget before giving its slot back.

    Timer work (safety polls, first looks, retries) gives it back after `BUDGET_PATIENCE`.
    A triggered run waits its turn (None): someone waits for it, and giving it back again and
    again could starve a low-priority flow of a busy store behind its busier flows.
    """
    return None if triggered else BUDGET_PATIENCE


class WorkCheck(Protocol):
    def __call__(
        self,
        view: HubView,
        integration: Integration,
        cursor: Mapping[str, Any] | None,
        now: datetime,
    ) -> tuple[bool, int | None]: ...


def _flow_class(factory: FlowFactory) -> Any:
    return getattr(factory, "__self__", factory)


def work_check(factory: FlowFactory) -> WorkCheck | None:
    """The flow's "would a run find work?" question, for flows that have one (the pushes)."""
    check: Callable[..., tuple[bool, int | None]] | None = getattr(
        _flow_class(factory), "has_work", None
    )
    return check


def feed_watches(registry: FlowRegistry) -> dict[FlowName, list[FeedWatch]]:
    """For each push flow in the registry, the feed kinds whose changes make it due."""
    found: dict[FlowName, list[FeedWatch]] = {}
    for flow, factory in registry.factories():
        watches = getattr(_flow_class(factory), "feed_watches", None)
        if watches is None:
            continue
        for kind, own in watches():
            entry = (str(getattr(kind, "value", kind)), bool(own))
            if entry not in found.setdefault(flow, []):
                found[flow].append(entry)
    return found


def next_pull_wait(
    counts: RunCounts, *, idle_runs: int, interval: timedelta, longest: timedelta
) -> tuple[timedelta, int]:
    """(wait before the next poll, idle runs in a row) after a successful pull run."""
    if counts.created or counts.updated or counts.failed:
        return interval, 0
    idle = idle_runs + 1
    wait = interval * (2 ** min(idle, 16))
    return min(max(wait, interval), max(longest, interval)), idle


def next_push_wait(interval: timedelta, retry_due: datetime | None, now: datetime) -> timedelta:
    """The wait before a push flow's next look: its safety net, or its next retry if sooner."""
    wait = max(interval, PUSH_SAFETY)
    if retry_due is not None:
        wait = min(wait, max(retry_due - now, timedelta(seconds=1)))
    return wait
