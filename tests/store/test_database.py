"""Engines, migrations and units of work, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from orderhub.store import Database, make_engine, upgrade
from orderhub.store.database import HEAD_REVISION, MIGRATIONS_DIR, alembic_config, normalize_url
from orderhub.store.tables import Base, LeaseRow

HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()

TABLES = {
    "changes",
    "flow_settings",
    "integrations",
    "leases",
    "records",
    "runs",
    "sync_exceptions",
    "timeline_events",
}


def _revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_on_an_empty_database_creates_the_schema(empty_database_url: str) -> None:
    database = Database.from_url(empty_database_url, migrate=False)
    try:
        assert TABLES.isdisjoint(inspect(database.engine).get_table_names())
        upgrade(database.engine)
        assert set(inspect(database.engine).get_table_names()) >= TABLES
        assert _revision(database) == HEAD
        upgrade(database.engine)  # a second upgrade is a no-op
        assert _revision(database) == HEAD
    finally:
        database.dispose()


def test_migrations_match_the_table_classes(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back(database: Database) -> None:
    with database.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert TABLES.isdisjoint(inspect(database.engine).get_table_names())
    upgrade(database.engine)
    assert set(inspect(database.engine).get_table_names()) >= TABLES


def test_from_url_migrates_by_default(empty_database_url: str) -> None:
    database = Database.from_url(empty_database_url)
    try:
        assert _revision(database) == HEAD
    finally:
        database.dispose()


def test_session_commits_on_success_and_rolls_back_on_error(database: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with database.session() as session:
        session.add(LeaseRow(key="kept", owner="o", acquired_at=now, expires_at=now))

    def fail_midway() -> None:
        with database.session() as session:
            session.add(LeaseRow(key="lost", owner="o", acquired_at=now, expires_at=now))
            session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_midway()
    with database.read_session() as session:
        assert list(session.scalars(select(LeaseRow.key))) == ["kept"]


def test_objects_stay_readable_after_commit(database: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with database.session() as session:
        row = LeaseRow(key="k", owner="o", acquired_at=now, expires_at=now)
        session.add(row)
    assert row.owner == "o"  # expire_on_commit=False: no reload, no DetachedInstanceError


def test_read_session_never_commits(database: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with database.read_session() as session:
        session.add(LeaseRow(key="k", owner="o", acquired_at=now, expires_at=now))
        session.flush()
    with database.read_session() as session:
        assert session.scalar(select(LeaseRow.key)) is None


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 1, 7, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_times_round_trip_exactly_as_aware_utc(database: Database, moment: datetime) -> None:
    with database.session() as session:
        session.add(LeaseRow(key="k", owner="o", acquired_at=moment, expires_at=moment))
    with database.read_session() as session:
        stored = session.scalar(select(LeaseRow.acquired_at))
    assert stored == moment
    assert stored is not None
    assert stored.tzinfo == UTC
    assert stored.isoformat() == moment.astimezone(UTC).isoformat()


def test_time_comparisons_follow_time_not_text(database: Database) -> None:
    base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with database.session() as session:
        for minutes in (0, 1, 59, 61, 600):
            moment = base + timedelta(minutes=minutes)
            session.add(
                LeaseRow(key=f"k{minutes}", owner="o", acquired_at=moment, expires_at=moment)
            )
    # The same instant written with an offset compares equal to the stored UTC value.
    pivot = (base + timedelta(minutes=59)).astimezone(timezone(timedelta(hours=9)))
    with database.read_session() as session:
        keys = set(session.scalars(select(LeaseRow.key).where(LeaseRow.expires_at <= pivot)))
    assert keys == {"k0", "k1", "k59"}


def test_naive_datetimes_are_refused(database: Database) -> None:
    naive = datetime(2026, 1, 1)
    with database.session() as session:
        session.add(LeaseRow(key="k", owner="o", acquired_at=naive, expires_at=naive))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()
        session.rollback()


def test_plain_postgresql_urls_use_psycopg() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    engine = make_engine("postgresql://u@127.0.0.1:1/db")  # no connection is made yet
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_unsupported_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        make_engine("mysql://u@h/db")


def test_sqlite_engine_creates_its_folder_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "home" / "hub.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert path.exists()
        assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(database: Database) -> None:
    # PostgreSQL always does; SQLite only with the foreign_keys pragma make_engine sets.
    with pytest.raises(IntegrityError), database.session() as session:
        session.execute(
            text(
                "INSERT INTO flow_settings (integration_id, flow, enabled, interval_seconds)"
                " VALUES ('missing', 'orders.pull', false, 60)"
            )
        )


def test_head_revision_is_the_newest_migration() -> None:
    # A new migration bumps `HEAD_REVISION`: a database at the old head would otherwise be
    # taken for up to date and never upgraded.
    assert HEAD_REVISION == HEAD


def test_a_database_at_head_is_not_handed_to_alembic(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_alembic(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("alembic ran on a database already at head")

    monkeypatch.setattr(command, "upgrade", no_alembic)
    upgrade(database.engine)
    assert _revision(database) == HEAD
