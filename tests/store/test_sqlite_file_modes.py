"""The SQLite database and the files SQLite keeps beside it are readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from orderhub.store import make_engine

pytestmark = pytest.mark.usefixtures("loose_umask")

SIBLINGS = ("-wal", "-shm")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_something(path: Path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        # While a connection is open the WAL and shared-memory files exist: check them now.
        with engine.connect():
            for suffix in SIBLINGS:
                sibling = path.with_name(path.name + suffix)
                assert sibling.exists(), suffix
                assert mode(sibling) == 0o600, suffix
    finally:
        engine.dispose()


def test_a_new_database_and_its_wal_files_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "new" / "hub.db"
    write_something(path)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700  # the folder made for it, too


def test_a_database_left_open_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    write_something(path)
    for name in ("hub.db", *(f"hub.db{suffix}" for suffix in SIBLINGS)):
        # As an older version left them (SQLite reuses existing -wal/-shm files as they are).
        (tmp_path / name).touch()
        (tmp_path / name).chmod(0o644)
    write_something(path)  # checks the -wal and -shm files while they are in use
    assert mode(path) == 0o600
