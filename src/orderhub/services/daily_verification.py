"""The daily verification of every integration, wired for the schedulers that start it.

`serve` and `demo` hand `verify_ticker(...)` to their `EmbeddedScheduler` (`on_tick`);
`orderhub worker` hands `daily_verifications(...)` to the distributed dispatch. Both run
`Verifier.verify(trigger="schedule")` when an integration's last verification is older than
`ORDERHUB_VERIFY_EVERY_HOURS` (engine/verify_schedule.py), and neither when it is 0.
"""

from __future__ import annotations

import logging
import threading

from orderhub.engine import FlowRunner
from orderhub.engine.errors import EngineError
from orderhub.engine.verify_schedule import VerifySchedule, VerifyTicker
from orderhub.hub import Hub
from orderhub.services.verification import Verifier

__all__ = ["daily_verifications", "verify_ticker"]

log = logging.getLogger(__name__)


def daily_verifications(hub: Hub, runner: FlowRunner | None = None) -> VerifySchedule | None:
    """What the schedulers need to verify every integration every `ORDERHUB_VERIFY_EVERY_HOURS`
    (None when it is 0): a verifier whose refusals (busy, disconnected meanwhile) are logged."""
    verifier = Verifier.for_hub(hub, runner=runner)

    def verify(integration_id: str, stop: threading.Event | None) -> object:
        try:
            return verifier.verify(integration_id, trigger="schedule", stop=stop)
        except EngineError as refused:
            log.info("daily verification of %s not run: %s", integration_id, refused)
            return None

    return VerifySchedule.every_hours(hub.settings.verify_every_hours, verify)


def verify_ticker(hub: Hub, runner: FlowRunner) -> VerifyTicker | None:
    """The embedded scheduler's hook for the daily verification (None: switched off)."""
    schedule = daily_verifications(hub, runner)
    return VerifyTicker(schedule, hub.db, clock=hub.clock) if schedule is not None else None
