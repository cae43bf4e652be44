"""A PostgreSQL test database lent again is as empty as a fresh copy; a changed one is dropped.

`PostgresServer.give_back` (tests/conftest.py) empties a test's migrated database for the next
test instead of dropping it. These tests lend and give back databases by hand and look at
what the next borrower finds: no rows, sequences from 1, no open connections of the previous
borrower; and a database whose schema a test changed is never lent again.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

pytestmark = pytest.mark.postgres


@pytest.fixture
def server(postgres_server: Any) -> Any:
    if postgres_server is None:
        pytest.skip("no PostgreSQL server")
    return postgres_server


def _engine(server: Any, name: str) -> Engine:
    return create_engine(server.url_for(name), poolclass=NullPool)


def _exists(server: Any, name: str) -> bool:
    with server.admin.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name}
        )
        return bool(found.scalar_one())


def test_a_database_given_back_is_lent_again_empty(server: Any) -> None:
    name = server.lend()
    engine = _engine(server, name)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO leases (key, owner, acquired_at, expires_at)"
                " VALUES ('flow:x', 'me', now(), now())"
            )
        )
    held = engine.connect()  # a connection the previous borrower forgot to close
    held.execute(text("SELECT 1"))

    server.give_back(name)
    again = server.lend()
    try:
        assert again == name
        with _engine(server, again).connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM leases")).scalar_one() == 0
            others = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            assert others.scalar_one() == 0
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar_one()
    finally:
        held.invalidate()
        server.give_back(again)


def test_sequences_start_again_from_one(server: Any) -> None:
    name = server.lend()
    with _engine(server, name).begin() as connection:
        sequence = connection.execute(
            text("SELECT schemaname || '.' || sequencename FROM pg_sequences LIMIT 1")
        ).scalar_one()
        connection.execute(text(f"SELECT nextval('{sequence}')"))
        connection.execute(text(f"SELECT nextval('{sequence}')"))
    server.give_back(name)
    again = server.lend()
    try:
        with _engine(server, again).connect() as connection:
            assert connection.execute(text(f"SELECT nextval('{sequence}')")).scalar_one() == 1
    finally:
        server.give_back(again)


def test_a_database_whose_schema_changed_is_dropped(server: Any) -> None:
    name = server.lend()
    with _engine(server, name).begin() as connection:
        connection.execute(text("CREATE TABLE left_behind (id integer)"))
    server.give_back(name)
    assert name not in server.spare
    assert not _exists(server, name)
