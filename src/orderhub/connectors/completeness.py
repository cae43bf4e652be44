"""Completeness checks (`integrations verify`): what a connector's checks work with and find.

A connector that can prove its pull flows complete has `Connector.completeness`: per pull flow,
a check that lists the store cheaply and asks the hub (`HubHoldings`) what it holds of each
page. The checks only read and report `Gap`s; repairing them is the flows' own retry path
(`orderhub.services.verification`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from orderhub.domain.verification import format_utc_minute
from orderhub.errors import HubError

if TYPE_CHECKING:
    from orderhub.connectors.base import StoreAccess
    from orderhub.domain import FlowName
    from orderhub.store.entities import EntityKind
    from orderhub.store.record_versions import HeldVersion

__all__ = [
    "MAX_GAPS_KEPT",
    "CheckSession",
    "CheckStopped",
    "CheckWindow",
    "CompletenessSupport",
    "FlowCheck",
    "Gap",
    "GapKind",
    "HubHoldings",
]

MAX_GAPS_KEPT = 10_000
"""Gaps a check keeps in memory; beyond this it only counts them (a flow that never ran)."""
_MAX_LABEL = 120


GapKind = Literal["missing", "stale"]


class CheckStopped(HubError):
    """The process is stopping: the check ends at a page boundary, unfinished."""


class HubHoldings(Protocol):
    """The hub's side of a check: what it holds of a page of external ids."""

    def versions(
        self,
        kind: EntityKind,
        ext_ids: Sequence[str],
        *,
        source_time_paths: Sequence[tuple[str, ...]] = (),
    ) -> dict[str, HeldVersion]: ...

    def settings(self) -> Mapping[str, Any]:
        """The integration's settings, as its flows read them (a check must judge the store's
        records as the flow does: a record a setting tells the flow to leave is no gap)."""
        ...


@dataclass(frozen=True)
class CheckWindow:
    """Store records updated in `[since, until]` are checked (`since` None: every record)."""

    since: datetime | None
    until: datetime
    should_stop: Callable[[], bool] = lambda: False

    def stop_if_asked(self) -> None:
        if self.should_stop():
            raise CheckStopped("stopped before the end: OrderHub was stopping")


@dataclass(frozen=True)
class Gap:
    """One store record the hub lacks (`missing`) or holds an older version of (`stale`).

    `ext_id` is what the flow re-fetches by (the store's order or product id, a location's
    external id) and keys the exception; `record` is the hub record's own external id (a
    variant row is `15-19` while its product, re-fetched whole, is `15`); `label` names it in
    the merchant's words.
    """

    kind: GapKind
    entity_type: str
    ext_id: str
    record: str
    label: str
    seen_at: datetime | None = None
    held_at: datetime | None = None
    note: str = ""

    def describe(self, source: str = "the store") -> str:
        """`order 100234: missing (updated in <source> 2026-12-02 11:00 UTC)`, `source` being
        where the record was updated (the connector's display name)."""
        label = self.label if len(self.label) <= _MAX_LABEL else self.label[:_MAX_LABEL] + "…"
        facts: list[str] = []
        if self.seen_at is not None:
            facts.append(f"updated in {source} {format_utc_minute(self.seen_at)}")
        if self.held_at is not None:
            facts.append(f"the hub's copy is from {format_utc_minute(self.held_at)}")
        if self.note:
            facts.append(self.note)
        details = f" ({'; '.join(facts)})" if facts else ""
        return f"{label}: {self.kind}{details}"


@dataclass
class FlowCheck:
    """A check's findings: how many store records it compared, and the gaps among them."""

    checked: int = 0
    missing: int = 0
    stale: int = 0
    gaps: list[Gap] = field(default_factory=list)
    _records: set[str] = field(default_factory=set, repr=False)

    def add(self, gap: Gap) -> None:
        """Count a gap once per hub record, and keep it while there is room."""
        if gap.record in self._records:
            return
        self._records.add(gap.record)
        if gap.kind == "missing":
            self.missing += 1
        else:
            self.stale += 1
        if len(self.gaps) < MAX_GAPS_KEPT:
            self.gaps.append(gap)


class CheckSession(Protocol):
    """One verification's calls to a store: `check` a flow, and how many calls it took."""

    @property
    def calls(self) -> int: ...

    def check(self, flow: FlowName, holdings: HubHoldings, window: CheckWindow) -> FlowCheck: ...


class CompletenessSupport(ABC):
    """A connector's completeness checks, one per pull flow it can verify."""

    @property
    @abstractmethod
    def flows(self) -> frozenset[FlowName]:
        """The pull flows that have a check."""

    @property
    def reads_everything(self) -> frozenset[FlowName]:
        """Flows with no start time: they read the store whole on every run."""
        return frozenset()

    @abstractmethod
    def session(self, access: StoreAccess) -> AbstractContextManager[CheckSession]:
        """The store's calls for one verification, at the lowest priority of its budget."""
