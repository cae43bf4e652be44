"""Fixtures shared by the whole suite.

Databases: `database` gives each test a fresh, migrated `Database`, once on SQLite (a file in
the test's tmp dir) and once on PostgreSQL (a new database on the server, dropped after the
test). `database_url` is the same database as a URL (for code that opens its own engine, or
a subprocess); `empty_database_url` is a fresh database with no schema at all.

Which PostgreSQL server (`postgres_server`, once per session):
- `ORDERHUB_TEST_DATABASE_URL` set (.ci/run sets it): that server. If it does not answer, the
  PostgreSQL variants fail instead of skipping: CI asked for them.
- unset, and the PostgreSQL server binaries are installed (`initdb`, `pg_ctl`): a throwaway
  cluster made for this session in a temp dir, stopped and deleted at the end
  (tests/support/postgres_cluster.py).
- neither: the PostgreSQL variants are skipped, with the reason.
To keep per-test databases cheap, the schema is migrated once per session into a template
database, and each test's database is a `CREATE DATABASE … TEMPLATE` copy of it (SQLite: a
copy of a migrated file). On PostgreSQL a migrated database is also lent again: after a test,
if its schema is still the template's (same relations, columns, functions and Alembic
revision), its connections are ended and its rows deleted (sequences restarted), and the next
test gets it — as empty as a fresh copy, for ~50 ms instead of a `CREATE` and a `DROP`
(~0.3-1.5 s with fsync on, as on CI's server). A database whose schema a test changed (a
migration test, Procrastinate's schema) is dropped instead.

Parallel runs (pytest-xdist, `make test`): every worker is its own pytest session, so it has its
own template and its own databases; their names carry the worker id (`oh_tmpl_gw0_…`,
`oh_test_gw1_…`) so a leftover can be traced to its run. Nothing here is shared between workers
but the server itself (see tests/README.md for the rules a test follows to stay xdist-safe).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from orderhub.store.database import Database, make_engine, normalize_url, upgrade
from support.postgres_cluster import ClusterUnavailableError, PostgresCluster, find_bindir
from support.stores import StartStore, serving_stores

POSTGRES_ENV = "ORDERHUB_TEST_DATABASE_URL"

DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
"""This process's xdist worker id (`gw0`, `gw1`, …), or `main` when the suite runs unsplit."""


@dataclass(frozen=True)
class PostgresServer:
    """A reachable PostgreSQL server, and a migrated template database on it."""

    url: URL
    admin: Engine
    template: str
    # Appended to CREATE DATABASE: " STRATEGY FILE_COPY" on a throwaway cluster (PostgreSQL 15+),
    # where fsync is off and a file copy is ~10x faster than the default WAL_LOG copy.
    copy_strategy: str = ""
    spare: list[str] = field(default_factory=list)
    """Migrated databases emptied after their test, ready to lend again (`lend`, `give_back`)."""

    def lend(self) -> str:
        """A migrated, empty database of this worker's: a spare one, else a new copy."""
        return self.spare.pop() if self.spare else self.create(migrated=True)

    def give_back(self, name: str) -> None:
        """Empty `name` for the next test, or drop it when its schema is not the template's."""
        if _emptied(self.url_for(name), self.template_schema):
            self.spare.append(name)
        else:
            self.drop(name)

    @property
    def template_schema(self) -> str:
        return _schema_fingerprint(self.url_for(self.template))

    def create(self, *, migrated: bool) -> str:
        name = f"oh_test_{WORKER}_{secrets.token_hex(6)}"
        template = f" TEMPLATE {self.template}" if migrated else ""
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{template}{self.copy_strategy}"))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)


_NO_POSTGRES = pytest.StashKey[str]()

_SCHEMA_FINGERPRINT = """
SELECT md5(coalesce(string_agg(item, ',' ORDER BY item), '')) FROM (
  SELECT 'r:' || n.nspname || '.' || c.relname || ':' || c.relkind::text AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  UNION ALL
  SELECT 'f:' || n.nspname || '.' || p.proname
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT 'c:' || c.relname || '.' || a.attname || ':' || a.atttypid::text
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'v:' || version_num FROM alembic_version
) AS schema_items
"""
"""One digest of what a migration makes: relations, columns, functions, the Alembic revision."""

_fingerprints: dict[str, str] = {}


def _schema_fingerprint(url: str) -> str:
    if url not in _fingerprints:
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                _fingerprints[url] = str(connection.execute(text(_SCHEMA_FINGERPRINT)).scalar_one())
        finally:
            engine.dispose()
    return _fingerprints[url]


