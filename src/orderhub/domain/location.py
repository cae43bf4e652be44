"""Locations: warehouses and physical stores."""

from __future__ import annotations

from enum import StrEnum

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.bounds import Code, Identifier, Name
from orderhub.domain.order import Address

__all__ = ["Location", "LocationStatus"]


class LocationStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Location(HubModel):
    location_id: Identifier | None = None
    integration: Identifier | None = None
    name: Name
    ext_location_id: Identifier | None = None
    kind: Code | None = None
    address: Address | None = None
    status: LocationStatus = LocationStatus.ACTIVE
    is_default: bool = False
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
