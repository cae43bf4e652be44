"""Distributed mode: a webhook received by a front end without a scheduler defers the flow's
job on the workers' queue at once (with its lock and queueing lock), scheduled for when the
flow is due; the workers' dispatch then finds the job queued and defers nothing more."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest

from orderhub.connectors.cartcom.sandbox import SandboxTransport
from orderhub.connectors.cartcom.webhook_events import hook_path
from orderhub.domain import FlowName
from orderhub.engine import flow_lease_key
from orderhub.engine.distributed import (
    DISPATCH_TASK,
    RUN_FLOW_TASK,
    build_procrastinate_app,
    ensure_procrastinate_schema,
    libpq_conninfo,
)
from orderhub.hooks import QueueWake
from orderhub.hub import Hub
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store
from orderhub.web import create_web_app

pytestmark = pytest.mark.postgres

ORDERS = FlowName.ORDERS_PULL


def _integration(hub: Hub) -> tuple[str, str]:
    now = hub.clock.now()
    with hub.db.session() as session:
        made = integration_store.create_integration(
            session,
            connector="cartcom",
            name="Shop",
            api_url="https://shop.example.com",
            api_token="t",
            box=hub.box,
            now=now,
        )
        integration_id = made.integration_id
        integration_store.mark_connected(session, integration_id, now=now)
        integration_store.set_flow_enabled(session, integration_id, ORDERS, True, now=now)
        integration_store.set_flow_schedule(
            session,
            integration_id,
            ORDERS,
            last_run_at=now,
            next_run_at=now + timedelta(hours=1),
            last_error=None,
        )
        secret = webhook_store.ensure_secret(session, integration_id, hub.box, now=now)
    return integration_id, secret


def _jobs(conninfo: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT lock, queueing_lock, status FROM procrastinate_jobs WHERE task_name = %s",
            (RUN_FLOW_TASK,),
        ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def test_a_webhook_defers_the_flow_job_once_and_dispatch_leaves_it_be(
    pg_hub: Hub, pg_database_url: str
) -> None:
    conninfo = libpq_conninfo(pg_database_url)
    ensure_procrastinate_schema(conninfo)
    integration_id, secret = _integration(pg_hub)
    key = flow_lease_key(integration_id, ORDERS)
    waker = QueueWake(conninfo)
    app = create_web_app(pg_hub, waker=waker)
    try:
        with httpx.Client(transport=SandboxTransport(app), base_url="http://hub.test") as client:
            for event in ("NewOrder", "OrderPlaced", "NewValidOrder"):
                answer = client.post(
                    hook_path(integration_id, secret),
                    params={"event": event},
                    json={"order": {"id": 100001}},
                )
                assert answer.status_code == 200
        waker(integration_id, [ORDERS], 0.5)  # a second defer is refused by the queueing lock
        assert _jobs(conninfo) == [(key, key, "todo")]
    finally:
        waker.close()

    time.sleep(0.7)  # the job's (and the flow's) due time
    queue = build_procrastinate_app(conninfo, pg_hub.runner(), pg_hub.db)
    dispatch: Any = queue.tasks[DISPATCH_TASK]

    async def once() -> dict[str, int]:
        async with queue.open_async():
            return await dispatch(timestamp=0)

    assert asyncio.run(once()) == {"deferred": 0, "pending": 1, "refused": 0}
    assert _jobs(conninfo) == [(key, key, "todo")]
