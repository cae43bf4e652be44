"""The engine: runs flows one at a time per flow, records runs and exceptions, schedules flows.

Build a `FlowRegistry`, a `FlowRunner` over it, and (for `serve`/`demo`) an `EmbeddedScheduler`
over the runner. Nothing here holds import-time state.

Each name is imported from its module when first used (PEP 562): a process that only needs
`FlowRegistry` (every CLI command opens a hub) does not import the runner, the scheduler and
the store's record code with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orderhub.engine.context import FlowContext, ProgressCallback
    from orderhub.engine.cursors import FeedCursor, PullCursor, UpdatedCursor
    from orderhub.engine.dry_run import PlannedChange
    from orderhub.engine.errors import (
        EngineError,
        FlowBusy,
        FlowDisabled,
        FlowError,
        FlowNotAvailable,
        FlowNotDue,
        IntegrationNotConnected,
        IntegrationNotFound,
        LeaseLost,
        RunRefused,
        SyncExceptionNotFound,
        describe_error,
    )
    from orderhub.engine.flow import Flow
    from orderhub.engine.hub_view import HubView
    from orderhub.engine.lease import LeaseHandle, flow_lease_key
    from orderhub.engine.record_failures import StoreUnavailable
    from orderhub.engine.registry import FlowFactory, FlowRegistry
    from orderhub.engine.runner import FlowRunner
    from orderhub.engine.scheduler import EmbeddedScheduler
    from orderhub.store.feed import Change
    from orderhub.store.records import EntityKind, StoredRecord, UpsertItem, record_hash

__all__ = [
    "Change",
    "EmbeddedScheduler",
    "EngineError",
    "EntityKind",
    "FeedCursor",
    "Flow",
    "FlowBusy",
    "FlowContext",
    "FlowDisabled",
    "FlowError",
    "FlowFactory",
    "FlowNotAvailable",
    "FlowNotDue",
    "FlowRegistry",
    "FlowRunner",
    "HubView",
    "IntegrationNotConnected",
    "IntegrationNotFound",
    "LeaseHandle",
    "LeaseLost",
    "PlannedChange",
    "ProgressCallback",
    "PullCursor",
    "RunRefused",
    "StoreUnavailable",
    "StoredRecord",
    "SyncExceptionNotFound",
    "UpdatedCursor",
    "UpsertItem",
    "describe_error",
    "flow_lease_key",
    "record_hash",
]

_HOMES = {
    "Change": "orderhub.store.feed",
    "EmbeddedScheduler": "orderhub.engine.scheduler",
    "EngineError": "orderhub.engine.errors",
    "EntityKind": "orderhub.store.records",
    "FeedCursor": "orderhub.engine.cursors",
    "Flow": "orderhub.engine.flow",
    "FlowBusy": "orderhub.engine.errors",
    "FlowContext": "orderhub.engine.context",
    "FlowDisabled": "orderhub.engine.errors",
    "FlowError": "orderhub.engine.errors",
    "FlowFactory": "orderhub.engine.registry",
    "FlowNotAvailable": "orderhub.engine.errors",
    "FlowNotDue": "orderhub.engine.errors",
    "FlowRegistry": "orderhub.engine.registry",
    "FlowRunner": "orderhub.engine.runner",
    "HubView": "orderhub.engine.hub_view",
    "IntegrationNotConnected": "orderhub.engine.errors",
    "IntegrationNotFound": "orderhub.engine.errors",
    "LeaseHandle": "orderhub.engine.lease",
    "LeaseLost": "orderhub.engine.errors",
    "PlannedChange": "orderhub.engine.dry_run",
    "ProgressCallback": "orderhub.engine.context",
    "PullCursor": "orderhub.engine.cursors",
    "RunRefused": "orderhub.engine.errors",
    "StoreUnavailable": "orderhub.engine.record_failures",
    "StoredRecord": "orderhub.store.records",
    "SyncExceptionNotFound": "orderhub.engine.errors",
    "UpdatedCursor": "orderhub.engine.cursors",
    "UpsertItem": "orderhub.store.records",
    "describe_error": "orderhub.engine.errors",
    "flow_lease_key": "orderhub.engine.lease",
    "record_hash": "orderhub.store.records",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # looked up once
    return value
