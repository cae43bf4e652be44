"""Per-record sync exceptions: one bad record, named, kept, and retried."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.integration import FlowName

__all__ = ["ExceptionStatus", "SyncException"]


class ExceptionStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class SyncException(HubModel):
    exception_id: str
    integration: str
    flow: FlowName
    entity_type: str
    ext_entity_id: str
    exception_type: str
    message: str
    status: ExceptionStatus = ExceptionStatus.OPEN
    attempts: int = 1
    raw: dict[str, Any] | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    resolved_at: UtcDatetime | None = None
