"""What a verification costs the store: its listings are the cheap part of a daily check."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderhub.domain import FlowName, VerificationStatus
from orderhub.store.database import Database
from support.verify_world import VerifyWorld, make_world

ORDERS = FlowName.ORDERS_PULL


@pytest.fixture
def thousand(sqlite_template: Path, tmp_path: Path) -> Iterator[VerifyWorld]:
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}", migrate=False)
    try:
        for world in make_world(database, tmp_path, orders=1000, products=5):
            world.enable(ORDERS)
            world.run(ORDERS)
            yield world
    finally:
        database.dispose()


def test_a_thousand_orders_cost_about_four_listing_calls(thousand: VerifyWorld) -> None:
    before = thousand.sandbox.calls()["total"]

    result = thousand.verify()[ORDERS]

    calls = thousand.sandbox.calls()["total"] - before
    assert result.status is VerificationStatus.COMPLETE
    assert result.checked > 990  # all but the orders updated within the grace
    # 250 a page, and one more short page that ends the walk; nothing else.
    assert calls == math.ceil(result.checked / 250) + (result.checked % 250 == 0)
    assert result.api_calls == calls
    assert calls * 1000 / result.checked <= 5
