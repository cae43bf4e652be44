"""Fixtures shared by the whole suite.

Databases: `database` gives each test a fresh, migrated `Database`, once on SQLite (a file in
the test's tmp dir) and once on PostgreSQL (a new database on the server, dropped after the
test). `database_url` is the same database as a URL (for code that opens its own engine, or
a subprocess); `empty_database_url` is a fresh database with no schema at all.

PostgreSQL is found through `ORDERHUB_TEST_DATABASE_URL`; without it, the local default
`postgresql+psycopg://postgres@127.0.0.1:5432/test` is tried once, and the PostgreSQL
variants are skipped if nothing answers. If the variable is set and the server does not
answer, the PostgreSQL variants fail instead: CI asked for them. To keep per-test databases
cheap, the schema is migrated once per session into a template database, and each test's
database is a `CREATE DATABASE … TEMPLATE` copy of it (SQLite: a copy of a migrated file).
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
from support.stores import StartStore, serving_stores

POSTGRES_ENV = "ORDERHUB_TEST_DATABASE_URL"
POSTGRES_FALLBACK = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class PostgresServer:
    """A reachable PostgreSQL server, and a migrated template database on it."""

    url: URL
    admin: Engine
    template: str

    def create(self, *, migrated: bool) -> str:
        name = f"oh_test_{secrets.token_hex(6)}"
        template = f" TEMPLATE {self.template}" if migrated else ""
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}{template}"))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    configured = os.environ.get(POSTGRES_ENV)
    url = normalize_url(configured or POSTGRES_FALLBACK)
    admin = create_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}, pool_size=1
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        if configured:
            raise RuntimeError(f"{POSTGRES_ENV} is set but the server does not answer") from exc
        yield None
        return
    server = PostgresServer(url=url, admin=admin, template=f"oh_tmpl_{secrets.token_hex(6)}")
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
        pytest.skip(f"no PostgreSQL server ({POSTGRES_ENV} unset, none on {POSTGRES_FALLBACK})")
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
