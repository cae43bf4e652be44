"""What the engine raises, ordered by what the caller should do, and how a failure becomes one line.

```
HubError (orderhub.errors: a message for the merchant, printed as is)
└── EngineError
    ├── RunRefused                  nothing ran, no run row was written: tell the user
    │   ├── FlowBusy                  another run of this flow holds its lease: skip it
    │   ├── FlowNotAvailable          no code for this flow yet ("not available yet")
    │   ├── FlowDisabled              the flow is switched off (retries bypass this)
    │   ├── FlowNotDue                a scheduled run found another worker had just run it
    │   │   └── NothingToDo               a scheduled push found nothing new to push
    │   ├── BudgetBusy                its store's call budget is spent for a while: come back
    │   ├── IntegrationNotConnected   the integration is not configured or is disabled
    │   │   └── IntegrationNotFound     no such integration (also a NotFoundError)
    │   └── SyncExceptionNotFound     `exceptions retry ID` with an unknown id
    ├── FlowError                   raised BY a flow: fails the run with exactly this message
    └── LeaseLost                   the lease expired, another worker may hold it: stop writing
```

A flow fails its run by raising anything; the run row then keeps `describe_error(exc)`: one line,
trimmed, the class name in front of errors that are not OrderHub's own (a bare `KeyError: 'sku'`
says more than `'sku'`), never a traceback and never a secret.
"""

from __future__ import annotations

from collections.abc import Iterable

from orderhub.errors import HubError, NotFoundError, UsageError
from orderhub.redaction import redact

__all__ = [
    "BudgetBusy",
    "EngineError",
    "FlowBusy",
    "FlowDisabled",
    "FlowError",
    "FlowNotAvailable",
    "FlowNotDue",
    "IntegrationNotConnected",
    "IntegrationNotFound",
    "LeaseLost",
    "NothingToDo",
    "RunRefused",
    "SyncExceptionNotFound",
    "describe_error",
]

MAX_ERROR_LENGTH = 500


class EngineError(HubError):
    """Base of everything the engine raises on purpose; its message is meant for the merchant."""


class RunRefused(EngineError):
    """The run did not start; no run row exists for it."""


class FlowBusy(RunRefused):
    """Another run of this flow holds the lease."""


class FlowNotAvailable(RunRefused, UsageError):
    """No factory is registered for this connector and flow."""


class FlowDisabled(RunRefused, UsageError):
    """The flow is switched off and the caller asked for enabled flows only."""


class FlowNotDue(RunRefused):
    """A run asked for "only if still due" found the flow's next run is not yet due."""


class NothingToDo(FlowNotDue):
    """A scheduled push found nothing new for it: no run was started (no lease, no call)."""


class BudgetBusy(RunRefused):
    """A scheduled run would have waited longer than its patience for its store's call budget
    before its first call; it gave its slot back instead (its run row and lease are gone, its
    schedule says when the budget allows). Raised by a connector's client, settled by the runner.
    """

    def __init__(self, wait_seconds: float) -> None:
        super().__init__(f"the store's call budget is spent for {wait_seconds:.1f}s")
        self.wait_seconds = wait_seconds


class IntegrationNotConnected(RunRefused):
    """The integration is not configured or has been disabled."""


class IntegrationNotFound(IntegrationNotConnected, NotFoundError):
    """No integration has this id."""


class SyncExceptionNotFound(RunRefused, NotFoundError):
    """No per-record exception has this id."""


class FlowError(EngineError):
    """A flow's own reason to fail the run; the message is kept as the run's error, as is."""


class LeaseLost(EngineError):
    """The lease expired (the process stalled past its TTL): another worker may own the flow now."""


def describe_error(exc: BaseException, *, secrets: Iterable[str] = ()) -> str:
    """One clear line for the run history: no traceback, no newline, no secret, bounded length."""
    text = " ".join(str(exc).split())
    if not _is_orderhub_error(exc):
        name = type(exc).__name__
        text = f"{name}: {text}" if text else name
    elif not text:
        text = type(exc).__name__
    text = redact(text, secrets)
    if len(text) > MAX_ERROR_LENGTH:
        text = text[: MAX_ERROR_LENGTH - 1].rstrip() + "…"
    return text


def _is_orderhub_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module == "orderhub" or module.startswith("orderhub.")
