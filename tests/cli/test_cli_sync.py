"""`orderhub sync ID` runs every enabled flow it can, and skips one that runs elsewhere (issue #12).

"Elsewhere" is a lease on the flow held in the database by another owner, as a scheduler or a
worker in another process holds it while it runs the flow.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import timedelta

import pytest

from orderhub.domain import FlowName, RunStatus
from orderhub.engine.lease import flow_lease_key
from orderhub.services.integrations import add_integration, enable_flow
from orderhub.store import leases as lease_store
from orderhub.store import runs as run_store
from support.stores import Store

from .conftest import Cli

BUSY_LINE = "orders.pull is already running (another process); skipped"


@pytest.fixture
def integration_id(cli: Cli, serve_store: Callable[..., Store]) -> str:
    store = serve_store(orders=3, products=2)
    added = add_integration(cli.hub, api_url=store.url, api_key=store.token)
    since = cli.hub.clock.now() - timedelta(days=120)
    for flow in (FlowName.ORDERS_PULL, FlowName.LOCATIONS_PULL):
        enable_flow(cli.hub, added.integration.integration_id, flow, since=since)
    return added.integration.integration_id


def hold_lease(cli: Cli, integration_id: str, flow: FlowName) -> None:
    """Take the flow's lease as another live owner would (this pid: never taken over as dead)."""
    owner = f"{socket.gethostname()}:{os.getpid()}:elsewhere"
    with cli.hub.db.session() as session:
        assert lease_store.try_acquire(
            session,
            key=flow_lease_key(integration_id, flow),
            owner=owner,
            ttl_seconds=600,
            now=cli.hub.clock.now(),
        )


def flows_run(cli: Cli, integration_id: str) -> dict[FlowName, RunStatus]:
    with cli.hub.db.read_session() as session:
        runs = run_store.list_runs(session, integration_id=integration_id, limit=50)
    return {run.flow: run.status for run in runs}


def test_a_flow_running_elsewhere_is_skipped_and_the_others_run(
    cli: Cli, integration_id: str
) -> None:
    hold_lease(cli, integration_id, FlowName.ORDERS_PULL)

    result = cli("sync", integration_id)

    assert result.exit_code == 0, result.output
    assert result.output.count(BUSY_LINE) == 1
    assert "locations.pull: succeeded" in result.stdout
    assert flows_run(cli, integration_id) == {FlowName.LOCATIONS_PULL: RunStatus.SUCCEEDED}


def test_naming_only_the_busy_flow_skips_it_without_failing(cli: Cli, integration_id: str) -> None:
    hold_lease(cli, integration_id, FlowName.ORDERS_PULL)

    result = cli("sync", integration_id, "orders.pull")

    assert result.exit_code == 0, result.output
    assert BUSY_LINE in result.output
    assert flows_run(cli, integration_id) == {}


def test_piped_output_is_the_summary_lines_only(cli: Cli, integration_id: str) -> None:
    # Not a terminal (as `orderhub sync ID | cat`): no progress display, so no blank line
    # where it would have been.
    result = cli("sync", integration_id)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["orders.pull", "locations.pull"]
