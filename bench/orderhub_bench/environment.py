"""What the figures were measured on: Python, platform, CPUs and every installed package."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

__all__ = ["KEY_PACKAGES", "environment"]

KEY_PACKAGES = ("orderhub", "httpx", "httpcore", "h11", "sqlalchemy", "pydantic", "uvicorn")


def environment() -> dict[str, Any]:
    packages = {
        (dist.metadata["Name"] or "?").lower(): dist.version for dist in metadata.distributions()
    }
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "sqlite": _sqlite_version(),
        "key_packages": {name: packages.get(name, "?") for name in KEY_PACKAGES},
        "packages": dict(sorted(packages.items())),
    }


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version
