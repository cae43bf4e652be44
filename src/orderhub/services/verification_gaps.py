"""Repairing what a check found, through the flows' own retry path.

A gap becomes an exception of its flow, keyed like the flow keys its own (entity type and the
id the flow re-fetches by), so the flow's retry run fetches it by id and the upsert that lands
it resolves the exception in the same transaction. What is still open afterwards is what the
repair could not do (a record the store no longer returns, one that fails to map).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from orderhub.clock import Sleep
from orderhub.connectors.completeness import Gap
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import FlowRunner
from orderhub.engine.errors import FlowBusy, RunRefused
from orderhub.store import exceptions as store_exceptions
from orderhub.store.database import Database
from orderhub.store.entities import EntityKind
from orderhub.store.integrations import get_integration
from orderhub.store.record_versions import HeldVersion, held_versions

__all__ = [
    "MAX_REFETCH",
    "MISSING_IN_HUB",
    "STALE_IN_HUB",
    "StoreHoldings",
    "record_gaps",
    "refetch",
    "still_open",
]

log = logging.getLogger(__name__)

MISSING_IN_HUB = "missingInHub"
STALE_IN_HUB = "staleInHub"
MAX_REFETCH = 1_000
"""Gaps recorded (and re-fetched) per flow per verification. More than that is a flow far
behind, not a few lost records: its own runs catch up, and the next verification goes on."""


class StoreHoldings:
    """The hub's side of a check, a read transaction per page (`HubHoldings`)."""

    def __init__(self, db: Database, integration_id: str) -> None:
        self._db = db
        self._integration_id = integration_id

    def settings(self) -> Mapping[str, Any]:
        with self._db.read_session() as session:
            integration = get_integration(session, self._integration_id)
        return dict(integration.settings) if integration is not None else {}

    def versions(
        self,
        kind: EntityKind,
        ext_ids: Sequence[str],
        *,
        source_time_paths: Sequence[tuple[str, ...]] = (),
    ) -> dict[str, HeldVersion]:
        if not ext_ids:
            return {}
        with self._db.read_session() as session:
            return held_versions(
                session,
                kind,
                self._integration_id,
                ext_ids,
                source_time_paths=source_time_paths,
            )


def record_gaps(
    db: Database,
    integration_id: str,
    flow: FlowName,
    gaps: Sequence[Gap],
    verification_id: str,
    *,
    now: datetime,
) -> list[Gap]:
    """Open an exception per gapped record (at most `MAX_REFETCH`); the gaps now covered.

    A record with an open exception already keeps it untouched: it is retried all the same,
    and its message (why it failed to map, say) says more than "missing".
    """
    covered: list[Gap] = []
    with db.session() as session:
        already: dict[str, set[str]] = {}
        opened: set[tuple[str, str]] = set()
        for gap in gaps:
            key = (gap.entity_type, gap.ext_id)
            if key not in opened and len(opened) >= MAX_REFETCH:
                continue
            covered.append(gap)
            if key in opened:
                continue
            opened.add(key)
            if gap.entity_type not in already:
                already[gap.entity_type] = set(
                    store_exceptions.open_exception_ids(
                        session, integration_id, flow, gap.entity_type
                    )
                )
            if gap.ext_id in already[gap.entity_type]:
                continue
            store_exceptions.raise_exception(
                session,
                integration_id=integration_id,
                flow=flow,
                entity_type=gap.entity_type,
                ext_entity_id=gap.ext_id,
                exception_type=MISSING_IN_HUB if gap.kind == "missing" else STALE_IN_HUB,
                message=f"Verify found {gap.describe()}; re-fetching it",
                raw={
                    "verification": verification_id,
                    "gap": gap.kind,
                    "record": gap.record,
                    "seenAt": gap.seen_at.isoformat() if gap.seen_at else None,
                },
                now=now,
            )
    return covered


def refetch(
    runner: FlowRunner,
    integration_id: str,
    flow: FlowName,
    *,
    stop: threading.Event | None,
    sleep: Sleep,
    tries: int,
    wait_seconds: float,
) -> str | None:
    """Run the flow with `trigger="retry"` (it re-fetches every open exception's record).

    A run of the flow going on holds its lease: wait for it a few times, then leave the gaps
    to the flow's next run (they are due at once). Returns the run's error, if any.
    """
    for attempt in range(1, max(1, tries) + 1):
        if stop is not None and stop.is_set():
            return "not re-fetched: OrderHub was stopping; the flow's next run picks them up"
        try:
            run = runner.run_flow(
                integration_id, flow, trigger="retry", require_enabled=False, stop=stop
            )
        except FlowBusy:
            if attempt < tries:
                sleep(wait_seconds)
            continue
        except RunRefused as refused:  # switched off for good, integration disconnected…
            return f"not re-fetched: {refused}"
        if run.status is RunStatus.FAILED:
            return f"the re-fetch run failed: {run.error}"
        return None
    log.info("%s %s busy: its next run re-fetches the gaps", integration_id, flow.value)
    return f"not re-fetched yet: {flow.value} was busy; its next run picks them up"


def still_open(
    db: Database, integration_id: str, flow: FlowName, gaps: Sequence[Gap]
) -> dict[tuple[str, str], str]:
    """The gaps' records whose exception is still open after the re-fetch, with its type.

    Its type says why: the flow's own (`unknownStatus`, `missingSku`) when the record came but
    could not be mapped, verify's (`missingInHub`) when it did not come at all.
    """
    with db.read_session() as session:
        return store_exceptions.open_exception_types(
            session, integration_id, flow, sorted({gap.entity_type for gap in gaps})
        )
