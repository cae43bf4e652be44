"""Settings from the environment, built once by the caller and passed down."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orderhub.errors import UsageError
from orderhub.private_files import make_private_dir

__all__ = ["CALL_BUDGET_SCOPES", "Settings", "call_budgets_shared", "load_or_create_secret_key"]

_KEY_FILE = "secret.key"


CALL_BUDGET_SCOPES = ("auto", "process", "database")


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    secret_key: str
    call_budget: str = "auto"
    """Where each store's call budget is kept: `process` (this process only), `database`
    (shared by every process on the database), or `auto` (`database` on PostgreSQL)."""

    def __post_init__(self) -> None:
        if self.call_budget not in CALL_BUDGET_SCOPES:
            raise UsageError(
                f"ORDERHUB_CALL_BUDGET must be one of {', '.join(CALL_BUDGET_SCOPES)}, "
                f"not {self.call_budget!r}"
            )

    def shares_call_budgets(self, dialect: str) -> bool:
        """Whether runs keep store call budgets in the database (`dialect`: the database's)."""
        return call_budgets_shared(self.call_budget, dialect)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the `ORDERHUB_HOME`, `_DATABASE_URL`, `_SECRET_KEY` and `_CALL_BUDGET` variables.

        The home folder is created on demand, readable by its owner only (0700); without a
        secret key one is generated into it with mode 0600, so stored credentials survive
        restarts of the same home.
        """
        env = os.environ if env is None else env
        home = make_private_dir(
            Path(env.get("ORDERHUB_HOME") or ".orderhub").expanduser().resolve()
        )
        database_url = env.get("ORDERHUB_DATABASE_URL") or f"sqlite:///{home / 'orderhub.db'}"
        secret_key = env.get("ORDERHUB_SECRET_KEY") or load_or_create_secret_key(home)
        call_budget = (env.get("ORDERHUB_CALL_BUDGET") or "auto").strip().lower()
        return cls(
            home=home, database_url=database_url, secret_key=secret_key, call_budget=call_budget
        )


def call_budgets_shared(scope: str, dialect: str) -> bool:
    """Whether call budgets live in the database for this `ORDERHUB_CALL_BUDGET` scope: `auto`
    shares them on PostgreSQL, the database several processes share; SQLite serves one."""
    if scope == "auto":
        return dialect == "postgresql"
    return scope == "database"


def load_or_create_secret_key(home: Path) -> str:
    path = home / _KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
