"""The connectors a hub knows, found by the kind an integration records.

Cart.com is built in; another connector installs as a package that declares an entry point in
the group `orderhub.connectors` (`toy = "acme_toy:ToyConnector"`), or a caller (a test, an
embedding application) builds a `ConnectorRegistry` of its own. No import-time state: each hub
gets its registry from `default_connectors()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from orderhub.connectors.base import Connector
from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.domain import Integration
    from orderhub.engine.registry import FlowRegistry

__all__ = ["ENTRY_POINT_GROUP", "ConnectorRegistry", "UnknownConnector", "default_connectors"]

ENTRY_POINT_GROUP = "orderhub.connectors"


class UnknownConnector(UsageError):
    """No connector of that name is installed."""


class ConnectorRegistry:
    """Connectors by kind, in the order given (the first is the default for a new store)."""

    def __init__(self, connectors: Iterable[Connector]) -> None:
        self._by_kind: dict[str, Connector] = {}
        for connector in connectors:
            if connector.kind in self._by_kind:
                raise ValueError(f"connector {connector.kind!r} is registered twice")
            self._by_kind[connector.kind] = connector

    def __iter__(self) -> Iterator[Connector]:
        return iter(self._by_kind.values())

    def kinds(self) -> list[str]:
        return list(self._by_kind)

    def get(self, kind: str) -> Connector:
        """The connector of `kind`, or `UnknownConnector` naming those there are."""
        connector = self._by_kind.get(kind)
        if connector is None:
            raise UnknownConnector(f"No connector {kind[:40]!r} is installed")
        return connector

    def find(self, name: str) -> Connector:
        """The connector a person named: its kind, display name or an alias, any case."""
        wanted = name.strip().casefold()
        for connector in self:
            names = {connector.kind, connector.display_name.casefold(), *connector.aliases}
            if wanted in names:
                return connector
        known = ", ".join(f"`{kind}`" for kind in self._by_kind) or "none"
        raise UnknownConnector(f"Unknown connector {name[:40]!r}; available: {known}")

    def of(self, integration: Integration) -> Connector:
        """The connector of an existing integration."""
        return self.get(integration.connector)

    def register_flows(self, registry: FlowRegistry) -> None:
        """Every connector's flows, into `registry` (its `load`)."""
        for connector in self:
            connector.register_flows(registry)


def default_connectors() -> ConnectorRegistry:
    """Cart.com, then every connector installed under the `orderhub.connectors` entry points."""
    from orderhub.connectors.cartcom.connector import CartcomConnector

    found: list[Connector] = [CartcomConnector()]
    for point in entry_points(group=ENTRY_POINT_GROUP):
        made = point.load()()
        if not isinstance(made, Connector):
            raise TypeError(f"entry point {point.name!r} did not make a Connector")
        found.append(made)
    return ConnectorRegistry(found)
