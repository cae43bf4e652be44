"""Call budgets: a read-modify-write under `lock_budget` is atomic across connections.

Threads with their own sessions increment a counter in one budget's state at once; every
increment must survive (no lost update), on SQLite and PostgreSQL. The server clock moves
forward and agrees with this machine's clock (same host here).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from orderhub.store import Database
from orderhub.store.call_budgets import list_budgets, lock_budget, save_budget, server_epoch

THREADS = 4
ROUNDS = 15


def test_a_new_budget_starts_empty_and_keeps_what_is_saved(database: Database) -> None:
    with database.session() as session:
        state, now = lock_budget(session, "cartcom:http://store.example")
        assert state is None
        save_budget(session, "cartcom:http://store.example", {"used": 3}, now)
    with database.read_session() as session:
        [(key, saved, updated_at)] = list_budgets(session)
    assert (key, saved) == ("cartcom:http://store.example", {"used": 3})
    assert abs(updated_at.timestamp() - now) < 1e-3


def test_concurrent_increments_are_never_lost(database: Database) -> None:
    barrier = threading.Barrier(THREADS)

    def increment_many(_: int) -> None:
        barrier.wait(timeout=30)
        for _round in range(ROUNDS):
            with database.session() as session:
                state, now = lock_budget(session, "shared")
                count = (state or {}).get("count", 0)
                time.sleep(0.001)  # widen the window a lost update would need
                save_budget(session, "shared", {"count": count + 1}, now)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(increment_many, range(THREADS)))
    with database.read_session() as session:
        [(_key, state, _updated)] = list_budgets(session)
    assert state == {"count": THREADS * ROUNDS}


def test_the_server_clock_is_epoch_seconds_and_moves_forward(database: Database) -> None:
    with database.read_session() as session:
        first = server_epoch(session)
    time.sleep(0.02)
    with database.read_session() as session:
        second = server_epoch(session)
    assert abs(first - time.time()) < 5
    assert second > first
