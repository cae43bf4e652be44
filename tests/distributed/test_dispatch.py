"""One dispatch, twice: the second defers nothing and asks PostgreSQL for nothing it refuses.

A flow with a job already queued must not be deferred again: the queueing lock would refuse
it, but only after a failed INSERT that PostgreSQL logs as an error — at scale, a hundred a
second. The dispatch is called directly here (no worker process), on the Procrastinate app
the workers build; its result says what it did.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from orderhub.domain import FlowName
from orderhub.engine import flow_lease_key
from orderhub.engine.distributed import (
    DISPATCH_TASK,
    RUN_FLOW_TASK,
    SCHEDULED_PRIORITY,
    TRIGGERED_PRIORITY,
    build_procrastinate_app,
    ensure_procrastinate_schema,
    libpq_conninfo,
)
from orderhub.hub import Hub
from orderhub.store import integrations as store_integrations
from support.stores import StartStore

from .helpers import connect_stores

pytestmark = pytest.mark.postgres

FLOWS = (FlowName.ORDERS_PULL, FlowName.LOCATIONS_PULL)


def test_a_second_dispatch_skips_queued_flows_without_a_refused_insert(
    pg_hub: Hub, pg_database_url: str, serve_store: StartStore
) -> None:
    stores = [serve_store(seed=seed, orders=5) for seed in (1, 2)]
    connect_stores(pg_hub, stores, flows=FLOWS, interval_seconds=60)
    conninfo = libpq_conninfo(pg_database_url)
    ensure_procrastinate_schema(conninfo)
    app = build_procrastinate_app(conninfo, pg_hub.runner(), pg_hub.db)
    dispatch: Any = app.tasks[DISPATCH_TASK]

    async def twice() -> tuple[dict[str, int], dict[str, int]]:
        async with app.open_async():
            return await dispatch(timestamp=0), await dispatch(timestamp=1)

    first, second = asyncio.run(twice())

    due = len(stores) * len(FLOWS)  # every enabled flow is due at once
    assert first == {"deferred": due, "pending": 0, "refused": 0}
    assert second == {"deferred": 0, "pending": due, "refused": 0}


def _job_priorities(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT lock, priority FROM procrastinate_jobs WHERE task_name = %s",
            (RUN_FLOW_TASK,),
        ).fetchall()
    return {str(lock): int(priority) for lock, priority in rows}


def test_a_triggered_flow_is_deferred_above_timer_work_and_raises_a_queued_timer_job(
    pg_hub: Hub, pg_database_url: str, serve_store: StartStore
) -> None:
    stores = [serve_store(seed=seed, orders=5) for seed in (1, 2)]
    ids = list(connect_stores(pg_hub, stores, flows=FLOWS, interval_seconds=60))
    conninfo = libpq_conninfo(pg_database_url)
    ensure_procrastinate_schema(conninfo)
    app = build_procrastinate_app(conninfo, pg_hub.runner(), pg_hub.db)
    dispatch: Any = app.tasks[DISPATCH_TASK]
    asked, timer = ids
    with pg_hub.db.session() as session:  # a webhook for one store's orders.pull
        store_integrations.mark_due(session, asked, [FlowName.ORDERS_PULL], now=pg_hub.clock.now())

    async def once() -> dict[str, int]:
        async with app.open_async():
            return await dispatch(timestamp=0)

    asyncio.run(once())
    priorities = _job_priorities(conninfo)
    assert priorities[flow_lease_key(asked, FlowName.ORDERS_PULL)] == TRIGGERED_PRIORITY
    assert priorities[flow_lease_key(asked, FlowName.LOCATIONS_PULL)] == SCHEDULED_PRIORITY
    assert priorities[flow_lease_key(timer, FlowName.ORDERS_PULL)] == SCHEDULED_PRIORITY

    with pg_hub.db.session() as session:  # Sync now while the timer job waits in the queue
        store_integrations.mark_due(session, timer, [FlowName.ORDERS_PULL], now=pg_hub.clock.now())
    second = asyncio.run(once())

    assert second["raised"] == 1
    assert _job_priorities(conninfo)[flow_lease_key(timer, FlowName.ORDERS_PULL)] == (
        TRIGGERED_PRIORITY
    )
