"""Verify an integration: prove each pull flow holds what the store holds, and repair gaps.

For every enabled pull flow (`CHECKS`), in order:

1. The window: store records updated since the integration's `enabledAt` or the flow's backfill
   `since`, whichever is earlier (what the hub promises to hold), up to now minus a grace of
   the flow's polling interval plus a minute — a record updated later than that may simply
   not have been pulled yet, and is left for the next check. (locations.pull has no window:
   it reads everything on every run.)
2. The check lists the store cheaply and compares it with the hub (the connector's
   `completeness`, `orderhub.connectors.completeness`).
3. Each gap becomes an exception of that flow (`missingInHub` / `staleInHub`, naming the order
   number or SKU), unless the record has an open exception already: that one (a mapping
   failure) says more than we would, and is retried all the same.
4. The flow runs with `trigger="retry"`, which re-fetches by id every open exception's record;
   an exception resolves itself when its record lands. No upsert path of our own.
5. What is still open is what remains; a `Verification` row keeps the outcome.

One verification of an integration at a time, across processes: the lease
`flow:<integration>:verify` (the flow-lease prefix, so removing the integration frees it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from orderhub.clock import Clock, Sleep
from orderhub.connectors.base import StoreAccess
from orderhub.connectors.completeness import CheckWindow, FlowCheck
from orderhub.connectors.registry import ConnectorRegistry
from orderhub.domain import (
    FlowName,
    Integration,
    IntegrationStatus,
    Verification,
)
from orderhub.engine import FlowRunner
from orderhub.engine.errors import (
    EngineError,
    IntegrationNotConnected,
    IntegrationNotFound,
    describe_error,
)
from orderhub.engine.lease import RunLease
from orderhub.hub import Hub
from orderhub.secrets import SecretBox, SecretDecryptError
from orderhub.services.verification_gaps import (
    StoreHoldings,
    record_gaps,
    refetch,
    still_open,
)
from orderhub.services.verification_outcome import Repair, record_failure, record_outcome
from orderhub.store import integrations as store_integrations
from orderhub.store import leases as store_leases
from orderhub.store import verifications as store_verifications
from orderhub.store.database import Database

if TYPE_CHECKING:
    from orderhub.monitor.metrics import HubMetrics

__all__ = [
    "VERIFY_LEASE",
    "Verifier",
    "VerifyBusy",
    "pull_flows_to_verify",
    "verifiable_flows",
    "verify_window",
]

log = logging.getLogger(__name__)

VERIFY_LEASE = "verify"
"""The lease `flow:<integration>:verify` keeps one verification of an integration at a time."""
GRACE_FLOOR = timedelta(seconds=60)
GRACE_CEILING = timedelta(hours=1)

ProgressCallback = Callable[[dict[str, Any]], None]


class VerifyBusy(EngineError):
    """A verification of this integration is running already (here or in another process)."""


def pull_flows_to_verify(
    integration: Integration, available: frozenset[FlowName], checked: frozenset[FlowName]
) -> list[FlowName]:
    """The integration's enabled pull flows that have a check (`checked`), in the hub's flow
    order."""
    return [
        setting.flow
        for setting in integration.flows
        if setting.enabled and setting.flow in checked and setting.flow in available
    ]


def verifiable_flows(hub: Hub, integration: Integration) -> list[FlowName]:
    """The integration's enabled pull flows its connector can verify."""
    checks = hub.connectors.of(integration).completeness
    if checks is None:
        return []
    available = hub.registry.available(integration.connector)
    return pull_flows_to_verify(integration, available, checks.flows)


def verify_window(
    enabled_at: datetime | None,
    flow_since: datetime | None,
    *,
    now: datetime,
    interval_seconds: int,
) -> tuple[datetime | None, datetime]:
    """(since, until): the earlier of `enabledAt` and the backfill start, to now minus grace.

    The grace is the flow's polling interval plus a minute (at least a minute, at most an
    hour): a record updated later than that may be on its way in a pull right now.
    """
    starts = [moment for moment in (enabled_at, flow_since) if moment is not None]
    grace = min(GRACE_CEILING, GRACE_FLOOR + timedelta(seconds=max(0, interval_seconds)))
    return (min(starts) if starts else None), now - grace


