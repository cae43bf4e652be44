"""Call budgets: a small state document per remote store, changed under a row lock.

Several processes (workers on several machines, web front ends) may call the same
store; its call limit is per store, so what each knows of the current window must be shared.
The connector owns the document's meaning; the store only guarantees that a read-modify-write
is atomic (`SELECT … FOR UPDATE` on PostgreSQL; `BEGIN IMMEDIATE` already serialises writers
on SQLite) and supplies the database server's clock, so every machine measures the window on
the same clock whatever its own drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from orderhub.store.dialect import dialect_insert
from orderhub.store.tables import CallBudgetRow

__all__ = ["get_budget", "list_budgets", "lock_budget", "save_budget", "server_epoch"]

_SERVER_EPOCH = {
    "postgresql": "SELECT extract(epoch FROM clock_timestamp())::float8",
    # julianday('now') is the statement's time, to the millisecond.
    "sqlite": "SELECT (julianday('now') - 2440587.5) * 86400.0",
}


def server_epoch(session: Session) -> float:
    """The database server's current time in epoch seconds."""
    dialect = session.get_bind().dialect.name
    value = session.execute(text(_SERVER_EPOCH[dialect])).scalar_one()
    return float(value)


def lock_budget(session: Session, key: str) -> tuple[dict[str, Any] | None, float]:
    """Lock the budget `key` (creating it empty) and return its state and the server's time.

    The lock lasts until the caller's transaction ends: keep that short (no I/O inside).
    """
    row = _select_for_update(session, key)
    if row is None:
        session.execute(
            dialect_insert(session, CallBudgetRow)
            .values(key=key, state=None, updated_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = _select_for_update(session, key)
    assert row is not None  # the row exists now, ours or another process's
    return row.state, server_epoch(session)


def save_budget(session: Session, key: str, state: dict[str, Any], now: float) -> None:
    """Store the new state of a budget locked by `lock_budget` in this transaction."""
    row = session.get(CallBudgetRow, key)
    if row is None:
        raise LookupError(f"call budget {key!r} is not locked in this transaction")
    row.state = state
    row.updated_at = datetime.fromtimestamp(now, UTC)
    session.flush()


def get_budget(session: Session, key: str) -> dict[str, Any] | None:
    """The state of one budget without locking it (None if unknown or empty)."""
    row = session.get(CallBudgetRow, key)
    return row.state if row is not None else None


def list_budgets(session: Session) -> list[tuple[str, dict[str, Any] | None, datetime]]:
    """Every budget: (key, state, last change), by key."""
    rows = session.execute(select(CallBudgetRow).order_by(CallBudgetRow.key)).scalars()
    return [(row.key, row.state, row.updated_at) for row in rows]


def _select_for_update(session: Session, key: str) -> CallBudgetRow | None:
    return session.execute(
        select(CallBudgetRow).where(CallBudgetRow.key == key).with_for_update()
    ).scalar_one_or_none()
