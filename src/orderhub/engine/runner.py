"""Run one flow of one integration now: lease, run row, context, the flow, outcome, schedule.

`FlowRunner.run_flow` is a plain synchronous call keyed by (integration, flow, trigger). The
embedded scheduler calls it from a thread pool; a distributed worker (a Procrastinate task on
the same PostgreSQL, engine/distributed.py) calls exactly the same method. Whatever calls it,
the lease `flow:<integration>:<flow>` in the database (engine/lease.py) guarantees one run of
a flow at a time, across threads and processes; a run that dies without releasing it is taken
over once its TTL expires (at once on the same host, where its dead pid is seen).

A run that raises is recorded as failed with one clear line, and returned, not re-raised: a
failed run is an outcome, not a crash of the caller. Only Ctrl-C / SystemExit propagate (after
the run row and lease are settled).

A dry run (`run_flow(..., dry_run=True)`) runs the flow with `ctx.dry_run` set: its units of
work roll back and it writes nothing remote, reporting planned writes instead. It holds the
lease like any run (so it never races a real one) and leaves a run row with trigger
`dry-run`, but it does not touch the schedule: the next real run is neither delayed nor
hurried by it. Only flows that declare `supports_dry_run = True` (on the factory or, for a
bound `from_context`, on its class) can dry-run: any other could write to the remote system.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from orderhub.clock import Clock, Sleep, SystemClock
from orderhub.domain import FlowName, Integration, Run
from orderhub.engine.backoff import RetryChoice, flows_with_open_exceptions
from orderhub.engine.cadence import work_check
from orderhub.engine.context import FlowContext, ProgressCallback
from orderhub.engine.dry_run import DRY_RUN_TRIGGER, supports_dry_run
from orderhub.engine.errors import (
    BudgetBusy,
    FlowBusy,
    FlowNotAvailable,
    IntegrationNotConnected,
    LeaseLost,
    NothingToDo,
    SyncExceptionNotFound,
    describe_error,
)
from orderhub.engine.idle_push import worth_running
from orderhub.engine.lease import RunLease, flow_lease_key
from orderhub.engine.preflight import check_runnable
from orderhub.engine.reference_cache import ReferenceCache
from orderhub.engine.registry import FlowFactory, FlowRegistry
from orderhub.engine.run_start import start_run
from orderhub.engine.settle import give_back, settle_run
from orderhub.logs import bind_run, unbind_run
from orderhub.secrets import SecretBox
from orderhub.settings import call_budgets_shared
from orderhub.store import exceptions as store_exceptions
from orderhub.store import leases as store_leases
from orderhub.store.database import Database

if TYPE_CHECKING:
    from orderhub.monitor.metrics import HubMetrics

__all__ = ["INTERRUPTED_MESSAGE", "LEASE_LOST_MESSAGE", "FlowRunner"]

log = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = (
    "interrupted: OrderHub was stopping; the next run resumes from the saved cursor"
)
LEASE_LOST_MESSAGE = (
    "lease lost: this run stalled past its lease and stopped; "
    "the next run resumes from the saved cursor"
)


class FlowRunner:
    """Runs flows on demand; thread-safe, one instance per process is enough."""

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        registry: FlowRegistry,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        owner: str | None = None,
        lease_ttl_seconds: float = 120.0,
        http_factory: Callable[[Integration], httpx.Client] | None = None,
        share_call_budgets: bool | None = None,
        metrics: HubMetrics | None = None,
    ) -> None:
        """`http_factory` builds the client a run's connector uses; the runner never closes it.

        `share_call_budgets`: keep remote call budgets in the database (None: when it is
        PostgreSQL, the database several processes share; see `FlowContext`).
        """
        if lease_ttl_seconds <= 0:
            raise ValueError("lease_ttl_seconds must be positive")
        self._db = db
        self._box = box
        self._registry = registry
        self._clock: Clock = clock or SystemClock()
        self._sleep: Sleep = sleep or time.sleep
        self._owner = owner or store_leases.lease_owner_id()
        self._ttl = lease_ttl_seconds
        self._http_factory = http_factory
        self._share_call_budgets = (
            call_budgets_shared("auto", db.engine.dialect.name)
            if share_call_budgets is None
            else share_call_budgets
        )
        self._metrics = metrics
        self._reference = ReferenceCache(self._clock)
        self._active: set[FlowContext] = set()
        self._active_lock = threading.Lock()
        # The database lease is re-entrant for its owner (one per runner), so runs started by
        # this runner on several threads are kept apart here as well.
        self._running_keys: set[str] = set()

    @property
    def owner(self) -> str:
        return self._owner

    @property
    def registry(self) -> FlowRegistry:
        return self._registry

    def run_flow(
        self,
        integration_id: str,
        flow: FlowName,
        *,
        trigger: str = "manual",
        require_enabled: bool = True,
        progress: ProgressCallback | None = None,
        stop: threading.Event | None = None,
        only_if_due: bool = False,
        dry_run: bool = False,
        budget_patience: float | None = None,
        retry: RetryChoice | None = None,
    ) -> Run:
        """Run `flow` of `integration_id` now and return its finished run row.

        Raises a `RunRefused` (`FlowBusy`, `FlowDisabled`, `FlowNotAvailable`,
        `IntegrationNotConnected`) when nothing could start; otherwise the run is recorded
        and returned, failed or succeeded. `stop` is an extra shutdown signal the flow sees
        through `ctx.should_stop()` (the scheduler passes its own). `only_if_due` re-checks
        the schedule under the lease and raises `FlowNotDue` if another worker ran the flow
        since the caller saw it due (schedulers working from a stale list of due flows).
        `dry_run` plans without writing (module docstring); a flow that cannot dry-run is
        refused with `FlowNotAvailable` before anything starts. `budget_patience` (schedulers):
        when the store's call budget would keep the run waiting longer than that before its
        first call, the run gives its slot back — no run row, schedule moved to when the
        budget allows, its `requested` mark kept — and `BudgetBusy` is raised. `retry`: the
        open exceptions the run retries now whatever their wait (engine/backoff.py); a run
        triggered "retry" without one retries every open exception of the flow.
        """
        flow = FlowName(flow)
        factory = check_runnable(
            self._db, self._registry, integration_id, flow, require_enabled=require_enabled
        )
        if dry_run:
            if not supports_dry_run(factory):
                raise FlowNotAvailable(f"{flow.value} has no dry run: it can only run for real")
            trigger = DRY_RUN_TRIGGER
        check = work_check(factory) if only_if_due and not dry_run else None
        if check is not None:
            if not worth_running(self._db, self._clock, integration_id, flow, check):
                raise NothingToDo(f"{flow.value} of integration {integration_id} has nothing new")
            only_if_due = False  # due because its feed holds work, whatever its timer says
        key = flow_lease_key(integration_id, flow)
        busy = FlowBusy(f"{flow.value} of integration {integration_id} is already running")
        with self._active_lock:
            if key in self._running_keys:
                raise busy
            self._running_keys.add(key)
        log_context = bind_run(integration_id, flow.value)  # every line of the run says whose
        try:
            lease = RunLease(self._db, key, self._owner, self._ttl, self._clock)
            try:
                return self._run_leased(
                    integration_id,
                    flow,
                    factory,
                    lease,
                    busy,
                    trigger=trigger,
                    progress=progress,
                    stop=stop,
                    only_if_due=only_if_due,
                    dry_run=dry_run,
                    budget_patience=budget_patience,
                    retry=retry if retry is not None or trigger != "retry" else RetryChoice(),
                )
            finally:
                lease.release()
        finally:
            unbind_run(log_context)
            with self._active_lock:
                self._running_keys.discard(key)

    def retry_exception(self, exception_id: str) -> Run:
        """Run that exception's flow now (even if the flow is off): it re-fetches the record
        (the flow's other open exceptions only when they are due)."""
        with self._db.read_session() as session:
            item = store_exceptions.get_exception(session, exception_id)
        if item is None:
            raise SyncExceptionNotFound(f"No exception with id {exception_id!r}")
        return self.run_flow(
            item.integration,
            item.flow,
            trigger="retry",
            require_enabled=False,
            retry=RetryChoice(ext_id=item.ext_entity_id),
        )

    def retry_all(
        self,
        integration_id: str | None = None,
        *,
        flow: FlowName | None = None,
        reason: str | None = None,
    ) -> list[Run]:
        """One retry run per (integration, flow) with open exceptions, narrowed to one
        integration, flow or reason (exception code) when given: each run retries those
        exceptions now (`RetryChoice`).

        A flow that is running already (its next run picks the records up), not available, or
        whose integration is no longer connected is skipped with a warning in the log.
        """
        with self._db.read_session() as session:
            targets = flows_with_open_exceptions(session, integration_id, flow=flow, reason=reason)
        runs: list[Run] = []
        for target_integration, target_flow in targets:
            try:
                runs.append(
                    self.run_flow(
                        target_integration,
                        target_flow,
                        trigger="retry",
                        require_enabled=False,
                        retry=RetryChoice(reason=reason),
                    )
                )
            except (FlowBusy, FlowNotAvailable, IntegrationNotConnected) as refused:
                log.warning(
                    "retry of %s %s skipped: %s", target_integration, target_flow.value, refused
                )
        return runs

    def request_stop(self) -> None:
        """Ask every running flow to stop at its next page boundary."""
        with self._active_lock:
            for ctx in self._active:
                ctx.stop_event.set()

    # -- internals -------------------------------------------------------------------------

    def _run_leased(
        self,
        integration_id: str,
        flow: FlowName,
        factory: FlowFactory,
        lease: RunLease,
        busy: FlowBusy,
        *,
        trigger: str,
        progress: ProgressCallback | None,
        stop: threading.Event | None,
        only_if_due: bool,
        dry_run: bool,
        budget_patience: float | None = None,
        retry: RetryChoice | None = None,
    ) -> Run:
        start = start_run(
            self._db,
            self._box,
            self._clock,
            integration_id,
            flow,
            factory,
            lease,
            busy,
            trigger=trigger,
            only_if_due=only_if_due,
            dry_run=dry_run,
            retry=retry,
        )
        run_id = start.run_id
        log.info("run %s: %s %s started (%s)", run_id, integration_id, flow.value, trigger)

        ctx: FlowContext | None = None
        error: str | None = None
        interrupt: BaseException | None = None
        given_back: BudgetBusy | None = None
        try:
            if start.token_problem is not None:
                raise start.token_problem
            ctx = FlowContext(
                db=self._db,
                integration=start.integration,
                api_token=start.token,
                flow=flow,
                run_id=run_id,
                trigger=trigger,
                started_at=start.started_at,
                clock=self._clock,
                sleep=self._sleep,
                cursor=start.state.cursor,
                start_from=start.state.start_from,
                retry_ext_ids=start.retry_ids,
                open_ext_ids=start.open_ids,
                http=self._http_factory(start.integration) if self._http_factory else None,
                on_progress=progress,
                lease=lease,
                external_stop=stop,
                share_call_budgets=self._share_call_budgets,
                dry_run=dry_run,
                reference=self._reference,
                metrics=self._metrics,
                budget_patience=budget_patience,
            )
            with self._active_lock:
                self._active.add(ctx)
            lease.keep_alive()
            factory(ctx).run(ctx)
            if lease.lost:
                error = LEASE_LOST_MESSAGE
            elif ctx.stopped_early:
                error = INTERRUPTED_MESSAGE
        except LeaseLost:
            error = LEASE_LOST_MESSAGE
        except BudgetBusy as busy:  # before any call or write: give the slot back
            given_back = busy
        except Exception as exc:
            error = describe_error(exc, secrets=[start.token])
            log.warning("run %s: %s %s failed: %s", run_id, integration_id, flow.value, error)
        except BaseException as exc:  # Ctrl-C, SystemExit: settle the run row, then let it go
            error = INTERRUPTED_MESSAGE
            interrupt = exc
        finally:
            lease.stop_keep_alive()
            if ctx is not None:
                with self._active_lock:
                    self._active.discard(ctx)

        if given_back is not None:
            give_back(
                self._db,
                self._clock,
                integration_id,
                flow,
                run_id,
                start.state,
                given_back.wait_seconds,
            )
            raise given_back
        run = settle_run(
            self._db,
            self._clock,
            integration_id,
            flow,
            run_id,
            ctx,
            error,
            start.claimed_next,
            start.interval,
            dry_run=dry_run,
            is_push=start.is_push,
            lease=lease,
        )
        log.info("run %s: %s %s %s", run_id, integration_id, flow.value, run.status.value)
        if self._metrics is not None and not dry_run:
            self._metrics.run_finished(run)
        if interrupt is not None:
            raise interrupt
        return run
