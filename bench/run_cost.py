"""What a quiet run costs the database, per flow: statements, transactions, round trips.

    make bench-run-cost                      # SQLite, and PostgreSQL when it answers
    .venv/bin/python bench/run_cost.py --only sqlite --statements

Counted with SQLAlchemy's engine events, never timed, so the figures are the same on a busy
machine: for each pull flow one quiet run (nothing new in the store), for each push flow one
scheduled look at an empty feed (which starts no run) and one run asked for anyway. The hub
is connected to an in-process sandbox store (tests/support/run_cost.py, shared with the test
that pins the bound). PostgreSQL: the server of `ORDERHUB_TEST_DATABASE_URL` (default
`postgresql+psycopg://postgres@127.0.0.1:5432/test`); a database of its own is made and dropped.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the measurement is shared with its test

from orderhub.store.database import Database, normalize_url  # noqa: E402
from support.run_cost import QuietCost, measure_quiet_runs, quiet_world  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def sqlite_database(home: Path) -> Iterator[Database]:
    db = Database.from_url(f"sqlite:///{home / 'hub.db'}")
    try:
        yield db
    finally:
        db.dispose()


@contextmanager
def postgres_database(server_url: str) -> Iterator[Database]:
    """A fresh database on the server, migrated; dropped afterwards."""
    url = normalize_url(server_url)
    name = f"oh_bench_run_cost_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        db = Database.from_url(url.set(database=name).render_as_string(hide_password=False))
        try:
            yield db
        finally:
            db.dispose()
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


def table(kind: str, costs: list[QuietCost], *, statements: bool) -> str:
    lines = [
        f"### {kind}",
        "",
        "| flow | what | statements | transactions | commits | round trips | Cart.com calls |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for cost in costs:
        c = cost.count
        lines.append(
            f"| {cost.flow.value} | {cost.what} | {c.statements} | {c.transactions} | "
            f"{c.commits} | {c.round_trips} | {c.calls} |"
        )
    if statements:
        for cost in costs:
            lines += ["", f"{cost.flow.value} {cost.what}:"]
            lines += [f"  {n:3d}  {label}" for label, n in sorted(cost.count.texts.items())]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument(
        "--statements", action="store_true", help="also list each run's statements by table"
    )
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    server = os.environ.get("ORDERHUB_TEST_DATABASE_URL") or DEFAULT_POSTGRES
    with tempfile.TemporaryDirectory(prefix="orderhub-run-cost-") as tmp:
        for kind in kinds:
            home = Path(tmp) / kind
            home.mkdir()
            try:
                opened = sqlite_database(home) if kind == "sqlite" else postgres_database(server)
                with opened as db, quiet_world(db, home) as world:
                    costs = measure_quiet_runs(world)
            except OperationalError as problem:
                print(f"### {kind}\n\nskipped: the server did not answer ({problem.orig})\n")
                continue
            print(table(kind, costs, statements=args.statements))
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
