"""The incremental pull: records a source changed since the flow's cursor, brought into the hub.

A pull flow declares and the kit runs it (as singer-sdk's streams declare and the SDK loops):

- `streams`: the lists it walks by `updated_at`. The first holds the flow's own records
  (orders, products); any other holds rows that point at them (a variant row whose product
  must be read again, a shipment whose order changed): `Stream.leads_to` names those records.
- `entity`, `entity_type`, `overlap`, and the hooks: `connect` (the source for a run),
  `prepare` (reads once per run), `enrich` (reads once per page), `records` (the pure mapping
  of one source record to hub records) and `finish` (chores such as a deletion sweep).

The kit owns the rest, written once: where each stream starts (the saved cursor, else the
integration's start), the page loop with one page fetched ahead, the cursor saved in the
transaction of the records it covers, heartbeat and stop at page boundaries, progress, the
retry of this flow's open exceptions, and the rule that no record blocks the flow:

- a record that cannot be mapped becomes its exception and the page goes on;
- a record that maps to no hub record (`records` returns none: the flow's settings leave it
  out) counts as unchanged — read, and nothing in the hub moved — and clears its open
  exception, if it had one;
- a page the source fails to give (after the client's retries) is taken apart: its rows are
  listed by id alone, the records fetched in halves down to the one that fails, which becomes
  an exception ("could not be read", fetched again by id on a later run), and the walk goes
  on strictly after that page. Only a store-wide failure, or several different records
  failing in a row (`record_failures`), fails the run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar

from orderhub.domain import FlowName, Outcome
from orderhub.engine.context import FlowContext
from orderhub.engine.cursors import PullCursor, UpdatedCursor
from orderhub.engine.prefetch import Prefetch
from orderhub.engine.pull_source import PulledRecord, PullSource, Raw, Stream
from orderhub.engine.record_failures import failure_scope
from orderhub.store.records import EntityKind, UpsertItem

__all__ = ["UNREADABLE", "IncrementalPull"]

UNREADABLE = "unreadable"
"""Exception type of a record the source failed to give."""
WEBHOOK_WINDOW = timedelta(minutes=30)
"""A change found by a run counts as announced if a webhook named it this long before."""


S = TypeVar("S", bound=PullSource)


@dataclass
class _Page:
    """One page as the fetching side leaves it: records ready to store, or ids to take apart."""

    position: UpdatedCursor
    raws: Sequence[Raw] = ()
    enrichment: Any = None
    broken: BaseException | None = None
    ids: list[str] = field(default_factory=list)


class IncrementalPull(ABC, Generic[S]):
    """Base of a pull flow: declare the streams and the hooks; `run` is the kit's."""

    name: FlowName
    entity: ClassVar[EntityKind]
    entity_type: ClassVar[str]
    streams: ClassVar[tuple[Stream, ...]]
    overlap: ClassVar[timedelta] = timedelta(seconds=60)
    """Re-read this much before each position: a write can reach a list a little after its
    `updated_at`, and an unchanged re-read costs no database write."""
    fetch_chunk: ClassVar[int] = 100

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx
        self._read: set[str] = set()
        """External ids of the records this run has read (a row walk skips them)."""
        self._last_saved: PullCursor | None = None
        self._changed: list[str] = []
        """External ids of records this run created or changed in the hub."""

    @classmethod
    def from_context(cls, ctx: FlowContext) -> IncrementalPull[S]:
        return cls(ctx)

    # --- hooks ------------------------------------------------------------------------------

    @abstractmethod
    def connect(self, ctx: FlowContext) -> AbstractContextManager[S]:
        """The source for this run (a client on the store's call budget, say)."""

    def prepare(self, source: S) -> None:
        """Reads made once per run before any page (statuses, catalogs)."""

    def enrich(self, source: S, raws: Sequence[Raw]) -> Any:
        """Reads made once per page for all its records (addresses, customers)."""
        return None

    @abstractmethod
    def records(self, raw: Raw, enrichment: Any) -> list[PulledRecord]:
        """The hub records one source record makes. Raise an error whose `failure_scope` is
        `"record"` (with an `exception_type`) when it cannot be mapped."""

    def stale_records(self, stream: Stream, rows: Sequence[Raw]) -> list[str]:
        """The flow's records to read again for a page of rows pointing at them: all of them
        (`stream.leads_to`), unless a flow can tell which the hub already holds as they are."""
        assert stream.leads_to is not None
        return stream.leads_to(rows)

    def read_again(self, ext_ids: Sequence[str]) -> None:
        """Let a row walk read these records although this run read them already (a flow that
        took one as the hub holds it, without all its reads, finds it stale after all)."""
        self._read.difference_update(ext_ids)

    def ext_id(self, raw: Raw) -> str:
        """The external id this flow's exceptions and retries use for a source record."""
        return str(raw.get("id"))

    def finish(self, source: S, cursor: PullCursor) -> PullCursor:
        """Chores after the walks (a deletion sweep); return the cursor to keep. A chore that
        writes records saves the cursor with them (`save_cursor`)."""
        return cursor

    # --- the kit ----------------------------------------------------------------------------

    def run(self, ctx: FlowContext) -> None:
        with self.connect(ctx) as source:
            cursor = self._saved()
            self.prepare(source)
            if ctx.retry_ext_ids:
                self._retry(source, ctx.retry_ext_ids)
            for stream in self.streams:
                cursor = self._walk(source, stream, cursor)
                if ctx.stopped_early:
                    return
            finished = self.finish(source, cursor)
            with ctx.unit_of_work() as session:
                if finished != self._last_saved:
                    self.save_cursor(session, finished)
                # A change a poll finds that no webhook announced counts against the webhooks.
                since = ctx.started_at - WEBHOOK_WINDOW
                ctx.webhooks_missed(session, self._changed, since=since)

    def save_cursor(self, session: Any, cursor: PullCursor) -> None:
        """Keep `cursor` in the unit of work `session` (with the records it covers); the
        cursor saved last costs no statement."""
        if cursor == self._last_saved:
            return
        self.ctx.save_cursor(session, cursor.to_json())
        self._last_saved = cursor

    def _saved(self) -> PullCursor:
        ctx = self.ctx
        if ctx.cursor:
            self._last_saved = PullCursor.from_json(ctx.cursor, primary=self.streams[0].name)
            return self._last_saved
        if ctx.start_from is None:
            raise RuntimeError("the integration has no enabled-at time; connect it first")
        self._last_saved = PullCursor()  # nothing read yet: nothing worth saving
        return self._last_saved

    def _start_of(self, stream: Stream, cursor: PullCursor) -> UpdatedCursor:
        """A stream's position; one the cursor does not know yet (a stream added in a newer
        version) starts where the flow's own records stand, else at the integration's start."""
        primary = self.streams[0].name
        if stream.name in cursor.positions:
            return cursor.positions[stream.name]
        if primary in cursor.positions:
            return cursor.positions[primary]
        start = self.ctx.start_from or self.ctx.started_at
        return UpdatedCursor(start, 0)

    def _walk(self, source: S, stream: Stream, cursor: PullCursor) -> PullCursor:
        """Every page of one stream from its position; a page that fails is taken apart."""
        pages = self._pages(source, stream, self._start_of(stream, cursor))
        with Prefetch(pages) as ahead:
            for page in ahead:
                held = cursor.positions.get(stream.name, page.position)
                cursor = cursor.moved(stream.name, max(page.position, held))  # never backwards
                if page.broken is None:
                    self._store(page.raws, page.enrichment, cursor)
                else:
                    self._take_apart(source, page, cursor)
                self.ctx.heartbeat()
                if self.ctx.should_stop():
                    break
        return cursor

    def _pages(self, source: S, stream: Stream, start: UpdatedCursor) -> Iterator[_Page]:
        """The fetching side (one page ahead, in a thread): pages ready to store."""
        position, exclusive = start, False
        while True:
            walk = source.walk(
                stream,
                position,
                until=self.ctx.started_at,
                overlap=self.overlap,
                exclusive=exclusive,
            )
            try:
                for rows, position in walk:
                    yield self._fetched(source, stream, rows, position)
                return
            except Exception as error:
                if failure_scope(error) not in ("transient", "record"):
                    raise
                try:  # the page by id alone; if even that fails, the store is down
                    rows, after = source.keys_after(stream, stream.page_size)
                except Exception:
                    raise error from None
                if not rows:
                    raise
                yield _Page(after, broken=error, ids=self._ids_of(stream, rows))
                position, exclusive = after, True  # go on strictly after the broken page

    def _fetched(
        self, source: S, stream: Stream, rows: Sequence[Raw], position: UpdatedCursor
    ) -> _Page:
        ids = self._ids_of(stream, rows)
        page = _Page(position, ids=ids)
        try:
            if stream.leads_to is None:
                page.raws = rows
            else:
                page.raws = self._fetch(source, [i for i in ids if i not in self._read])
            page.enrichment = self.enrich(source, page.raws)
        except Exception as error:
            if failure_scope(error) not in ("transient", "record"):
                raise
            page.broken = error
        return page

    def _ids_of(self, stream: Stream, rows: Sequence[Raw]) -> list[str]:
        if stream.leads_to is None:
            return [self.ext_id(r) for r in rows if r.get("id") is not None]
        return list(dict.fromkeys(self.stale_records(stream, rows)))

    def _fetch(self, source: S, ids: Sequence[str]) -> list[Raw]:
        found: list[Raw] = []
        for start in range(0, len(ids), self.fetch_chunk):
            found.extend(source.fetch(ids[start : start + self.fetch_chunk]))
        return found

    # --- taking a page apart, retries -------------------------------------------------------

    def _take_apart(self, source: S, page: _Page, cursor: PullCursor) -> None:
        """Read a broken page's records in halves; the ones that still fail become exceptions,
        committed with the cursor that moves past them."""
        failed = self._read_in_halves(source, [i for i in page.ids if i not in self._read])
        with self.ctx.unit_of_work() as session:
            self._fail_unreadable(session, failed)
            self.save_cursor(session, cursor)

    def _retry(self, source: S, ext_ids: Sequence[str]) -> None:
        """This flow's open exceptions due for a retry: read again by id; gone ones resolve."""
        wanted = list(dict.fromkeys(ext_ids))
        failed = self._read_in_halves(source, wanted)
        gone = [i for i in wanted if i not in self._read and i not in failed]
        with self.ctx.unit_of_work() as session:
            self._fail_unreadable(session, failed)
            for ext_id in gone:  # deleted in the store since: nothing left to fix
                self.ctx.resolve_record(session, entity_type=self.entity_type, ext_id=ext_id)

    def _read_in_halves(self, source: S, ids: list[str]) -> dict[str, BaseException]:
        """Fetch, enrich and store `ids`, halving around failures; the ids that still fail."""
        if not ids:
            return {}
        try:
            raws = self._fetch(source, ids)
            enrichment = self.enrich(source, raws)
        except Exception as error:
            if failure_scope(error) not in ("transient", "record"):
                raise
            if len(ids) == 1:
                self.ctx.failures.failed(ids[0], error)  # raises if the store itself is down
                return {ids[0]: error}
            middle = len(ids) // 2
            return {
                **self._read_in_halves(source, ids[:middle]),
                **self._read_in_halves(source, ids[middle:]),
            }
        self.ctx.failures.succeeded()
        self._store(raws, enrichment, None)
        return {}

    def _fail_unreadable(self, session: Any, failed: Mapping[str, BaseException]) -> None:
        for ext_id, error in failed.items():
            self._read.add(ext_id)
            self.ctx.fail_record(
                session,
                entity_type=self.entity_type,
                ext_id=ext_id,
                exception_type=UNREADABLE,
                message=f"The store failed to give this record ({error}); it is read again later",
                raw={"id": ext_id},
            )

    # --- storing ----------------------------------------------------------------------------

    def _store(self, raws: Sequence[Raw], enrichment: Any, cursor: PullCursor | None) -> None:
        """Map a page, keep the bad records as exceptions, upsert the rest with the cursor."""
        ctx = self.ctx
        if not raws and (cursor is None or cursor == self._last_saved):
            return  # nothing to store and the cursor stays: no transaction (a quiet page)
        ctx.counts.fetched += len(raws)
        with ctx.unit_of_work() as session:
            items: list[UpsertItem] = []
            source_of: list[str] = []
            left_out: list[str] = []
            for raw in raws:
                ext_id = self.ext_id(raw) if isinstance(raw, Mapping) else "?"
                first_read = ext_id not in self._read
                self._read.add(ext_id)
                try:
                    made = self.records(raw, enrichment)
                except Exception as problem:
                    if failure_scope(problem) != "record":
                        raise
                    if first_read:  # read twice in one run (a row walk): one exception
                        ctx.fail_record(
                            session,
                            entity_type=self.entity_type,
                            ext_id=ext_id,
                            exception_type=str(getattr(problem, "exception_type", "invalid")),
                            message=str(problem),
                            raw=dict(raw) if isinstance(raw, Mapping) else {"value": repr(raw)},
                        )
                    continue
                if not made:
                    left_out.append(ext_id)
                items.extend(
                    UpsertItem(ctx.integration_id, r.ext_id, r.data, r.source_doc) for r in made
                )
                source_of.extend(ext_id for _ in made)
            results = ctx.upsert_many(session, self.entity, items, entity_type=self.entity_type)
            if left_out:
                ctx.counts.unchanged += len(left_out)
                ctx.resolve_records(session, entity_type=self.entity_type, ext_ids=left_out)
            changed = {
                e
                for e, r in zip(source_of, results, strict=True)
                if r.outcome is not Outcome.UNCHANGED
            }
            if cursor is not None:
                self.save_cursor(session, cursor)
        self._changed.extend(sorted(changed))
        ctx.progress(
            fetched=ctx.counts.fetched,
            created=ctx.counts.created,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )
