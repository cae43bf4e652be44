"""The flow registry: which flows have code behind them, per connector."""

from __future__ import annotations

import pytest

from orderhub.domain import FlowName
from orderhub.engine import FlowContext, FlowRegistry


class _Noop:
    name = FlowName.LOCATIONS_PULL

    def run(self, ctx: FlowContext) -> None:
        return None


def _factory(ctx: FlowContext) -> _Noop:
    return _Noop()


def test_available_lists_registered_flows_per_connector() -> None:
    registry = FlowRegistry()
    registry.register("cartcom", FlowName.LOCATIONS_PULL, _factory)
    registry.register("other", FlowName.ORDERS_PULL, _factory)

    assert registry.available("cartcom") == frozenset({FlowName.LOCATIONS_PULL})
    assert registry.available("other") == frozenset({FlowName.ORDERS_PULL})
    assert registry.available("nobody") == frozenset()
    assert registry.factory("cartcom", FlowName.LOCATIONS_PULL) is _factory
    assert registry.factory("cartcom", FlowName.ORDERS_PULL) is None


def test_flow_names_given_as_strings_are_the_same_flow() -> None:
    registry = FlowRegistry()
    registry.register("cartcom", FlowName("locations.pull"), _factory)
    assert registry.factory("cartcom", FlowName.LOCATIONS_PULL) is _factory


def test_registering_a_flow_twice_is_an_error() -> None:
    registry = FlowRegistry()
    registry.register("cartcom", FlowName.LOCATIONS_PULL, _factory)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("cartcom", FlowName.LOCATIONS_PULL, _factory)


def test_a_registry_given_a_load_registers_its_flows_at_the_first_read_only() -> None:
    loads: list[FlowRegistry] = []

    def load(registry: FlowRegistry) -> None:
        loads.append(registry)
        registry.register("cartcom", FlowName.LOCATIONS_PULL, _factory)

    registry = FlowRegistry(load=load)
    assert loads == []  # built, not loaded: `orderhub orders list` never imports the flows

    assert registry.available("cartcom") == frozenset({FlowName.LOCATIONS_PULL})
    assert registry.factory("cartcom", FlowName.LOCATIONS_PULL) is _factory
    assert registry.factories() == [(FlowName.LOCATIONS_PULL, _factory)]
    assert loads == [registry]


def test_the_default_registry_holds_every_cartcom_flow() -> None:
    from orderhub.connectors.cartcom.flows import register_cartcom_flows
    from orderhub.hub import default_registry

    eager = FlowRegistry()
    register_cartcom_flows(eager)
    assert default_registry().factories() == eager.factories()
