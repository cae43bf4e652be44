"""What a flow may read of the hub, over one transaction: records, the change feed, exceptions.

Flows never import `orderhub.store`: they read through a `HubView` the context hands them
(`ctx.reading()` for a read-only transaction, `ctx.view(session)` inside a unit of work) and
write through the context itself (`ctx.upsert`, `ctx.keep_copy`, `ctx.note`, `ctx.fail_record`,
`ctx.save_cursor`). The types a flow handles (`EntityKind`, `StoredRecord`, `UpsertItem`,
`Change`) are re-exported from `orderhub.engine`.

Reads come a page at a time (`records`, `records_with_skus`): a flow asks for the records of a
page of changes in one query, not one query per change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orderhub.domain import ExceptionStatus, FlowName
from orderhub.domain.shipping_method import ShippingMethodMapping
from orderhub.store import exceptions as store_exceptions
from orderhub.store import feed as store_feed
from orderhub.store import records as store_records
from orderhub.store import shipping_methods as store_shipping_methods
from orderhub.store.feed import Change
from orderhub.store.records import EntityKind, StoredRecord

__all__ = ["HubView"]

_MANY = 10_000_000


@dataclass(frozen=True)
class HubView:
    """Reads over the caller's transaction (never commits)."""

    session: Session

    # --- records ---------------------------------------------------------------------------

    def record(self, kind: EntityKind, hub_id: str) -> StoredRecord | None:
        return store_records.get_record(self.session, kind, hub_id)

    def records(self, kind: EntityKind, hub_ids: Sequence[str]) -> dict[str, StoredRecord]:
        """The records with these hub ids that exist, by hub id (one query per 500 ids)."""
        return {r.hub_id: r for r in store_records.get_records(self.session, kind, hub_ids)}

    def record_by_ext(
        self, kind: EntityKind, integration_id: str | None, ext_id: str
    ) -> StoredRecord | None:
        """The record an integration (None: the hub itself) holds under its external id."""
        return store_records.get_record_by_ext(self.session, kind, integration_id, ext_id)

    def records_by_ext(
        self, kind: EntityKind, integration_id: str | None, ext_ids: Sequence[str]
    ) -> dict[str, StoredRecord]:
        """The records an integration holds under these external ids, by external id."""
        found = store_records.records_by_ext(self.session, kind, integration_id, ext_ids)
        return {record.ext_id: record for record in found}

    def held_by(self, kind: EntityKind, integration_id: str) -> list[StoredRecord]:
        """Every record of `kind` an integration brought, oldest first."""
        return store_records.list_records(
            self.session, kind, integration_id=integration_id, limit=_MANY, newest_first=False
        )

    def all_records(self, kind: EntityKind) -> list[StoredRecord]:
        """Every record of `kind`, whoever brought it, oldest first."""
        return store_records.list_records(self.session, kind, limit=_MANY, newest_first=False)

    def records_with_skus(
        self, kind: EntityKind, skus: Iterable[str]
    ) -> dict[str, list[StoredRecord]]:
        """Records of `kind` by SKU, for the SKUs that have any (one query per 500 SKUs)."""
        found: dict[str, list[StoredRecord]] = {}
        for record in store_records.records_with_skus(self.session, kind, list(skus)):
            sku = record.data.get("sku")
            if isinstance(sku, str):
                found.setdefault(sku, []).append(record)
        return found

    def skus(self, kind: EntityKind, hub_ids: Sequence[str]) -> dict[str, str]:
        """The SKU of each of these records that has one, by hub id (no document read)."""
        return store_records.skus_of(self.session, kind, hub_ids)

    def all_skus(self, kind: EntityKind) -> set[str]:
        """Every SKU the records of `kind` carry, whoever brought them (no document read)."""
        return store_records.all_skus(self.session, kind)

    def sku_holders(self, kind: EntityKind, skus: Sequence[str]) -> dict[str, set[str | None]]:
        """Which integrations (None: the hub itself) hold a record of `kind` with each SKU."""
        return store_records.holders_of_skus(self.session, kind, skus)

    # --- the change feed -------------------------------------------------------------------

    def changes(
        self, kind: EntityKind, after_seq: int, *, exclude_integration: str, limit: int
    ) -> list[Change]:
        """Changes of `kind` after `after_seq` not made by `exclude_integration`, oldest first."""
        return store_feed.changes_since(
            self.session, kind, after_seq, exclude_integration=exclude_integration, limit=limit
        )

    def changed_fields(self, kind: EntityKind, changes: Sequence[Change]) -> dict[int, set[str]]:
        """The fields each change touched, by seq."""
        fields = store_feed.changed_fields_of(self.session, kind, changes)
        return {seq: set(names) for seq, names in fields.items()}

    def feed_head(self, kind: EntityKind) -> int:
        """The newest seq of `kind` in the feed (0 for none)."""
        return store_feed.feed_head(self.session, kind)

    def has_changes_after(
        self, kind: EntityKind, after_seq: int, *, exclude_integration: str | None
    ) -> bool:
        """Whether a change of `kind` waits after `after_seq` (not by that integration)."""
        return store_feed.has_changes_after(
            self.session, kind, after_seq, exclude_integration=exclude_integration
        )

    def feed_position_at(self, kind: EntityKind, at: datetime) -> int:
        """The position from which the feed lists the changes of `kind` made at or after `at`."""
        return store_feed.feed_position_at(self.session, kind, at)

    def settled(self, after_seq: int, upto_seq: int, *, now: datetime) -> int:
        """How far a reader may save its position (the store's one settle rule)."""
        return store_feed.settled_seq(self.session, after_seq, upto_seq, now=now)

    # --- exceptions ------------------------------------------------------------------------

    def open_exception_data(
        self, integration_id: str, flow: FlowName, ext_ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """What was kept with each open exception of these records (its `raw`), by ext id."""
        wanted = set(ext_ids)
        found = store_exceptions.list_exceptions(
            self.session,
            status=ExceptionStatus.OPEN,
            integration_id=integration_id,
            flow=flow,
            limit=len(wanted) * 2 + 100,
        )
        return {e.ext_entity_id: dict(e.raw or {}) for e in found if e.ext_entity_id in wanted}

    # --- integration settings kept in their own tables --------------------------------------

    def shipping_method_mappings(self, integration_id: str) -> list[ShippingMethodMapping]:
        """The merchant's carrier → shipping method mappings for this integration."""
        return store_shipping_methods.list_mappings(self.session, integration_id)
