"""Settings from the environment, built once by the caller and passed down."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "load_or_create_secret_key"]

_KEY_FILE = "secret.key"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    secret_key: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `ORDERHUB_HOME`, `ORDERHUB_DATABASE_URL` and `ORDERHUB_SECRET_KEY`.

        The home folder is created on demand; without a secret key one is generated into it
        with mode 0600, so stored credentials survive restarts of the same home.
        """
        env = os.environ if env is None else env
        home = Path(env.get("ORDERHUB_HOME") or ".orderhub").expanduser().resolve()
        home.mkdir(parents=True, exist_ok=True)
        database_url = env.get("ORDERHUB_DATABASE_URL") or f"sqlite:///{home / 'orderhub.db'}"
        secret_key = env.get("ORDERHUB_SECRET_KEY") or load_or_create_secret_key(home)
        return cls(home=home, database_url=database_url, secret_key=secret_key)


def load_or_create_secret_key(home: Path) -> str:
    path = home / _KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
