"""orders.pull across a DST change, in stores whose time zone is not always US Central and
whose timestamps come with the local offset or in UTC (API-NOTES §5, open question 5): every
order arrives once, none is skipped, and no run reads an hour again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.domain import FlowName
from orderhub.store.records import EntityKind, records_by_ext

from .conftest import World, new_world

# (zone, a DST change in it, UTC): fall back and spring forward; a zone without DST at :30.
CHANGES = [
    ("America/Chicago", datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),  # 02:00 CDT -> 01:00 CST
    ("America/Chicago", datetime(2026, 3, 8, 8, 0, tzinfo=UTC)),  # 02:00 CST -> 03:00 CDT
    ("Europe/Berlin", datetime(2026, 10, 25, 1, 0, tzinfo=UTC)),  # 03:00 CEST -> 02:00 CET
    ("Asia/Kolkata", datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),  # +05:30, no DST
]
STEP = timedelta(minutes=15)
STEPS = 12  # three hours, the change in the middle: an order each quarter, a pull each half hour


@pytest.fixture(
    params=[(zone, at, utc) for zone, at in CHANGES for utc in (False, True)],
    ids=lambda p: f"{p[0]}-{p[1]:%m%d}-{'utc' if p[2] else 'local'}",
)
def shop(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[tuple[World, FakeClock]]:
    zone, change, utc = request.param
    clock = FakeClock(change - STEP * (STEPS // 2))
    sandbox = Sandbox(
        SandboxConfig(seed=81, orders=3, products=6, plan="unlimited", clock=clock, timezone=zone)
    )
    sandbox.answers.update({"timestamps_in_utc": utc})
    for world in new_world(sqlite_template, tmp_path, sandbox, pulls=(FlowName.ORDERS_PULL,)):
        yield world, clock


def test_orders_pull_neither_skips_nor_rereads_across_the_change(
    shop: tuple[World, FakeClock],
) -> None:
    world, clock = shop
    made: list[int] = []
    waiting = 0
    for step in range(1, STEPS + 1):
        clock.advance(STEP.total_seconds())
        made.append(int(world.sandbox.store.create_order()["id"]))
        waiting += 1
        if step % 2 == 0:
            run = world.must_run(FlowName.ORDERS_PULL)
            assert run.counts.created == waiting  # every new order, once
            assert run.counts.fetched <= waiting + 2  # a small overlap, never an hour again
            waiting = 0
    world.must_run(FlowName.ORDERS_PULL)

    with world.hub.db.read_session() as session:
        held = records_by_ext(
            session, EntityKind.ORDER, world.integration_id, [str(i) for i in made]
        )
    assert sorted(int(r.ext_id) for r in held) == made
    sample = world.api(f"orders/{made[0]}", fields="updated_at")["updated_at"]
    assert sample.endswith("Z") is world.sandbox.answers.to_dict()["timestamps_in_utc"]
