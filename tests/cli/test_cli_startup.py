"""`orderhub` starts at once: the CLI imports a command's dependencies when the command runs.

No timing here (the suite has none): what made `orderhub --help` take 1.7 s was a module-level
import of the hub, the engine or the web app in some `*_cmd.py`, and that is what these tests
catch coming back. Each runs in a fresh interpreter, since this one has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from importlib.metadata import version
from typing import get_args

from typer.testing import CliRunner

from orderhub.cli.apikeys_cmd import Scope
from orderhub.cli.fulfillments_cmd import EXT
from orderhub.cli.main import app
from orderhub.cli.worker_cmd import DISPATCH_EVERY_SECONDS, STALLED_AFTER_SECONDS
from orderhub.engine.distributed import DistributedOptions
from orderhub.services.apikeys import ApiKeyScope
from orderhub.services.fulfillments import EXT_PREFIX

HEAVY = {
    "alembic",
    "asyncio",
    "cryptography",
    "fastapi",
    "httpx",
    "procrastinate",
    "psycopg",
    "sqlalchemy",
    "starlette",
    "uvicorn",
}
"""Libraries the CLI must not import just to start (top-level packages)."""

CLI_MODULES = ("orderhub.cli", "orderhub.errors")
"""The only parts of OrderHub the CLI imports to start: itself and the error classes."""


def loaded_modules(code: str) -> list[str]:
    """The modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint('\\nMODULES', json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return list(json.loads(done.stdout.rsplit("\nMODULES ", 1)[1]))


def orderhub_modules(modules: list[str]) -> list[str]:
    return [m for m in modules if m == "orderhub" or m.startswith("orderhub.")]


def heavy(modules: list[str], libraries: set[str] = HEAVY) -> list[str]:
    return [m for m in modules if m.split(".")[0] in libraries]


def test_importing_the_cli_imports_no_hub_and_no_heavy_library() -> None:
    modules = loaded_modules("import orderhub.cli.main")

    assert heavy(modules) == []
    assert "pydantic" not in modules
    beyond_cli = [m for m in orderhub_modules(modules) if m != "orderhub"]
    assert [m for m in beyond_cli if not m.startswith(CLI_MODULES)] == []


def test_help_and_version_import_no_hub_and_no_heavy_library() -> None:
    for args in (["--help"], ["--version"], ["integrations", "--help"], ["sync", "--help"]):
        modules = loaded_modules(
            "from orderhub.cli.main import app\n"
            f"try:\n    app({args!r})\nexcept SystemExit:\n    pass"
        )
        # Typer itself brings pydantic to read a command's parameters: allowed.
        assert heavy(modules) == [], args
        beyond_cli = [m for m in orderhub_modules(modules) if m != "orderhub"]
        assert [m for m in beyond_cli if not m.startswith(CLI_MODULES)] == [], args


def test_opening_a_hub_imports_no_flow_engine_or_migration_code() -> None:
    # Every command opens a hub; only the commands that run flows need the flows' code (the
    # registry loads it when first read) and only an outdated schema needs Alembic.
    modules = loaded_modules("import orderhub.hub")

    assert heavy(modules, {"alembic", "httpx", "fastapi", "procrastinate"}) == []
    assert [m for m in modules if m.startswith(("orderhub.connectors", "orderhub.web"))] == []
    assert "orderhub.engine.runner" not in modules


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.stdout == f"orderhub {version('orderhub')}\n"


def test_the_cli_s_own_spellings_match_the_services() -> None:
    # Spelled in the command modules so that building the app imports no service.
    assert get_args(Scope) == tuple(scope.value for scope in ApiKeyScope)
    assert EXT == EXT_PREFIX
    defaults = {f.name: f.default for f in fields(DistributedOptions)}
    assert defaults["dispatch_every_seconds"] == DISPATCH_EVERY_SECONDS
    assert defaults["stalled_after_seconds"] == STALLED_AFTER_SECONDS
