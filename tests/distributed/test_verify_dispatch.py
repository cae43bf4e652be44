"""The distributed dispatch defers the due daily verifications: one job per integration.

The dispatch job is called directly (no worker process), on the app the workers build with
`verifications=`; a second dispatch finds the job queued and defers nothing, without the
refused INSERT a second defer would cost. Running the queued job runs `verify`.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

import pytest

from orderhub.domain import FlowName
from orderhub.engine.distributed import (
    DISPATCH_TASK,
    build_procrastinate_app,
    ensure_procrastinate_schema,
    libpq_conninfo,
)
from orderhub.engine.verify_schedule import VerifySchedule
from orderhub.hub import Hub
from support.stores import StartStore

from .helpers import connect_stores

pytestmark = pytest.mark.postgres


def test_a_due_integration_gets_one_verify_job(
    pg_hub: Hub, pg_database_url: str, serve_store: StartStore
) -> None:
    [integration_id] = connect_stores(
        pg_hub, [serve_store(orders=5)], flows=[FlowName.ORDERS_PULL], interval_seconds=60
    )
    verified: list[str] = []

    def verify(target: str, _stop: threading.Event | None) -> None:
        verified.append(target)

    # Every second: the integration connected a moment ago is already a second overdue.
    schedule = VerifySchedule(verify, timedelta(seconds=0.001), check_every_seconds=0)
    conninfo = libpq_conninfo(pg_database_url)
    ensure_procrastinate_schema(conninfo)
    app = build_procrastinate_app(conninfo, pg_hub.runner(), pg_hub.db, verifications=schedule)
    dispatch: Any = app.tasks[DISPATCH_TASK]

    async def dispatch_twice_then_work() -> tuple[dict[str, int], dict[str, int]]:
        async with app.open_async():
            first = await dispatch(timestamp=0)
            second = await dispatch(timestamp=1)
            await app.run_worker_async(queues=["orderhub-flows"], wait=False, concurrency=1)
            return first, second

    first, second = asyncio.run(dispatch_twice_then_work())

    assert first["verifications"] == 1
    assert second["verifications"] == 0  # the job is queued: no second defer
    assert integration_id in verified
