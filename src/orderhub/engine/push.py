"""The change-feed push: hub changes made by anything but this integration, carried to a store.

A push flow declares and the kit runs it:

- `feed` (the change feed kind it reads), `entity_type` (its exceptions), `feed_page`;
- hooks: `connect` (the target for a run), `load` (the hub side of a page: the jobs to send,
  reads only), `write` (the remote side: send the jobs, note each outcome in the page's
  `PageResult`, never touching the hub), and optionally `keys_of` (which units a page of
  changes makes: hub ids by default), `pages` (a plan of its own, as inventory.push's full
  recompute), `settle` (more hub writes with a page's outcome: copies of what was written).

The kit owns the rest, once: the first position (the first change at or after the
integration's start), the feed read a page at a time without the integration's own changes,
the retry of this flow's open exceptions first, and one transaction per page that records
exceptions, resolutions, timeline notes, counts and the position together — only after the
page's writes, so a crash anywhere re-reads the page and (writes being idempotent) sends
nothing twice. The position never passes a change that may still be in flight (the store's one
settle rule). A feed with nothing new for the flow makes no call at all.

`FeedCursor.extra` holds what a flow keeps beside its position (`self.extra`, saved with every
page; `save_extra` saves it at once, before a write whose intent must survive a crash).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from orderhub.domain import FlowName, Integration, Outcome
from orderhub.engine.context import FlowContext
from orderhub.engine.cursors import FeedCursor
from orderhub.engine.hub_view import HubView
from orderhub.store.feed import Change
from orderhub.store.records import EntityKind

__all__ = ["FeedPage", "FeedPush", "Outcome", "PageResult"]


@dataclass
class FeedPage:
    """Units of work (hub ids, or SKUs) and the feed position to save once they are done.

    `seq` None leaves the position where it is (a retry page, the middle of a recompute).
    `fields` names, per unit, the fields the hub changed (for flows that send only those).
    """

    keys: list[str]
    seq: int | None
    fields: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class PageResult:
    """What one page did, by unit: written in one transaction with the page's position."""

    done: dict[str, Outcome] = field(default_factory=dict)
    """The outcome per unit that went through."""
    failed: dict[str, tuple[str, str, dict[str, Any] | None]] = field(default_factory=dict)
    """Exception type, message and the data kept with it, per unit that failed."""
    passed: list[str] = field(default_factory=list)
    """Units with nothing to do any more (not ours to push): an old exception goes away."""
    notes: dict[str, list[str]] = field(default_factory=dict)
    """Lines for a unit's timeline (what was written where; a conflict settled)."""

    def ok(self, key: str, outcome: Outcome, note: str = "") -> None:
        self.failed.pop(key, None)
        self.done[key] = outcome
        if note:
            self.notes.setdefault(key, []).append(note)

    def fail(self, key: str, kind: str, message: str, raw: dict[str, Any] | None) -> None:
        self.done.pop(key, None)
        self.failed[key] = (kind, message, raw)


T = TypeVar("T")
J = TypeVar("J")