@dataclass
class Verifier:
    """Runs verifications; thread-safe, one per process is enough (the CLI builds its own)."""

    db: Database
    box: SecretBox
    runner: FlowRunner
    connectors: ConnectorRegistry
    available: Callable[[str], frozenset[FlowName]]
    """The flows of a connector (by kind) that have code behind them."""
    clock: Clock
    share_call_budgets: bool = False
    http_factory: Callable[[Integration], httpx.Client] | None = None
    sleep: Sleep = time.sleep
    lease_ttl_seconds: float = 120.0
    busy_tries: int = 6
    """How often the re-fetch run is tried while a run of the flow holds its lease."""
    busy_wait_seconds: float = 5.0
    metrics: HubMetrics | None = None
    """This process's counters: a check's calls to the store are counted there too."""

    @classmethod
    def for_hub(
        cls,
        hub: Hub,
        *,
        runner: FlowRunner | None = None,
        http_factory: Callable[[Integration], httpx.Client] | None = None,
        sleep: Sleep | None = None,
    ) -> Verifier:
        return cls(
            db=hub.db,
            box=hub.box,
            runner=runner or hub.runner(),
            connectors=hub.connectors,
            available=hub.registry.available,
            clock=hub.clock,
            share_call_budgets=hub.shares_call_budgets,
            http_factory=http_factory,
            sleep=sleep or time.sleep,
            metrics=hub.metrics,
        )

    def verify(
        self,
        integration_id: str,
        *,
        trigger: str = "manual",
        repair: bool = True,
        stop: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> list[Verification]:
        """Verify every enabled pull flow of the integration; one `Verification` per flow.

        Raises `IntegrationNotFound`/`IntegrationNotConnected` when nothing can be checked, and
        `VerifyBusy` when another verification of it is running. A flow whose check fails is
        recorded as failed and the others still run.
        """
        integration = self._connected(integration_id)
        checks = self.connectors.of(integration).completeness
        flows = (
            pull_flows_to_verify(integration, self.available(integration.connector), checks.flows)
            if checks is not None
            else []
        )
        lease = RunLease(
            self.db,
            store_leases.flow_lease_key(integration_id, VERIFY_LEASE),
            # A new owner per call: the lease is re-entrant for its owner, and two calls in
            # one process must still exclude each other.
            store_leases.lease_owner_id(),
            self.lease_ttl_seconds,
            self.clock,
        )
        if not lease.acquire():
            raise VerifyBusy(f"A verification of integration {integration_id} is running already")
        lease.keep_alive()
        try:
            with self.db.session() as session:
                store_verifications.close_abandoned(session, integration_id, now=self.clock.now())
            try:
                with self.db.read_session() as session:
                    token = store_integrations.get_api_token(session, integration_id, self.box)
            except SecretDecryptError as problem:
                # Nothing can be checked without it; recorded, so a daily check waits a day.
                return [
                    record_failure(
                        self.db, integration_id, flow, trigger, str(problem), now=self.clock.now()
                    )
                    for flow in flows
                ]

            def should_stop() -> bool:
                # Stopping, or the lease was lost (this process stalled past its TTL and
                # another may verify now): end at the next page.
                return (stop is not None and stop.is_set()) or lease.lost

            return [
                self._verify_flow(
                    integration, token, flow, trigger, repair, stop, should_stop, progress
                )
                for flow in flows
            ]
        finally:
            lease.release()

    # -- one flow --------------------------------------------------------------------------

    def _verify_flow(
        self,
        integration: Integration,
        token: str,
        flow: FlowName,
        trigger: str,
        repair: bool,
        stop: threading.Event | None,
        should_stop: Callable[[], bool],
        progress: ProgressCallback | None,
    ) -> Verification:
        integration_id = integration.integration_id
        started = self.clock.now()
        with self.db.read_session() as session:
            state = store_integrations.get_flow_state(session, integration_id, flow)
        since, until = verify_window(
            integration.enabled_at,
            state.start_from,
            now=started,
            interval_seconds=state.interval_seconds,
        )
        connector = self.connectors.of(integration)
        checks = connector.completeness
        assert checks is not None  # `verify` lists only the flows it has checks for
        if flow in checks.reads_everything:
            since = None
        with self.db.session() as session:
            verification_id = store_verifications.start_verification(
                session,
                integration_id=integration_id,
                flow=flow,
                trigger=trigger,
                since=since,
                checked_until=until,
                now=started,
            )
        _tell(progress, flow=flow.value, step="checking")
        found = FlowCheck()
        calls = 0
        repaired: Repair | None = None
        error: str | None = None
        try:
            window = CheckWindow(since, until, should_stop)
            access = StoreAccess(
                api_url=integration.api_url,
                token=token,
                db=self.db,
                clock=self.clock,
                shares_call_budgets=self.share_call_budgets,
                http=self.http_factory(integration) if self.http_factory else None,
                metrics=self.metrics,
                sleep=self.sleep,
            )
            with checks.session(access) as client:
                try:
                    found = client.check(flow, StoreHoldings(self.db, integration_id), window)
                finally:
                    calls = client.calls
            if found.gaps and repair:
                _tell(progress, flow=flow.value, step="re-fetching")
                repaired = self._repair(integration_id, flow, verification_id, found, stop)
        except Exception as problem:
            error = describe_error(problem, secrets=[token])
            log.warning("verification of %s %s failed: %s", integration_id, flow.value, error)
        return record_outcome(
            self.db,
            verification_id,
            found,
            calls,
            repaired,
            error,
            source=connector.display_name,
            now=self.clock.now(),
        )

    def _repair(
        self,
        integration_id: str,
        flow: FlowName,
        verification_id: str,
        found: FlowCheck,
        stop: threading.Event | None,
    ) -> Repair:
        """Record the gaps as exceptions and run the flow's retry; what is still open."""
        recorded = record_gaps(
            self.db, integration_id, flow, found.gaps, verification_id, now=self.clock.now()
        )
        run_error = refetch(
            self.runner,
            integration_id,
            flow,
            stop=stop,
            sleep=self.sleep,
            tries=self.busy_tries,
            wait_seconds=self.busy_wait_seconds,
        )
        open_now = still_open(self.db, integration_id, flow, recorded)
        left = sum(1 for gap in recorded if (gap.entity_type, gap.ext_id) in open_now)
        # Gaps past the re-fetch cap were not recorded: they are still there.
        unrecorded = found.missing + found.stale - len(recorded)
        return Repair(left + unrecorded, open_now, run_error)

    def _connected(self, integration_id: str) -> Integration:
        with self.db.read_session() as session:
            integration = store_integrations.get_integration(session, integration_id)
        if integration is None:
            raise IntegrationNotFound(f"No integration with id {integration_id!r}")
        if integration.status is not IntegrationStatus.CONNECTED or integration.enabled_at is None:
            raise IntegrationNotConnected(
                f"Integration {integration_id} is not connected; "
                f"test it with `orderhub integrations test {integration_id}` first"
            )
        return integration


def _tell(progress: ProgressCallback | None, **fields: Any) -> None:
    if progress is not None:
        progress(dict(fields))