def _emptied(url: str, template_schema: str) -> bool:
    """End every connection to the database at `url`, then, if its schema is still
    `template_schema`, delete its rows (but Alembic's) and restart its sequences: True. False
    when the schema differs or the reset fails (the caller drops the database instead)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            if connection.execute(text(_SCHEMA_FINGERPRINT)).scalar_one() != template_schema:
                return False
            # Deleted rows need no foreign-key order with triggers off (replica role), and the
            # commit need not wait for the disk: a crash loses only a test database.
            connection.execute(text("SET LOCAL synchronous_commit = off"))
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            tables = connection.execute(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables"
                    " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            ).scalars()
            for table in list(tables):
                connection.execute(text(f"DELETE FROM {table}"))
            sequences = connection.execute(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)"
                    " FROM pg_sequences"
                )
            ).scalars()
            for sequence in list(sequences):
                connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
        return True
    except DBAPIError:
        return False
    finally:
        engine.dispose()


def _answering_admin(url: URL) -> Engine:
    """An AUTOCOMMIT engine on `url` that answered `SELECT 1` (else OperationalError)."""
    admin = create_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}, pool_size=1
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError:
        admin.dispose()
        raise
    return admin


def _with_template(admin: Engine, url: URL, *, copy_strategy: str = "") -> Iterator[PostgresServer]:
    server = PostgresServer(
        url=url,
        admin=admin,
        template=f"oh_tmpl_{WORKER}_{secrets.token_hex(6)}",
        copy_strategy=copy_strategy,
    )
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {server.template}"))
    try:
        template_engine = make_engine(server.url_for(server.template))
        upgrade(template_engine)
        template_engine.dispose()  # a template must have no open connections
        yield server
    finally:
        for name in server.spare:
            server.drop(name)
        server.drop(server.template)
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[PostgresServer | None]:
    """The session's PostgreSQL server with a migrated template, or None (see the docstring)."""
    configured = os.environ.get(POSTGRES_ENV)
    if configured:
        url = normalize_url(configured)
        try:
            admin = _answering_admin(url)
        except OperationalError as exc:
            raise RuntimeError(f"{POSTGRES_ENV} is set but the server does not answer") from exc
        yield from _with_template(admin, url)
        return
    bindir = find_bindir()
    if bindir is None:
        request.config.stash[_NO_POSTGRES] = (
            f"no PostgreSQL: {POSTGRES_ENV} is unset and the server binaries (initdb, pg_ctl)"
            " are not installed"
        )
        yield None
        return
    try:
        cluster = PostgresCluster(bindir)
    except ClusterUnavailableError as exc:
        request.config.stash[_NO_POSTGRES] = f"no PostgreSQL: {POSTGRES_ENV} is unset and {exc}"
        yield None
        return
    cluster.start()
    try:
        url = normalize_url(cluster.url)
        admin = _answering_admin(url)
        with admin.connect() as connection:
            version = int(connection.execute(text("SHOW server_version_num")).scalar_one())
        strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""
        yield from _with_template(admin, url, copy_strategy=strategy)
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "hub.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # checkpoints the WAL into the file, so a plain copy is complete
    return path


def _fresh_database(
    request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer | None = request.getfixturevalue("postgres_server")
    if server is None:
        pytest.skip(request.config.stash.get(_NO_POSTGRES, "no PostgreSQL server"))
    if not migrated:
        name = server.create(migrated=False)
        try:
            yield server.url_for(name)
        finally:
            server.drop(name)
        return
    name = server.lend()
    try:
        yield server.url_for(name)
    finally:
        server.give_back(name)


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database with the current schema (SQLite and PostgreSQL variants)."""
    yield from _fresh_database(request, tmp_path, migrated=True)


@pytest.fixture(params=DATABASE_KINDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database without any schema (SQLite and PostgreSQL variants)."""
    yield from _fresh_database(request, tmp_path, migrated=False)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A fresh, migrated `Database` (SQLite and PostgreSQL variants)."""
    db = Database.from_url(database_url, migrate=False)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def serve_store() -> Iterator[StartStore]:
    """Start sandbox Cart.com stores on free loopback ports; all are stopped after the test."""
    yield from serving_stores()


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common 022 umask (new files 0644, folders 0755) for the test's duration, so a file
    is private because the hub made it so, not because the machine's umask happens to be 077."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


SLOW_TESTS = Path(__file__).with_name("slow_tests.txt")


def listed_slow(path: Path = SLOW_TESTS) -> frozenset[str]:
    """The test functions tests/slow_tests.txt marks `slow` (`path::function` lines)."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` the tests listed in tests/slow_tests.txt, then run the tests marked `slow`
    first (a stable sort: otherwise in collection order).

    Under xdist the run ends when the last worker does: a long test started near the end
    leaves the other worker idle. Started first, the long tests overlap the many short ones.
    Every worker collects the same order, as xdist requires.
    """
    slow = listed_slow()
    for item in items:
        if item.nodeid.split("[", 1)[0] in slow:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
