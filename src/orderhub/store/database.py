"""Engines, schema upgrades and units of work.

`make_engine` turns a URL into an engine tuned for its database; `upgrade` applies the Alembic
migrations shipped inside this package; `Database` hands out sessions, one per unit of work.

SQLite (the embedded default) is a file only its owner may read (0600, `private_files`), opened
in WAL mode with foreign keys on and a 30 s busy
timeout, and every transaction starts with `BEGIN IMMEDIATE`: it takes the write lock up
front, so two threads or processes that both read and then write queue up behind the busy
timeout instead of one of them failing with "database is locked" half-way through (SQLite
cannot upgrade a stale read snapshot to a write). Read-only work that should not queue behind
writers uses `Database.read_session()`, which starts a plain deferred transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from orderhub.extras import missing_extra
from orderhub.private_files import SQLITE_SIBLINGS, make_private_dir, make_private_file, tighten
from orderhub.store.json_columns import load_json

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS_DIR",
    "Database",
    "alembic_config",
    "make_engine",
    "normalize_url",
    "schema_revision",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""Where the Alembic environment and revision scripts live (shipped inside the package)."""

HEAD_REVISION = "0013"
"""The newest revision in `migrations/versions` (a test checks it: a new migration bumps it).

A database already there is not handed to Alembic at all: importing Alembic and reading the
revision scripts costs every command, worker and server a few hundred milliseconds to learn
that there is nothing to do."""

_BUSY_TIMEOUT_SECONDS = 30
_READ_ONLY = "orderhub_read_only"
# Any constant works: it only has to be the same in every process that upgrades the schema.
_MIGRATION_LOCK_ID = 0x0DE2_4B0B


def normalize_url(url: str) -> URL:
    """Parse `url`, sending plain `postgresql://` (and `postgres://`) URLs to psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


_STATEMENT_CACHE_SIZE = 16


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL, configured as the store expects."""
    parsed = normalize_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        try:
            return create_engine(parsed, pool_pre_ping=True, json_deserializer=load_json)
        except ImportError as missing:  # SQLAlchemy imports the driver here
            raise missing_extra("postgres", missing) from None
    raise ValueError(
        f"unsupported database URL scheme {parsed.drivername!r}: use sqlite or postgresql"
    )


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if not in_memory and not database.startswith("file:"):
        _private_database_file(Path(database).expanduser())
    # A small statement cache: page-at-a-time upserts make one SQL text per page size, and
    # sqlite3 keeps each prepared statement (with its bound parameters) per connection.
    engine = create_engine(
        url,
        json_deserializer=load_json,
        connect_args={
            "timeout": _BUSY_TIMEOUT_SECONDS,
            "cached_statements": _STATEMENT_CACHE_SIZE,
        },
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN out of the sqlite3 module's hands (it skips it for SELECT and DDL);
        # `_on_begin` below emits it for every transaction instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_SECONDS * 1000}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _private_database_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (SQLite gives its -wal, -shm and
    -journal files the database's own mode), and tighten those an older version left open."""
    if not path.parent.exists():
        make_private_dir(path.parent)
    make_private_file(path)
    for suffix in SQLITE_SIBLINGS:
        tighten(path.with_name(path.name + suffix))


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (`alembic upgrade head`), in one transaction.

    On PostgreSQL a transaction-scoped advisory lock serialises concurrent upgrades (several
    workers starting at once); on SQLite `BEGIN IMMEDIATE` already does. A schema already at
    `HEAD_REVISION` is left as it is after one read, without a write lock or Alembic.
    """
    if schema_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:lock_id)"), {"lock_id": _MIGRATION_LOCK_ID}
            )
        command.upgrade(alembic_config(connection), "head")


def schema_revision(engine: Engine) -> str | None:
    """The schema's revision as Alembic records it; None for a database Alembic never ran on."""
    with engine.execution_options(**{_READ_ONLY: True}).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        found = list(versions)
    return found[0] if len(found) == 1 else None


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration built in code (no alembic.ini) bound to `connection`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


class Database:
    """The hub's database: an engine plus units of work on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, *, migrate: bool = True) -> Database:
        """Open the database at `url`, upgrading its schema first unless `migrate=False`."""
        engine = make_engine(url)
        if migrate:
            try:
                upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises.

        Objects stay readable after the commit (`expire_on_commit=False`).
        """
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reads only: never commits; on SQLite it does not queue behind writers."""
        bind = self.engine.execution_options(**{_READ_ONLY: True})
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        """Close every pooled connection (call at shutdown, or before forking)."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)!r})"
