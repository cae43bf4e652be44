"""Sync now: the same trigger a webhook or a hub change uses, from the portal and the API.

The flows are made due at once and marked requested (so a push runs even with nothing new in
its feed), then whoever runs flows is told: the embedded scheduler of this process, or the
workers' queue (`QueueWake`, a `--no-scheduler` front end on PostgreSQL). Only a process with
neither (a front end on SQLite without a scheduler, tests) runs the flows itself, on a thread.
Either way the runs are in the run history, where the portal's job page follows them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Literal

from orderhub.domain import FlowName
from orderhub.engine import EmbeddedScheduler
from orderhub.hub import Hub
from orderhub.store import integrations as store

__all__ = ["Waker", "request_runs"]

log = logging.getLogger(__name__)

Waker = Callable[[str, list[FlowName], float], None]
"""Told which flows of an integration are due, and in how many seconds (`orderhub.hooks`)."""


def request_runs(
    hub: Hub,
    integration_id: str,
    flows: Sequence[FlowName],
    *,
    scheduler: EmbeddedScheduler | None,
    waker: Waker | None,
) -> Literal["scheduler", "queue", "none"]:
    """Ask for a run of each flow now; who will run them ("none": nobody was told)."""
    wanted = [FlowName(flow) for flow in flows]
    if scheduler is not None:
        for flow in wanted:
            scheduler.trigger(integration_id, flow)  # due now, requested, scheduler woken
        return "scheduler"
    if waker is None:
        return "none"
    with hub.db.session() as session:
        store.mark_due(session, integration_id, wanted, now=hub.clock.now())
    try:
        waker(integration_id, wanted, 0.0)
    except Exception as problem:  # the flows are due in the database: the dispatch finds them
        log.warning(
            "telling the workers about %s of %s failed: %s", wanted, integration_id, problem
        )
    return "queue"
