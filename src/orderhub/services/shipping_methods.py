"""Each integration's carrier → store shipping method mappings (used by fulfillments.push).

fulfillments.push matches a fulfillment's carrier and service to the store's methods by name
(the connector's mapping); a mapping here names the method where the
words differ. A mapping without a service covers every service of its carrier; one with a
service wins over it. The method is checked when a fulfillment uses it (that needs a call to
the store), so a mistyped method shows as that fulfillment's exception, with the store's list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from orderhub.domain.shipping_method import ShippingMethodMapping, match_key
from orderhub.errors import NotFoundError, UsageError
from orderhub.services.integrations import require_integration
from orderhub.store import shipping_methods as store

if TYPE_CHECKING:
    from orderhub.hub import Hub

__all__ = ["list_shipping_methods", "remove_shipping_method", "set_shipping_method"]


def list_shipping_methods(hub: Hub, integration_id: str) -> list[ShippingMethodMapping]:
    """The integration's mappings, by carrier then service."""
    with hub.db.read_session() as session:
        require_integration(session, integration_id)
        return store.list_mappings(session, integration_id)


def set_shipping_method(
    hub: Hub, integration_id: str, *, carrier: str, service: str | None, method: str
) -> ShippingMethodMapping:
    """Add or replace the mapping of `carrier` (and `service`) to the store's `method`."""
    mapping = _mapping(carrier, service, method)
    with hub.db.session() as session:
        require_integration(session, integration_id)
        store.put_mapping(session, integration_id, mapping, hub.clock.now())
        saved = store.list_mappings(session, integration_id)
    return next(
        m
        for m in saved
        if match_key(m.carrier) == match_key(carrier) and match_key(m.service) == match_key(service)
    )


def remove_shipping_method(
    hub: Hub, integration_id: str, *, carrier: str, service: str | None
) -> None:
    """Drop the mapping of `carrier` (and `service`); NotFoundError if there is none."""
    with hub.db.session() as session:
        require_integration(session, integration_id)
        if not store.remove_mapping(session, integration_id, carrier, service):
            what = f"carrier {carrier!r}" + (f" service {service!r}" if service else "")
            raise NotFoundError(f"Integration {integration_id} has no mapping for {what}")


def _mapping(carrier: str, service: str | None, method: str) -> ShippingMethodMapping:
    carrier, method = carrier.strip(), method.strip()
    service = service.strip() if service is not None and service.strip() else None
    if not match_key(carrier):
        raise UsageError("A shipping method mapping needs a carrier (letters or digits)")
    if not match_key(method):
        raise UsageError("A shipping method mapping needs the store's method name")
    try:
        return ShippingMethodMapping(carrier=carrier, service=service, method=method)
    except ValidationError as problem:
        first = problem.errors()[0]
        raise UsageError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
