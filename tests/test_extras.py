"""Optional extras: a one-machine hub runs without them; a feature that needs one names it."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from orderhub.extras import MissingExtra
from orderhub.store.database import make_engine

EXTRA_MODULES = ("procrastinate", "psycopg", "psycopg_pool")


def hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `modules` fail to import, as when their extra is not installed."""
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_postgresql_without_the_postgres_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "psycopg")
    with pytest.raises(MissingExtra) as refused:
        make_engine("postgresql://hub@127.0.0.1:1/hub")
    assert "pip install 'orderhub[postgres]'" in str(refused.value)
    assert "psycopg" in str(refused.value)


def test_workers_without_the_workers_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, *EXTRA_MODULES)
    monkeypatch.delitem(sys.modules, "orderhub.engine.distributed", raising=False)
    with pytest.raises(MissingExtra) as refused:
        importlib.import_module("orderhub.engine.distributed")
    assert "pip install 'orderhub[workers]'" in str(refused.value)
    assert "orderhub worker" in str(refused.value)


@pytest.mark.slow  # a fresh interpreter: ~4.5 s CPU at load 20, about 1 s on a quiet machine
def test_a_one_machine_hub_needs_neither_extra(tmp_path: Path) -> None:
    # A fresh interpreter, where the extras' modules cannot be imported: the CLI, the web app
    # and a hub on SQLite with its embedded scheduler come up all the same.
    script = textwrap.dedent(
        f"""
        import sys
        for name in {EXTRA_MODULES!r}:
            sys.modules[name] = None
        from orderhub.cli.main import app
        from orderhub.engine import EmbeddedScheduler
        from orderhub.hub import build_hub
        from orderhub.settings import Settings
        from orderhub.web import create_web_app

        hub = build_hub(Settings.from_env({{"ORDERHUB_HOME": {str(tmp_path)!r}}}), migrate=False)
        scheduler = EmbeddedScheduler(hub.runner(), hub.db)
        create_web_app(hub, scheduler=scheduler)
        print("up")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "up"
