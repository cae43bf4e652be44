"""Fixtures of the service tests: the verification world (support/verify_world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orderhub.domain import FlowName
from orderhub.store.database import Database
from support.verify_world import VerifyWorld, make_world


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[VerifyWorld]:
    """orders.pull on (since 2000) and run once; SQLite and PostgreSQL."""
    for built in make_world(database, tmp_path):
        built.enable(FlowName.ORDERS_PULL)
        built.run(FlowName.ORDERS_PULL)
        yield built
