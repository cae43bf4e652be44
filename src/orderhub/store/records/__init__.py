"""Canonical records of every kind: reads (`reads`) and idempotent upserts (`upsert`).

A record is the canonical wire dict of an order, product, inventory row, location or
fulfillment (`Order(...).to_wire()`), stored as JSON next to a few indexed query columns. It
is keyed by `(kind, integration_id, ext_id)`: the integration that brought it and its id
there; hub-native records (made through the API or CLI) have no integration (`None`; see
`orderhub.store.stored.owner_key`). The change feed and record timelines that every write
appends to are `orderhub.store.feed`.

All functions take the caller's session and never commit.
"""

from orderhub.store.entities import EntityKind, Origin
from orderhub.store.records.reads import (
    all_skus,
    count_records,
    get_record,
    get_record_by_ext,
    get_records,
    holders_of_skus,
    list_records,
    lock_record,
    records_by_ext,
    records_held_by,
    records_with_skus,
    skus_of,
)
from orderhub.store.records.upsert import (
    UpsertItem,
    UpsertResult,
    content_hash,
    new_hub_id,
    record_hash,
    upsert_record,
    upsert_records,
)
from orderhub.store.stored import StoredRecord

__all__ = [
    "EntityKind",
    "Origin",
    "StoredRecord",
    "UpsertItem",
    "UpsertResult",
    "all_skus",
    "content_hash",
    "count_records",
    "get_record",
    "get_record_by_ext",
    "get_records",
    "holders_of_skus",
    "list_records",
    "lock_record",
    "new_hub_id",
    "record_hash",
    "records_by_ext",
    "records_held_by",
    "records_with_skus",
    "skus_of",
    "upsert_record",
    "upsert_records",
]
