"""Leases: exclusive, expiring, renewable, and taken over from a dead local process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from orderhub.store import Database
from orderhub.store.leases import (
    flow_lease_key,
    holder,
    lease_owner_id,
    release,
    renew,
    try_acquire,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = "flow:abc:orders.pull"
HOST = socket.gethostname()


def acquire(database: Database, owner: str, *, at: datetime = T0, ttl: float = 60) -> bool:
    with database.session() as session:
        return try_acquire(session, key=KEY, owner=owner, ttl_seconds=ttl, now=at)


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        check=True,
        text=True,
    )
    return int(process.stdout)


def test_owner_ids_name_host_pid_and_a_nonce() -> None:
    first, second = lease_owner_id(), lease_owner_id()
    assert first.startswith(f"{HOST}:{os.getpid()}:")
    assert first != second


def test_flow_lease_keys() -> None:
    assert flow_lease_key("abc", "orders.pull") == KEY


def test_a_lease_is_exclusive_until_released(database: Database) -> None:
    assert acquire(database, "host-a:1:x")
    assert not acquire(database, "host-b:2:y")
    assert acquire(database, "host-a:1:x")  # ours already: re-entrant, extends it
    with database.session() as session:
        release(session, key=KEY, owner="host-b:2:y")  # not ours: no effect
        assert holder(session, key=KEY) == "host-a:1:x"
        release(session, key=KEY, owner="host-a:1:x")
        assert holder(session, key=KEY) is None
    assert acquire(database, "host-b:2:y")


def test_an_expired_lease_can_be_taken(database: Database) -> None:
    assert acquire(database, "host-a:1:x", ttl=30)
    assert not acquire(database, "host-b:2:y", at=T0 + timedelta(seconds=29))
    assert acquire(database, "host-b:2:y", at=T0 + timedelta(seconds=30))
    with database.read_session() as session:
        assert holder(session, key=KEY) == "host-b:2:y"


def test_renew_extends_only_our_lease(database: Database) -> None:
    assert acquire(database, "host-a:1:x", ttl=30)
    with database.session() as session:
        assert renew(
            session, key=KEY, owner="host-a:1:x", ttl_seconds=30, now=T0 + timedelta(seconds=20)
        )
        assert not renew(
            session, key=KEY, owner="host-b:2:y", ttl_seconds=30, now=T0 + timedelta(seconds=20)
        )
    # Renewed at +20 s for 30 s: still held at +45 s, free at +50 s.
    assert not acquire(database, "host-b:2:y", at=T0 + timedelta(seconds=45))
    assert acquire(database, "host-b:2:y", at=T0 + timedelta(seconds=50))
    with database.session() as session:
        assert not renew(
            session, key=KEY, owner="host-a:1:x", ttl_seconds=30, now=T0 + timedelta(seconds=51)
        )


def test_a_lease_of_a_dead_local_process_is_taken_at_once(database: Database) -> None:
    assert acquire(database, f"{HOST}:{dead_pid()}:old", ttl=3600)
    me = lease_owner_id()
    assert acquire(database, me, at=T0 + timedelta(seconds=1))
    with database.read_session() as session:
        assert holder(session, key=KEY) == me


def test_a_lease_of_a_live_process_or_another_host_is_respected(database: Database) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert acquire(database, f"{HOST}:{sleeper.pid}:live", ttl=3600)
        assert not acquire(database, lease_owner_id(), at=T0 + timedelta(seconds=1))
    finally:
        sleeper.kill()
        sleeper.wait()
    with database.session() as session:
        release(session, key=KEY, owner=f"{HOST}:{sleeper.pid}:live")
    # Same dead pid, other host: we cannot tell whether it is alive there, so wait for expiry.
    assert acquire(database, f"{HOST}-elsewhere:{dead_pid()}:remote", ttl=3600)
    assert not acquire(database, lease_owner_id(), at=T0 + timedelta(seconds=1))
    # Another lease of this very process is alive by definition.
    with database.session() as session:
        release(session, key=KEY, owner=holder(session, key=KEY) or "")
    assert acquire(database, lease_owner_id(), ttl=3600)
    assert not acquire(database, lease_owner_id(), at=T0 + timedelta(seconds=1))
