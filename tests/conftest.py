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
copy of a migrated file).

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
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

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
    name = server.create(migrated=migrated)
    try:
        yield server.url_for(name)
    finally:
        server.drop(name)


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