class FeedPush(ABC, Generic[T, J]):
    """Base of a push flow: declare the feed and the hooks; `run` is the kit's."""

    name: FlowName
    feed: ClassVar[EntityKind]
    entity_type: ClassVar[str]
    feed_page: ClassVar[int] = 100
    supports_dry_run: ClassVar[bool] = True
    notes_on_feed_records: ClassVar[bool] = True
    """Units are hub ids of `feed` records, whose timelines get the outcome notes."""
    also_watches: ClassVar[tuple[tuple[EntityKind, bool], ...]] = ()
    """Other feed kinds whose changes may give this flow work, and whether the integration's
    own changes count."""

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx
        self.extra: dict[str, Any] = {}
        self.saved = FeedCursor(0)

    @classmethod
    def from_context(cls, ctx: FlowContext) -> FeedPush[T, J]:
        return cls(ctx)

    # --- before any run: is there work? ---------------------------------------------------

    @classmethod
    def feed_watches(cls) -> tuple[tuple[EntityKind, bool], ...]:
        """The feed kinds whose changes may make work, with "own changes count"."""
        return ((cls.feed, False), *cls.also_watches)

    @classmethod
    def has_work(
        cls,
        view: HubView,
        integration: Integration,
        cursor: Mapping[str, Any] | None,
        now: datetime,
    ) -> tuple[bool, int | None]:
        """Whether a scheduled run would find anything to do, asked before any run starts (no
        lease, no run row, no call); and if not, the position it may skip to: past changes it
        need not read (its own, or ones that change nothing for it), never past one in flight.
        """
        if not cursor:
            return True, None  # the first run keeps its first position
        seq = FeedCursor.from_json(cursor).seq
        own_id = integration.integration_id
        if view.has_changes_after(cls.feed, seq, exclude_integration=own_id):
            return True, None
        if cls.other_work(view, integration, cursor):
            return True, None
        return False, cls._skip_to(view, seq, now)

    @classmethod
    def other_work(cls, view: HubView, integration: Integration, cursor: Mapping[str, Any]) -> bool:
        """Work besides the feed's changes (inventory.push: rules that moved); none by default."""
        return False

    @classmethod
    def _skip_to(cls, view: HubView, seq: int, now: datetime) -> int:
        head = max(view.feed_head(kind) for kind, _own in cls.feed_watches())
        return view.settled(seq, head, now=now)

    # --- hooks ------------------------------------------------------------------------------

    @abstractmethod
    def connect(self, ctx: FlowContext) -> AbstractContextManager[T]:
        """The target for this run (a client on the store's call budget, say)."""

    @abstractmethod
    def load(self, view: HubView, page: FeedPage, result: PageResult) -> list[J]:
        """The hub side of a page: the jobs to send. A unit that cannot be sent goes to
        `result.fail`; one that is not this flow's to send goes to `result.passed`."""

    @abstractmethod
    def write(self, target: T, jobs: Sequence[J], result: PageResult) -> None:
        """Send the jobs; note every outcome in `result` (in a dry run: plan, do not send)."""

    def keys_of(self, view: HubView, changes: Sequence[Change]) -> FeedPage:
        """The units a page of changes makes (distinct hub ids in feed order by default)."""
        return FeedPage(list(dict.fromkeys(change.hub_id for change in changes)), None)

    def first_extra(self, view: HubView) -> dict[str, Any]:
        """What the first cursor keeps beside its position."""
        return {}

    def begin(self, view: HubView) -> None:
        """Hub reads made once per run before any page, retries included (rules, settings)."""

    def settle(self, session: Any, page: FeedPage, result: PageResult) -> None:
        """More hub writes in the page's transaction (copies of what was written)."""

    def pages(self) -> Iterator[FeedPage]:
        """The pages of this run: the feed after the saved position, a page at a time."""
        ctx = self.ctx
        read_after = self.saved.seq
        first = ctx.cursor is None
        while True:
            with ctx.reading() as view:
                changes = view.changes(
                    self.feed,
                    read_after,
                    exclude_integration=ctx.integration_id,
                    limit=self.feed_page,
                )
                if not changes:
                    # Nothing more for this flow: step past the feed's head (its own changes,
                    # which it never reads), so the next look starts there; never past a
                    # change in flight. A first run keeps its first position the same way.
                    head = view.settled(
                        self.saved.seq, view.feed_head(self.feed), now=ctx.clock.now()
                    )
                    if first or head > self.saved.seq:
                        yield FeedPage([], max(head, self.saved.seq))
                    return
                page = self.keys_of(view, changes)
                page.seq = view.settled(self.saved.seq, changes[-1].seq, now=ctx.clock.now())
            first = False
            yield page
            read_after = changes[-1].seq

    # --- the kit ----------------------------------------------------------------------------

    def run(self, ctx: FlowContext) -> None:
        self.saved = self._start()
        self.extra = dict(self.saved.extra)
        with self.connect(ctx) as target:
            if ctx.retry_ext_ids:
                self._push(target, self.retry_page(list(dict.fromkeys(ctx.retry_ext_ids))))
            for page in self.pages():
                self._push(target, page)
                ctx.heartbeat()
                if ctx.should_stop():
                    return

    def retry_page(self, keys: list[str]) -> FeedPage:
        """This flow's open exceptions due for a retry, as a page that moves no position."""
        return FeedPage(keys, None)

    def save_extra(self) -> None:
        """Save `extra` with the current position now, in a transaction of its own."""
        with self.ctx.unit_of_work() as session:
            self.saved = FeedCursor(self.saved.seq, dict(self.extra))
            self.ctx.save_cursor(session, self.saved.to_json())

    def _start(self) -> FeedCursor:
        ctx = self.ctx
        with ctx.reading() as view:
            self.begin(view)
            if ctx.cursor:
                return FeedCursor.from_json(ctx.cursor)
            if ctx.start_from is None:
                raise RuntimeError("the integration has no enabled-at time; connect it first")
            position = view.feed_position_at(self.feed, ctx.start_from)
            return FeedCursor(position, self.first_extra(view))

    def _push(self, target: T, page: FeedPage) -> None:
        """Load, write, then record the outcomes and the position in one transaction."""
        ctx = self.ctx
        result = PageResult()
        jobs: list[J] = []
        if page.keys:
            with ctx.reading() as view:
                jobs = self.load(view, page, result)
        ctx.counts.fetched += len(page.keys) - len(result.passed)
        if jobs:
            self.write(target, jobs, result)
        with ctx.unit_of_work() as session:
            for key, (kind, message, raw) in result.failed.items():
                if ctx.dry_run:
                    ctx.plan("fail", self.entity_type, key, summary=message)
                ctx.fail_record(
                    session,
                    entity_type=self.entity_type,
                    ext_id=key,
                    exception_type=kind,
                    message=message,
                    raw=raw,
                )
            for outcome in result.done.values():
                setattr(ctx.counts, outcome, getattr(ctx.counts, outcome) + 1)
            if self.notes_on_feed_records:
                lines = [(key, line) for key, notes in result.notes.items() for line in notes]
                ctx.notes(session, self.feed, lines)
            # Units that went through, or are not this flow's any more: their open exceptions
            # close in one statement for the page.
            settled = [*result.done, *result.passed]
            ctx.resolve_records(session, entity_type=self.entity_type, ext_ids=settled)
            self.settle(session, page, result)
            seq = page.seq if page.seq is not None else self.saved.seq
            cursor = FeedCursor(seq, dict(self.extra))
            if page.seq is not None or cursor != self.saved:
                ctx.save_cursor(session, cursor.to_json())
                self.saved = cursor
        ctx.progress(
            fetched=ctx.counts.fetched,
            created=ctx.counts.created,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )
