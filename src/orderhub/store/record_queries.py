"""The one way to list records: a `RecordFilter` answered by one SELECT.

The REST API, the portal and the CLI all list records with the same filter type: kind,
integration, statuses, external reference, SKU, a search box, a time window and a sort. A
page and the total matching the filter come back from one statement (the total is a scalar
subquery beside the page's columns), rows become records straight from their columns (no
per-row lookups), and lists leave out the source document, which can be large and which no
list shows. The portal's variants under their parent products are one batched query.

All functions take the caller's session and only read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from orderhub.store.dialect import in_chunks, utc
from orderhub.store.entities import EntityKind
from orderhub.store.record_sorts import NEWEST_FIRST, RecordSort, ordering
from orderhub.store.stored import (
    LIST_COLUMNS,
    RECORD_COLUMNS,
    StoredRecord,
    owner_key,
    stored_record,
)
from orderhub.store.tables import RecordRow

__all__ = [
    "NEWEST_FIRST",
    "RecordFilter",
    "RecordPage",
    "RecordSort",
    "UpdatedWindow",
    "available_by_sku",
    "count_records",
    "find_by_ext",
    "find_records",
    "fulfillments_of_order",
    "list_records",
    "variants_of",
]


@dataclass(frozen=True)
class UpdatedWindow:
    """Records updated in `[since, until]` (or `[since, until)` with `until_inclusive=False`).

    `by_source_time` compares the source's own update time (`extOrderUpdatedAt`, …) where the
    record has one, and the hub's otherwise: what a person browsing means by "updated on";
    the API compares the hub's time, which is what `updatedSince` polling needs.
    """

    since: datetime | None = None
    until: datetime | None = None
    until_inclusive: bool = True
    by_source_time: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        moment: Any = (
            func.coalesce(RecordRow.ext_updated_at, RecordRow.updated_at)
            if self.by_source_time
            else RecordRow.updated_at
        )
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(moment >= utc(self.since))
        if self.until is not None:
            until = utc(self.until)
            found.append(moment <= until if self.until_inclusive else moment < until)
        return found


@dataclass(frozen=True)
class RecordFilter:
    """Which records of one kind a list shows. Unset fields do not filter."""

    kind: EntityKind
    integration: str | None = None
    """Only this integration's records (the hub's own records have none)."""
    statuses: Sequence[str] = ()
    """Any of these statuses."""
    ext_ref: str | None = None
    """The kind's external reference exactly (`extOrderId`, `extProductId`, …)."""
    sku: str | None = None
    search: str | None = None
    """A prefix of the external reference or SKU, or an exact external or hub id."""
    window: UpdatedWindow = field(default_factory=UpdatedWindow)
    top_level_only: bool = False
    """Leave out variants (products with a `parentExtProductId`)."""
    hub_view: bool = False
    """One record per SKU the hub holds itself: leave out an integration's copy of a SKU the
    hub has its own record of (a pulled product repriced in the hub is both; the hub's
    record is what products.push sends, so it is the product)."""

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [RecordRow.kind == self.kind.value]
        if self.integration is not None:
            found.append(RecordRow.integration_id == self.integration)
        if len(self.statuses) == 1:
            found.append(RecordRow.status == self.statuses[0])
        elif self.statuses:
            found.append(RecordRow.status.in_(list(self.statuses)))
        if self.ext_ref is not None:
            found.append(RecordRow.ext_ref == self.ext_ref)
        if self.sku is not None:
            found.append(RecordRow.sku == self.sku)
        if self.search and self.search.strip():
            found.append(_search(self.search.strip()))
        found.extend(self.window.conditions())
        if self.top_level_only:
            parent = RecordRow.data["parentExtProductId"].as_string()
            found.append(or_(parent.is_(None), parent == ""))
        if self.hub_view:
            own = aliased(RecordRow)
            held_by_hub = exists().where(
                own.kind == RecordRow.kind,
                own.sku == RecordRow.sku,
                own.integration_id == owner_key(None),
            )
            found.append(or_(RecordRow.integration_id == owner_key(None), ~held_by_hub))
        return found


@dataclass(frozen=True)
class RecordPage:
    records: list[StoredRecord]
    total: int


def find_records(
    session: Session,
    where: RecordFilter,
    *,
    skip: int = 0,
    count: int | None = 100,
    sort: RecordSort = NEWEST_FIRST,
) -> RecordPage:
    """One page of the records matching `where` (`count=None`: all of them) and how many
    match, in one SELECT: the total rides on every row as a scalar subquery.

    Only an empty page past the end (no row to carry the total) costs a second, counting
    query.
    Listed records leave out the source document.
    """
    conditions = where.conditions()
    order_by = ordering(sort)
    total = select(func.count()).select_from(RecordRow).where(*conditions).scalar_subquery()
    # A deferred join: the page is chosen on the narrow query columns, and only its rows'
    # documents are read. Sorting whole rows instead drags every matching document through
    # the sorter wherever the index does not give the full order (SQLite sorts each run of
    # equal `updated_at` by hub id, and a pull writes a page of orders with one timestamp).
    page = select(RecordRow.hub_id).where(*conditions).order_by(*order_by)
    query = (
        select(*LIST_COLUMNS, total.label("total"))
        .where(RecordRow.hub_id.in_(page.limit(count).offset(skip)))
        .order_by(*order_by)
    )
    rows = session.execute(query).all()
    if rows:
        return RecordPage([stored_record(row) for row in rows], int(rows[0].total))
    past_the_end = skip > 0 or count == 0
    return RecordPage([], count_records(session, where) if past_the_end else 0)


def count_records(session: Session, where: RecordFilter) -> int:
    query = select(func.count()).select_from(RecordRow).where(*where.conditions())
    return session.scalar(query) or 0


def list_records(
    session: Session,
    where: RecordFilter,
    *,
    skip: int = 0,
    limit: int | None = 100,
    sort: RecordSort = NEWEST_FIRST,
) -> list[StoredRecord]:
    """The records matching `where`, with their source documents, without a total."""
    query = select(*RECORD_COLUMNS).where(*where.conditions()).order_by(*ordering(sort))
    return [stored_record(row) for row in session.execute(query.limit(limit).offset(skip))]


def find_by_ext(
    session: Session,
    kind: EntityKind,
    ext_id: str,
    *,
    integration: str | None,
    source_id_only: bool = False,
) -> list[StoredRecord]:
    """Records found by an external id (at most two: enough to tell a unique match).

    `ext:<id>` looks at the kind's `ext<Kind>Id` field (an order's number, `#1001`) and, if
    none matches, at the id the source system gave the record (`api:<id>` looks only there).
    Without `integration`, every integration's records and the hub's own are searched.
    The records come without their source documents.
    """
    scope: list[ColumnElement[bool]] = [RecordRow.kind == kind.value]
    if integration is not None:
        scope.append(RecordRow.integration_id == integration)
    columns = [RecordRow.ext_id] if source_id_only else [RecordRow.ext_ref, RecordRow.ext_id]
    for column in columns:
        rows = session.execute(
            select(*LIST_COLUMNS)
            .where(*scope, column == ext_id)
            .order_by(RecordRow.created_at, RecordRow.hub_id)
            .limit(2)
        ).all()
        if rows:
            return [stored_record(row) for row in rows]
    return []


def variants_of(
    session: Session, products: Sequence[StoredRecord], *, limit: int = 500
) -> dict[str, list[StoredRecord]]:
    """The child SKUs of each parent product, by the parent's hub id, in one query.

    A variant belongs to the parent of the same integration whose `extProductId` is its
    `parentExtProductId`; each parent gets at most `limit`, by SKU.
    """
    parents = {
        (owner_key(product.integration_id), str(product.data["extProductId"])): product
        for product in products
        if product.data.get("extProductId")
    }
    found: dict[str, list[StoredRecord]] = {product.hub_id: [] for product in products}
    if not parents:
        return found
    parent_ref = RecordRow.data["parentExtProductId"].as_string()
    rows = session.execute(
        select(*LIST_COLUMNS, parent_ref.label("parent_ref"))
        .where(
            RecordRow.kind == EntityKind.PRODUCT.value,
            RecordRow.integration_id.in_(sorted({key[0] for key in parents})),
            parent_ref.in_(sorted({key[1] for key in parents})),
        )
        .order_by(RecordRow.sku, RecordRow.hub_id)
    )
    for row in rows:
        parent = parents.get((row.integration_id, row.parent_ref))
        if parent is not None and len(found[parent.hub_id]) < limit:
            found[parent.hub_id].append(stored_record(row))
    return found


def available_by_sku(session: Session, skus: Sequence[str]) -> dict[str, int]:
    """The hub's stock available of each SKU, summed over its locations, in one query (per
    500 SKUs); a SKU without inventory records is left out."""
    available = RecordRow.data["available"].as_integer()
    found: dict[str, int] = {}
    for chunk in in_chunks(sorted(set(skus))):
        rows = session.execute(
            select(RecordRow.sku, func.sum(func.coalesce(available, 0)))
            .where(
                and_(
                    RecordRow.kind == EntityKind.INVENTORY.value,
                    RecordRow.integration_id == owner_key(None),
                    RecordRow.sku.in_(chunk),
                )
            )
            .group_by(RecordRow.sku)
        )
        found.update((str(sku), int(total or 0)) for sku, total in rows)
    return found


def fulfillments_of_order(session: Session, order_id: str) -> list[StoredRecord]:
    """The hub's fulfillments of one order (by the order's hub id), oldest first, without
    source documents."""
    rows = session.execute(
        select(*LIST_COLUMNS)
        .where(
            RecordRow.kind == EntityKind.FULFILLMENT.value,
            RecordRow.data["orderId"].as_string() == order_id,
        )
        .order_by(RecordRow.created_at, RecordRow.hub_id)
    )
    return [stored_record(row) for row in rows]


def _search(text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        RecordRow.ext_ref.like(f"{escaped}%", escape="\\"),
        RecordRow.sku.like(f"{escaped}%", escape="\\"),
        RecordRow.ext_id == text,
        RecordRow.hub_id == text,
    )
