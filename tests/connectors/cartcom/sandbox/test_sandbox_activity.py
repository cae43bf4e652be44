"""The store's simulated activity: with `ships=False` it never ships, only places, captures and
cancels — what the demo runs, so the store and the hub's warehouse never race for one order."""

from __future__ import annotations

import random

import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.connectors.cartcom.sandbox.activity import Activity


def _shipments_after_steps(*, ships: bool, steps: int = 400) -> tuple[int, int]:
    sb = Sandbox(SandboxConfig(seed=3, orders=30))
    before = len(sb.store.tables["order_shipments"])
    activity = Activity(sb, random.Random("activity-test"), ships=ships)
    for _ in range(steps):
        activity.step()
    return before, len(sb.store.tables["order_shipments"])


@pytest.mark.parametrize("ships", [True, False])
def test_the_store_ships_only_when_told_it_may(ships: bool) -> None:
    before, after = _shipments_after_steps(ships=ships)
    if ships:
        assert after > before
    else:
        assert after == before
