"""The vocabulary of stored records: their kinds, and who made a change."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["ACTORS", "EntityKind", "Origin", "origin_columns"]

ACTORS = frozenset({"flow", "api", "cli", "portal"})


class EntityKind(StrEnum):
    ORDER = "order"
    PRODUCT = "product"
    INVENTORY = "inventory"
    LOCATION = "location"
    FULFILLMENT = "fulfillment"

    @property
    def id_field(self) -> str:
        """The wire name of the hub id: `orderId`, `productId`, …"""
        return f"{self.value}Id"

    @property
    def ext_ref_field(self) -> str:
        """The wire name of the external reference kept as a query column: `extOrderId`, …"""
        return f"ext{self.value.capitalize()}Id"

    @property
    def ext_updated_field(self) -> str:
        """The wire name of the source's update time: `extOrderUpdatedAt`, …"""
        return f"ext{self.value.capitalize()}UpdatedAt"


@dataclass(frozen=True)
class Origin:
    """Who made a change: an integration's flow run, or a person through the API/CLI/portal."""

    integration_id: str | None
    run_id: str | None = None
    flow: str | None = None
    actor: str = "flow"

    def __post_init__(self) -> None:
        if self.actor not in ACTORS:
            raise ValueError(f"actor must be one of {sorted(ACTORS)}, not {self.actor!r}")


def origin_columns(kind: EntityKind, hub_id: str, origin: Origin) -> dict[str, Any]:
    """The columns a change-feed row and a timeline event share: which record, and who."""
    return {
        "kind": kind.value,
        "hub_id": hub_id,
        "integration_id": origin.integration_id,
        "run_id": origin.run_id,
        "flow": origin.flow,
        "actor": origin.actor,
    }
