"""The store's shipping methods and the merchant's mappings, for fulfillments.push.

`MethodChooser.fields_for(job)` gives the `order_shipments` fields naming the method a
fulfillment's carrier and service match (`mapping.shipping_methods.resolve`). What it reads,
only once a fulfillment of the run names a carrier or a service:
- the store's `shipping_providers`, `shipping_provider_services` and `custom_shipping_methods`,
  three calls through the process's reference cache (`engine.reference_cache`: once per few
  minutes, however many runs), the way Cart.com's own shipment example looks methods up;
- the integration's mappings (`orderhub integrations shipping-methods`), once per run.

Reading the store's methods needs the token's `settings` scope; without it each fulfillment
that names a carrier becomes an exception saying so (the others go on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import PermissionDenied
from orderhub.connectors.cartcom.mapping.common import MappingError
from orderhub.connectors.cartcom.mapping.shipping_methods import (
    NO_SHIPPING_METHOD,
    MethodBook,
    method_fields,
    resolve,
)
from orderhub.domain.shipping_method import ShippingMethodMapping
from orderhub.engine import FlowContext

if TYPE_CHECKING:
    from orderhub.connectors.cartcom.flows.shipments import ShipmentJob

__all__ = ["MethodChooser", "shipping_methods"]


def shipping_methods(ctx: FlowContext, client: CartcomClient) -> MethodBook:
    """The store's shipping methods: three calls, once per few minutes per process."""
    return ctx.reference.get(
        ("shipping_methods", client.base_url),
        lambda: MethodBook.from_records(
            client.list_all("shipping_providers"),
            client.list_all("shipping_provider_services", page_size=250),
            client.list_all("custom_shipping_methods", page_size=250),
        ),
    )


class MethodChooser:
    """Shipping method fields per fulfillment; reads lazily, once per run."""

    def __init__(self, ctx: FlowContext, client: CartcomClient) -> None:
        self.ctx = ctx
        self.client = client
        self._book: MethodBook | None = None
        self._mappings: list[ShippingMethodMapping] | None = None
        self._denied: MappingError | None = None

    def fields_for(self, job: ShipmentJob) -> dict[str, Any]:
        """The method fields for `job` (empty when it names neither carrier nor service).

        Raises `MappingError` (`noShippingMethod`) when nothing matches.
        """
        carrier, service = job.carrier, job.service
        if not carrier and not service:
            return {}
        method = resolve(
            self._methods(),
            carrier,
            service,
            overrides=self._overrides(),
            chosen=(job.order.shipping_method, job.order.shipping_code),
            integration_id=self.ctx.integration_id,
        )
        return method_fields(method) if method is not None else {}

    def _methods(self) -> MethodBook:
        if self._denied is not None:  # asked once per run, not once per fulfillment
            raise self._denied
        if self._book is None:
            try:
                self._book = shipping_methods(self.ctx, self.client)
            except PermissionDenied as denied:
                self._denied = MappingError(
                    NO_SHIPPING_METHOD,
                    "the Cart.com token cannot read the store's shipping methods, so the "
                    "carrier cannot be matched to one: give it the permission 'Other: View and "
                    f"change configuration settings' (settings) ({denied})",
                )
                raise self._denied from denied
        return self._book

    def _overrides(self) -> list[ShippingMethodMapping]:
        if self._mappings is None:
            with self.ctx.reading() as view:
                self._mappings = view.shipping_method_mappings(self.ctx.integration_id)
        return self._mappings
