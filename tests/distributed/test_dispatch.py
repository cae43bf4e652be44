"""One dispatch, twice: the second defers nothing and asks PostgreSQL for nothing it refuses.

A flow with a job already queued must not be deferred again: the queueing lock would refuse
it, but only after a failed INSERT that PostgreSQL logs as an error — at scale, a hundred a
second. The dispatch is called directly here (no worker process), on the Procrastinate app
the workers build; its result says what it did.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from orderhub.domain import FlowName
from orderhub.engine.distributed import (
    DISPATCH_TASK,
    build_procrastinate_app,
    ensure_procrastinate_schema,
    libpq_conninfo,
)
from orderhub.hub import Hub
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
