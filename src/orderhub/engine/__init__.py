"""The engine: runs flows one at a time per flow, records runs and exceptions, schedules flows.

Build a `FlowRegistry`, a `FlowRunner` over it, and (for `serve`/`demo`) an `EmbeddedScheduler`
over the runner. Nothing here holds import-time state.
"""

from orderhub.engine.context import FlowContext, LeaseHandle, PlannedChange, ProgressCallback
from orderhub.engine.cursors import FeedCursor, PullCursor, UpdatedCursor
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
from orderhub.engine.lease import flow_lease_key
from orderhub.engine.record_failures import StoreUnavailable
from orderhub.engine.registry import FlowFactory, FlowRegistry
from orderhub.engine.runner import FlowRunner
from orderhub.engine.scheduler import EmbeddedScheduler
from orderhub.store.records import Change, EntityKind, StoredRecord, UpsertItem

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
]
