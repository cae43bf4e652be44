"""Everything one flow run may touch, in one object: records, exceptions, cursor, progress, lease.

The flow never sees the store's tables or the run row: it writes through this context, which
stamps every change with the run that made it, keeps the run's counts, clears a record's open
exception when the record goes through, and keeps the cursor in the caller's transaction.
A test can build a context by hand (every field past `run_id` has a default).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.orm import Session

from orderhub.clock import Clock, Sleep, SystemClock, utc_now
from orderhub.domain import FlowName, Integration, Outcome, RunCounts
from orderhub.engine.dry_run import PlannedChange
from orderhub.engine.hub_view import HubView
from orderhub.engine.lease import LeaseHandle
from orderhub.engine.open_exceptions import OpenExceptions
from orderhub.engine.priority import CallPriority, priority_of
from orderhub.engine.record_failures import FailureStreak
from orderhub.engine.reference_cache import ReferenceCache
from orderhub.redaction import redact
from orderhub.store import integrations as store_integrations
from orderhub.store import runs as store_runs
from orderhub.store import webhooks as store_webhooks
from orderhub.store.database import Database
from orderhub.store.records import (
    EntityKind,
    Origin,
    UpsertItem,
    UpsertResult,
    upsert_record,
    upsert_records,
)
from orderhub.store.timeline import add_timeline_note, add_timeline_notes

if TYPE_CHECKING:
    from orderhub.monitor.metrics import HubMetrics

__all__ = ["FlowContext", "ProgressCallback"]

ProgressCallback = Callable[[dict[str, Any]], None]


@dataclass(kw_only=True, eq=False)
class FlowContext:
    """One run of one flow of one integration. Mutable: the flow bumps `counts` and `api_calls`."""

    db: Database = field(repr=False)
    integration: Integration
    api_token: str = field(repr=False)
    """Decrypted, for the connector only: never log, print or store it."""
    flow: FlowName
    run_id: str
    trigger: str = "manual"
    """"schedule" | "manual" | "retry" | "webhook"."""
    started_at: datetime = field(default_factory=utc_now)
    clock: Clock = field(default_factory=SystemClock, repr=False)
    sleep: Sleep = field(default_factory=lambda: time.sleep, repr=False)
    cursor: dict[str, Any] | None = None
    """As saved by the last run that committed one; None -> start from `start_from`."""
    start_from: datetime | None = None
    """The integration's `enabledAt`, or the backfill `since` of `flows enable --since`."""
    retry_ext_ids: list[str] = field(default_factory=list)
    """External ids of this flow's open exceptions due for a retry (see engine/backoff.py):
    the flow fetches them again this run."""
    open_ext_ids: frozenset[str] = frozenset()
    """Every open exception of this flow, due or not: met on the flow's normal path and synced,
    its exception clears."""
    counts: RunCounts = field(default_factory=RunCounts)
    api_calls: int = 0
    rate_limit_wait_seconds: float = 0.0
    http: httpx.Client | None = field(default=None, repr=False)
    """An injected client (tests point it at the sandbox); None -> the connector builds its own."""
    on_progress: ProgressCallback | None = field(default=None, repr=False)
    lease: LeaseHandle | None = field(default=None, repr=False)
    stop_event: threading.Event = field(default_factory=threading.Event, repr=False)
    """Set by `FlowRunner.request_stop`."""
    external_stop: threading.Event | None = field(default=None, repr=False)
    """A stop signal owned by the caller (the scheduler's shutdown event)."""
    stopped_early: bool = field(default=False, init=False)
    """True once `should_stop()` answered yes: the flow may have left work for the next run."""
    share_call_budgets: bool = False
    """Other processes may call the same remote stores (workers, front ends on a shared
    database): a connector keeps each store's call budget in the database, not in this process."""
    dry_run: bool = False
    """Plan only: the flow writes nothing to the remote system and every unit of work rolls
    back (records, exceptions, cursor). What it would have done is in `planned`."""
    planned: list[PlannedChange] = field(default_factory=list, init=False)
    """The writes a dry run would have made, in order (`plan`; `upsert` adds its own)."""
    reference: ReferenceCache = field(default_factory=ReferenceCache, repr=False)
    """Reference data of the stores (statuses, option groups), shared by the runner's runs."""
    metrics: HubMetrics | None = field(default=None, repr=False)
    """This process's counters (`orderhub.monitor.metrics`): a connector counts its calls
    there; None: nothing is counted."""
    failures: FailureStreak = field(default_factory=FailureStreak, repr=False)
    """Whether a record's failure is the record's or the store's (engine/record_failures.py):
    a flow calls `failures.failed(key, error)` where one record's call failed, and
    `failures.succeeded()` where one went through."""
    budget_patience: float | None = None
    """Seconds this run may wait for its store's call budget before its first call; a longer
    wait gives its slot back (`BudgetBusy`, settled by the runner) instead of sleeping in it.
    None: wait as long as it takes (a person's Sync now, a retry, a test)."""
    _exceptions: OpenExceptions = field(init=False, repr=False)
    _touched: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self.flow = FlowName(self.flow)
        self._exceptions = OpenExceptions(
            self.integration_id, self.flow, {*self.retry_ext_ids, *self.open_ext_ids}
        )

    @property
    def integration_id(self) -> str:
        return self.integration.integration_id

    @property
    def call_priority(self) -> CallPriority:
        """This run's place in its store's call budget (engine/priority.py)."""
        return priority_of(self.flow)

    def first_call_patience(self) -> float | None:
        """`budget_patience` while the run has written nothing (a connector also asks it only
        before its first call); None once it has: from then on the run waits for its turn."""
        return None if self._touched else self.budget_patience

    @property
    def origin(self) -> Origin:
        """Who this run's writes are stamped with: its integration, run and flow."""
        return Origin(self.integration_id, run_id=self.run_id, flow=self.flow.value)

    @contextmanager
    def reading(self) -> Iterator[HubView]:
        """A read-only transaction over the hub (records, change feed, exceptions)."""
        with self.db.read_session() as session:
            yield HubView(session)

    def view(self, session: Session) -> HubView:
        """Reads inside a unit of work, seeing what it wrote so far."""
        return HubView(session)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: records, exceptions and the cursor of one page commit together.

        When the transaction rolls back, the created/updated/unchanged/failed counts it added
        are taken back too, so the run row counts only what is really in the hub. In a dry run
        the transaction always rolls back (the counts stay: they say what would have happened),
        so nothing a flow writes through the context can land. The run row's counts are kept
        in the same transaction, so a run killed later reports what it had committed.
        """
        before = self.counts.model_copy()
        self._touched = True
        try:
            if self.dry_run:
                with self._rolled_back_session() as session:
                    yield session
                return
            with self.db.session() as session:
                yield session
                store_runs.record_progress(
                    session, self.run_id, counts=self.counts, api_calls=self.api_calls
                )
        except BaseException:
            self.counts.created = before.created
            self.counts.updated = before.updated
            self.counts.unchanged = before.unchanged
            self.counts.failed = before.failed
            raise

    def upsert(
        self,
        session: Session,
        kind: EntityKind,
        *,
        ext_id: str,
        data: Mapping[str, Any],
        source_doc: Mapping[str, Any] | None,
        entity_type: str | None = None,
    ) -> UpsertResult:
        """Write one record stamped with this run, count it, and clear its open exception."""
        now = self.clock.now()
        result = upsert_record(
            session,
            kind,
            integration_id=self.integration_id,
            ext_id=ext_id,
            data=data,
            source_doc=source_doc,
            origin=self.origin,
            now=now,
        )
        self._count(result, entity_type or kind.value, ext_id)
        self._exceptions.resolve(session, entity_type or kind.value, [ext_id], now)
        return result

    def upsert_many(
        self,
        session: Session,
        kind: EntityKind,
        items: Sequence[UpsertItem],
        *,
        entity_type: str | None = None,
    ) -> list[UpsertResult]:
        """`upsert` for a page of records: a few statements for the page instead of per record.

        Counts, dry-run plans and results are in the order of `items`, as if each went
        through `upsert`; the open exceptions of the page are resolved in one statement.
        Every item must belong to this run's integration.
        """
        foreign = sorted(
            {str(i.integration_id) for i in items if i.integration_id != self.integration_id}
        )
        if foreign:
            raise ValueError(
                f"upsert_many writes records of {self.integration_id} only, not of {foreign}"
            )
        now = self.clock.now()
        results = upsert_records(
            session,
            kind,
            items,
            origin=self.origin,
            now=now,
        )
        entity = entity_type or kind.value
        for item, result in zip(items, results, strict=True):
            self._count(result, entity, item.ext_id)
        self._exceptions.resolve(session, entity, [item.ext_id for item in items], now)
        return results

    def keep_copy(
        self,
        session: Session,
        kind: EntityKind,
        *,
        ext_id: str,
        data: Mapping[str, Any],
        source_doc: Mapping[str, Any] | None,
    ) -> UpsertResult:
        """Keep this integration's copy of a remote record (a baseline), without counting it.

        A push flow that wrote a record keeps what the remote system now holds, so the next
        pull finds it unchanged; the copy is bookkeeping, not the run's work.
        """
        return upsert_record(
            session,
            kind,
            integration_id=self.integration_id,
            ext_id=ext_id,
            data=data,
            source_doc=source_doc,
            origin=self.origin,
            now=self.clock.now(),
        )

    def keep_copies(self, session: Session, kind: EntityKind, items: Sequence[UpsertItem]) -> None:
        """`keep_copy` for a page's copies, in a few statements (this integration's only)."""
        foreign = sorted(
            {str(i.integration_id) for i in items if i.integration_id != self.integration_id}
        )
        if foreign:
            raise ValueError(f"keep_copies keeps copies of {self.integration_id} only")
        upsert_records(session, kind, items, origin=self.origin, now=self.clock.now())

    def note(self, session: Session, kind: EntityKind, hub_id: str, note: str) -> None:
        """Add a line to a record's timeline, stamped with this run (not a change)."""
        add_timeline_note(
            session, kind, hub_id, note=note, origin=self.origin, now=self.clock.now()
        )

    def notes(self, session: Session, kind: EntityKind, notes: Sequence[tuple[str, str]]) -> None:
        """`note` for a page: `(hub_id, line)` pairs, in a couple of statements."""
        add_timeline_notes(session, kind, notes, origin=self.origin, now=self.clock.now())

    def webhooks_missed(self, session: Session, ext_ids: Sequence[str], *, since: datetime) -> None:
        """Tell the webhook health what a poll found changed, so missing webhooks show: the
        ids no webhook announced since `since` count toward "webhooks look broken"."""
        store_webhooks.check_poll(
            session, self.integration_id, self.flow, ext_ids, since=since, now=self.clock.now()
        )

    def plan(
        self,
        action: str,
        entity: str,
        ext_id: str,
        *,
        summary: str = "",
        data: Mapping[str, Any] | None = None,
    ) -> PlannedChange:
        """Note a write the run would make (a dry run's output) and tell the progress watcher.

        Flows call it in a dry run instead of writing to the remote system; the CLI prints each
        one as it arrives (`progress(planned=...)`).
        """
        change = PlannedChange(action, entity, ext_id, summary, dict(data or {}))
        self.planned.append(change)
        self.progress(planned=change)
        return change

    def resolve_record(self, session: Session, *, entity_type: str, ext_id: str) -> None:
        """Clear a record's open exception without an upsert (a push flow's write went through)."""
        self.resolve_records(session, entity_type=entity_type, ext_ids=[ext_id])

    def resolve_records(
        self, session: Session, *, entity_type: str, ext_ids: Sequence[str]
    ) -> None:
        """`resolve_record` for a page of records: one statement per 500, not one per record
        (a first push of 10,000 SKUs spent 8 of its 11 profiled seconds on one each)."""
        if not ext_ids:
            return
        self._exceptions.resolve_all(session, entity_type, ext_ids, self.clock.now())

    def fail_record(
        self,
        session: Session,
        *,
        entity_type: str,
        ext_id: str,
        exception_type: str,
        message: str,
        raw: Mapping[str, Any] | None,
    ) -> None:
        """Keep one bad record as an exception (retried next run) instead of failing the run.

        Use an `EntityKind` value as `entity_type` ("order", "product", …): open exceptions of
        those types come back in the next run's `retry_ext_ids`.
        """
        self._exceptions.open(
            session,
            entity_type=entity_type,
            ext_id=ext_id,
            exception_type=exception_type,
            message=redact(message, [self.api_token]),
            raw=dict(raw) if raw is not None else None,
            now=self.clock.now(),
        )
        self.counts.failed += 1

    def save_cursor(self, session: Session, cursor: dict[str, Any]) -> None:
        """Persist the cursor in `session`: it commits with the records it covers, or not at all."""
        store_integrations.save_cursor(session, self.integration_id, self.flow, cursor)

    def progress(self, **fields: Any) -> None:
        """Tell an optional watcher (the CLI progress bar) how far the run is."""
        if self.on_progress is not None:
            self.on_progress(dict(fields))

    def heartbeat(self) -> None:
        """Keep the lease alive; call it once per page. Raises `LeaseLost` if it expired."""
        if self.lease is not None:
            self.lease.renew()

    def should_stop(self) -> bool:
        """True when the process is stopping or the lease is gone: stop at this page boundary."""
        stop = (
            self.stop_event.is_set()
            or (self.external_stop is not None and self.external_stop.is_set())
            or (self.lease is not None and self.lease.lost)
        )
        if stop:
            self.stopped_early = True
        return stop

    @contextmanager
    def _rolled_back_session(self) -> Iterator[Session]:
        with Session(self.db.engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    def _count(self, result: UpsertResult, entity: str, ext_id: str) -> None:
        if result.outcome is Outcome.CREATED:
            self.counts.created += 1
        elif result.outcome is Outcome.UPDATED:
            self.counts.updated += 1
        else:
            self.counts.unchanged += 1
        if self.dry_run and result.outcome is not Outcome.UNCHANGED:
            verb = "create" if result.outcome is Outcome.CREATED else "update"
            self.plan(verb, entity, ext_id, summary=", ".join(result.changed_fields))
