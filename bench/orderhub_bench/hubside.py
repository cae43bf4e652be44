"""Hub-side helpers shared by the driver's tasks: connect, a counting runner, run figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from orderhub.domain import FlowName, Integration, Run
from orderhub.engine import FlowRegistry, FlowRunner
from orderhub.hub import Hub
from orderhub.services.integrations import add_integration, enable_flow
from orderhub_bench.measure import StatusCounter

__all__ = ["LONG_AGO", "CountingRunner", "connect", "run_figures"]

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
"""Backfill start: every seeded order (a 90-day history) is after it."""

TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # what the product's own client uses


def connect(hub: Hub, store_url: str, token: str, flows: Iterable[FlowName]) -> str:
    """Add the sandbox store as an integration and switch `flows` on, backfilling everything."""
    result = add_integration(hub, api_url=store_url, api_key=token, name="bench store")
    if not result.report.ok:
        raise RuntimeError(f"the connection test failed: {result.report.summary}")
    integration_id = result.integration.integration_id
    for flow in flows:
        enable_flow(hub, integration_id, flow, since=LONG_AGO)
    return integration_id


@dataclass
class CountingRunner:
    """A `FlowRunner` whose flows get one httpx client that counts answers by status.

    The runner injects the client through its `http_factory` seam, so the flow's code path is
    the product's; only the transport's statuses are observed.
    """

    runner: FlowRunner
    statuses: StatusCounter
    http: httpx.Client

    @classmethod
    def build(cls, hub: Hub, registry: FlowRegistry | None = None) -> CountingRunner:
        statuses = StatusCounter()
        http = httpx.Client(timeout=TIMEOUT, event_hooks={"response": [statuses.hook]})

        def factory(_integration: Integration) -> httpx.Client:
            return http

        runner = FlowRunner(
            hub.db,
            hub.box,
            registry if registry is not None else hub.registry,
            clock=hub.clock,
            http_factory=factory,
        )
        return cls(runner=runner, statuses=statuses, http=http)

    def run(self, integration_id: str, flow: FlowName) -> Run:
        return self.runner.run_flow(integration_id, flow, trigger="manual")

    def close(self) -> None:
        self.http.close()


def run_figures(run: Run) -> dict[str, Any]:
    """The run row's figures, as the hub recorded them."""
    return {
        "status": run.status.value,
        "error": run.error,
        "counts": run.counts.model_dump(),
        "api_calls": run.api_calls,
        "rate_limit_wait_seconds": run.rate_limit_wait_seconds,
    }
