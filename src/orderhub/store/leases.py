"""Leases: a flow never runs twice at once, across threads, processes and machines.

A lease is a row `(key, owner, expires_at)`. Taking it is one atomic statement — an
`INSERT … ON CONFLICT (key) DO UPDATE … WHERE the holder is us or the lease has expired` —
so two contenders can never both win, on SQLite or PostgreSQL. The holder renews it while it
works and releases it when done; a holder that dies simply lets it expire.

Waiting out the TTL after a crash is needlessly slow on one machine, where we can tell that
the holder is gone: owners are named `<hostname>:<pid>:<nonce>`, and a lease held by a process
of *this* host whose pid no longer exists is taken over at once (compare-and-swap on the
owner string, so only one contender succeeds). This assumes hostnames are unique among the
machines sharing a database, as they are for hosts, containers and pods by default.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from orderhub.store.dialect import dialect_insert, rowcount, utc
from orderhub.store.tables import LeaseRow

__all__ = [
    "flow_lease_key",
    "flow_lease_prefix",
    "holder",
    "lease_owner_id",
    "release",
    "renew",
    "try_acquire",
]


def lease_owner_id() -> str:
    """A fresh owner name for this process: `<hostname>:<pid>:<random nonce>`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def flow_lease_key(integration_id: str, flow: str) -> str:
    """The lease key of one integration's flow; use it so `delete_integration` finds it."""
    return f"{flow_lease_prefix(integration_id)}{flow}"


def flow_lease_prefix(integration_id: str) -> str:
    return f"flow:{integration_id}:"


def try_acquire(
    session: Session, *, key: str, owner: str, ttl_seconds: float, now: datetime
) -> bool:
    """Take the lease `key` for `ttl_seconds` if it is free, expired, ours, or its holder is dead.

    Taking a lease we already hold extends it. The caller commits; until then the row is
    locked on PostgreSQL and the database is write-locked on SQLite, so commit promptly.
    """
    now = utc(now)
    expires_at = now + timedelta(seconds=ttl_seconds)
    table = LeaseRow.__table__
    insert = dialect_insert(session, LeaseRow).values(
        key=key, owner=owner, acquired_at=now, expires_at=expires_at
    )
    insert = insert.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "owner": insert.excluded.owner,
            "expires_at": insert.excluded.expires_at,
            "acquired_at": insert.excluded.acquired_at,
        },
        where=(table.c.owner == owner) | (table.c.expires_at <= now),
    ).returning(table.c.owner)
    if session.execute(insert).scalar_one_or_none() is not None:
        return True
    current = holder(session, key=key)
    if current is None or not _is_dead_local_owner(current):
        return False
    stolen = session.execute(
        update(LeaseRow)
        .where(LeaseRow.key == key, LeaseRow.owner == current)
        .values(owner=owner, acquired_at=now, expires_at=expires_at)
        .execution_options(synchronize_session=False)
    )
    return rowcount(stolen) == 1


def renew(session: Session, *, key: str, owner: str, ttl_seconds: float, now: datetime) -> bool:
    """Extend a lease we hold to `now + ttl_seconds`; False if it is no longer ours."""
    result = session.execute(
        update(LeaseRow)
        .where(LeaseRow.key == key, LeaseRow.owner == owner)
        .values(expires_at=utc(now) + timedelta(seconds=ttl_seconds))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def release(session: Session, *, key: str, owner: str) -> None:
    """Give the lease up, if we still hold it."""
    session.execute(
        delete(LeaseRow)
        .where(LeaseRow.key == key, LeaseRow.owner == owner)
        .execution_options(synchronize_session=False)
    )


def holder(session: Session, *, key: str) -> str | None:
    """The owner currently recorded for `key` (possibly expired), or None."""
    return session.scalar(select(LeaseRow.owner).where(LeaseRow.key == key))


def _is_dead_local_owner(owner: str) -> bool:
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        return False
    return False
