"""A real `orderhub worker --metrics-port`: its probes answer (the queue checked), and its
/metrics counts the runs it made."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import pytest

from orderhub.domain import FlowName
from orderhub.hub import Hub
from support.stores import Store

from .conftest import StartWorker
from .helpers import connect_stores, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LOCATIONS = FlowName.LOCATIONS_PULL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_worker_serves_its_probes_and_its_own_metrics(
    pg_hub: Hub, serve_store: Callable[..., Store], start_worker: StartWorker
) -> None:
    (integration_id,) = connect_stores(
        pg_hub, [serve_store(orders=5)], flows=[LOCATIONS], interval_seconds=60
    )
    port = free_port()
    worker = start_worker("--concurrency", "1", "--metrics-port", str(port))
    url = f"http://127.0.0.1:{port}"
    succeeded = (
        f'orderhub_runs_total{{flow="locations.pull",integration="{integration_id}",'
        'outcome="succeeded"} 1.0'
    )

    def counted() -> bool:
        try:
            return succeeded in httpx.get(f"{url}/metrics", timeout=2).text
        except httpx.HTTPError:
            return False

    wait_for(counted, 60, "the worker's run in its /metrics", every=0.5)
    metrics = httpx.get(f"{url}/metrics").text
    assert 'orderhub_remote_calls_total{connector="cartcom"' in metrics
    assert f'orderhub_sync_lag_seconds{{flow="locations.pull",integration="{integration_id}"}}' in (
        metrics
    )
    assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
    ready = httpx.get(f"{url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "queue": "ok"}
    assert worker.stop() == 0
