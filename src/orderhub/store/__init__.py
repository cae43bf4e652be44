"""The hub's store: SQLAlchemy 2 on SQLite (embedded default) or PostgreSQL (scale-out).

Modules, one concept each:

- `database`: engines, `Database` (units of work), `upgrade` (Alembic, migrations shipped here)
- `records`: canonical records of every kind — `reads` and idempotent `upsert`s
- `feed`: the change feed push flows read · `timeline`: record histories
- `entities`: kinds, origins
- `integrations` / `flows`: integrations, encrypted tokens, flow switches, cursors, schedule
- `due_flows`: which flows should run now, and why (a timer, a trigger, a waiting change)
- `runs`: run history · `exceptions`: per-record sync exceptions · `leases`: run exclusivity
- `tables` / `dialect`: the schema, and what differs between the two databases

Every repository function takes the caller's `Session` and never commits: the caller owns
the transaction, so records and the cursor that covers them commit together.
"""

from orderhub.store.database import Database, make_engine, upgrade
from orderhub.store.errors import NotFoundError, StoreError
from orderhub.store.feed import Change
from orderhub.store.flows import FlowState
from orderhub.store.records import EntityKind, Origin, StoredRecord, UpsertResult
from orderhub.store.timeline import TimelineEvent

__all__ = [
    "Change",
    "Database",
    "EntityKind",
    "FlowState",
    "NotFoundError",
    "Origin",
    "StoreError",
    "StoredRecord",
    "TimelineEvent",
    "UpsertResult",
    "make_engine",
    "upgrade",
]
