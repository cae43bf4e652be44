"""A merchant's mapping of a carrier (and service) to a store's shipping method.

fulfillments.push matches a fulfillment's `shippingCarrier` / `shippingClass` to the store's
methods by name; where a 3PL's words differ from the store's ("UPSN" for UPS, "Standard" for
"UPS Ground") the merchant adds a mapping per integration. Names are compared folded
(`match_key`): case, spaces and punctuation do not matter.
"""

from __future__ import annotations

import re

from orderhub.domain.base import HubModel, UtcDatetime
from orderhub.domain.bounds import Name

__all__ = ["ShippingMethodMapping", "match_key"]

_FOLD = re.compile(r"[^0-9a-z]+")


def match_key(text: str | None) -> str:
    """A name folded for matching: lowercase letters and digits only ("Fed-Ex " → "fedex")."""
    return _FOLD.sub("", (text or "").casefold())


class ShippingMethodMapping(HubModel):
    """`carrier` (and `service`; none: every service of the carrier) → the method `method`."""

    carrier: Name
    service: Name | None = None
    method: Name
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
