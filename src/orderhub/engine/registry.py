"""Which flows exist in code, per connector: the others show as "not available yet"."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from orderhub.domain import FlowName

if TYPE_CHECKING:
    from orderhub.engine.context import FlowContext
    from orderhub.engine.flow import Flow

__all__ = ["FlowFactory", "FlowRegistry"]

FlowFactory = Callable[["FlowContext"], "Flow"]
"""Builds a flow for one run, so the flow can build its HTTP client from the run's context."""


class FlowRegistry:
    """A map (connector, flow name) -> factory, built by the application and passed down.

    There is no global registry (no import-time state): the CLI, the server and each test
    build their own and register what they need.

    `load`, if given, registers flows when the registry is first read: a process that never
    looks at its flows (`orderhub orders list`) never imports their code.
    """

    def __init__(self, *, load: Callable[[FlowRegistry], None] | None = None) -> None:
        self._factories: dict[tuple[str, FlowName], FlowFactory] = {}
        self._load = load
        self._loading = threading.Lock()

    def register(self, connector: str, flow: FlowName, factory: FlowFactory) -> None:
        """Make `flow` runnable for integrations of `connector`; registering twice is a bug."""
        key = (connector, FlowName(flow))
        if key in self._factories:
            raise ValueError(f"flow {flow} of connector {connector!r} is already registered")
        self._factories[key] = factory

    def factory(self, connector: str, flow: FlowName) -> FlowFactory | None:
        """The factory for this flow, or None when the flow is not available yet."""
        return self._loaded().get((connector, FlowName(flow)))

    def factories(self) -> list[tuple[FlowName, FlowFactory]]:
        """Every registered (flow, factory), whatever the connector."""
        return [(flow, factory) for (_connector, flow), factory in self._loaded().items()]

    def available(self, connector: str) -> frozenset[FlowName]:
        """Flows of `connector` that have code behind them."""
        return frozenset(name for (conn, name) in self._loaded() if conn == connector)

    def _loaded(self) -> dict[tuple[str, FlowName], FlowFactory]:
        if self._load is not None:
            with self._loading:  # threads reading at once wait for one load
                if self._load is not None:
                    self._load(self)
                    self._load = None
        return self._factories
