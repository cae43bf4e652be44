"""Locations: warehouses and physical stores."""

from __future__ import annotations

from enum import StrEnum

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.order import Address

__all__ = ["Location", "LocationStatus"]


class LocationStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Location(HubModel):
    location_id: str | None = None
    integration: str | None = None
    name: str
    ext_location_id: str | None = None
    kind: str | None = None
    address: Address | None = None
    status: LocationStatus = LocationStatus.ACTIVE
    is_default: bool = False
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
