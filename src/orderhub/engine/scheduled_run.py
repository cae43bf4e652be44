"""One scheduled run of a due flow, and what its refusal means to the scheduler that asked.

The embedded scheduler (engine/scheduler.py) and a distributed worker (engine/distributed.py)
run a due flow the same way and must read a refusal the same way, so both call this:

- another worker runs it or ran it a moment ago (`FlowBusy`, `FlowNotDue`), or it was switched
  off or removed meanwhile: skipped, at debug level — a normal outcome;
- it cannot run (no code for it, its integration not connected): postponed an interval, so it
  is not refused again at every tick;
- its store's call budget would keep it waiting past its patience: the `BudgetBusy` comes
  back, and the scheduler keeps the flow out of its slots until the budget allows.

Anything else (a database error) is the caller's to log or raise.
"""

from __future__ import annotations

import logging
import threading
from typing import Literal

from orderhub.clock import Clock
from orderhub.domain import FlowName, Run
from orderhub.engine.errors import (
    BudgetBusy,
    FlowBusy,
    FlowDisabled,
    FlowNotAvailable,
    FlowNotDue,
    IntegrationNotConnected,
    IntegrationNotFound,
)
from orderhub.engine.lease import postpone_flow
from orderhub.engine.runner import FlowRunner
from orderhub.store.database import Database

__all__ = ["NotRun", "run_due_flow"]

log = logging.getLogger(__name__)

NotRun = Literal["stopping", "skipped", "postponed"]
"""Why a due flow did not run: the scheduler is stopping, or the refusal's reading."""


def run_due_flow(
    runner: FlowRunner,
    db: Database,
    clock: Clock,
    integration_id: str,
    flow: FlowName,
    stop: threading.Event | None,
    *,
    patience: float | None,
) -> Run | BudgetBusy | NotRun:
    """The finished run, the budget's refusal (only with `patience`), or why it did not run."""
    if stop is not None and stop.is_set():
        return "stopping"
    try:
        run = runner.run_flow(
            integration_id,
            flow,
            trigger="schedule",
            stop=stop,
            only_if_due=True,
            budget_patience=patience,
        )
    except BudgetBusy as busy:
        log.debug("%s %s gave its slot back: %s", integration_id, flow.value, busy)
        return busy
    except (FlowBusy, FlowNotDue):
        log.debug("%s %s is running or ran elsewhere; skipped", integration_id, flow.value)
        return "skipped"
    except (FlowDisabled, IntegrationNotFound):
        log.debug("%s %s was switched off or removed meanwhile", integration_id, flow.value)
        return "skipped"
    except (FlowNotAvailable, IntegrationNotConnected) as refused:
        log.info("%s %s not run: %s", integration_id, flow.value, refused)
        postpone_flow(db, clock, integration_id, flow)
        return "postponed"
    return run
