"""A run whose process dies reports what it had committed, not zeros."""

from __future__ import annotations

import contextlib

import httpx

from orderhub.connectors.cartcom.flows import OrdersPull
from orderhub.connectors.cartcom.sandbox import SandboxTransport
from orderhub.domain import FlowName, RunStatus
from orderhub.engine import FlowContext
from orderhub.engine.settle import ABANDONED_MESSAGE
from orderhub.store import integrations as integration_store
from orderhub.store import runs as run_store
from orderhub.store.records import EntityKind, count_records

from .conftest import LONG_AGO, World


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even `finally` blocks of the engine."""


class DieAfterPages(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, pages: int) -> None:
        self.inner, self.left = inner, pages

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/orders"):
            if self.left == 0:
                raise Killed
            self.left -= 1
        return self.inner.handle_request(request)


def test_a_killed_run_reports_the_orders_it_committed(world: World) -> None:
    for _ in range(250):
        world.sandbox.store.create_order()
    with world.hub.db.session() as session:
        integration = integration_store.get_integration(session, world.integration_id)
        run_id = run_store.start_run(
            session,
            integration_id=world.integration_id,
            flow=FlowName.ORDERS_PULL,
            trigger="manual",
            now=world.hub.clock.now(),
        )
        held_before = count_records(session, EntityKind.ORDER)
        state = integration_store.get_flow_state(
            session, world.integration_id, FlowName.ORDERS_PULL
        )
    assert integration is not None
    http = httpx.Client(transport=DieAfterPages(SandboxTransport(world.sandbox.app), pages=2))
    ctx = FlowContext(
        db=world.hub.db,
        integration=integration,
        api_token=world.sandbox.full_token,
        flow=FlowName.ORDERS_PULL,
        run_id=run_id,
        start_from=LONG_AGO,
        cursor=state.cursor,
        http=http,
        sleep=lambda _s: None,
    )
    with contextlib.suppress(Killed):
        OrdersPull(ctx).run(ctx)
    with world.hub.db.read_session() as session:
        dead = run_store.get_run(session, run_id)
        committed = count_records(session, EntityKind.ORDER) - held_before
    assert dead is not None
    assert dead.status is RunStatus.RUNNING
    assert committed > 0
    assert dead.counts.created == committed  # not 0: the row moved with each page's commit
    assert dead.counts.fetched >= committed

    world.must_run(FlowName.ORDERS_PULL)  # the next run closes the dead one as abandoned

    with world.hub.db.read_session() as session:
        closed = run_store.get_run(session, run_id)
    assert closed is not None
    assert closed.status is RunStatus.FAILED
    assert closed.error == ABANDONED_MESSAGE
    assert closed.counts.created == committed
