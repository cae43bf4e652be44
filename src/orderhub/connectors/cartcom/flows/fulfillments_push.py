"""fulfillments.push: hub fulfillments of this store's orders → Cart.com shipments, exactly once.

Which: fulfillments created or changed by anything but this integration (the change feed
without its own changes), since the integration was enabled, whose hub order came from this
integration; fulfillments of other orders are passed over silently.

Calls for a page of up to 100 fulfillments (API-NOTES §15 recipe C, batched):
`GET /order_statuses` once per run (only if there is work); `GET /orders/select_many` with
the orders' status and items; `GET /order_shipments?order_id=eq:A+OR+eq:B…` with their
shipments and shipment items; then per fulfillment one `POST /order_shipments` and per order
at most one `PUT /orders/{id}/status`. About two calls per fulfillment. When a fulfillment names
a carrier or a service, the store's shipping methods (three lists, `flows.shipping_methods`)
are read once per few minutes per process, and the shipment names the method they match; one
that matches nothing is that fulfillment's `noShippingMethod` exception.

Exactly once: the shipment is named after the hub fulfillment (`OH-<fulfillmentId>`) and looked
up by that name before it is created, and the feed position commits only after the page's
writes (the engine's push kit). A crash anywhere before that commit re-reads the page next run
and finds the shipments already made (one that matches is left alone; one that differs is
updated, never duplicated). A POST whose answer is lost is resolved at once by reading the
shipment back by name, and sent again only if it is not there.

Per-record exceptions (the run goes on): an order Cart.com does not know, a line whose order
item is not on the Cart.com order, more than is left to ship, a shipment or status change
Cart.com refuses or keeps failing. The hub order itself is not changed here: the status
change moves the Cart.com order's `updated_at`, so orders.pull brings the new status (and
shipped quantities) back to the hub on its next run.

This module is the hub side (which fulfillments); `flows.shipments` is the Cart.com side of a
page. A dry run (`ctx.dry_run`) makes the reads, plans each write instead of sending it, and
keeps nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pydantic import ValidationError

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.flows.shipments import ShipmentJob, ShipmentWriter
from orderhub.connectors.cartcom.mapping import MappingError, map_fulfillment
from orderhub.domain import FlowName, Fulfillment, Order
from orderhub.engine import EntityKind, FlowContext, HubView
from orderhub.engine.push import FeedPage, FeedPush, PageResult

__all__ = ["FulfillmentsPush"]


class FulfillmentsPush(FeedPush[ShipmentWriter, ShipmentJob]):
    name = FlowName.FULFILLMENTS_PUSH
    feed = EntityKind.FULFILLMENT
    entity_type = EntityKind.FULFILLMENT.value
    feed_page = 100

    @contextmanager
    def connect(self, ctx: FlowContext) -> Iterator[ShipmentWriter]:
        client: CartcomClient
        with cartcom_client_for(ctx) as client:
            yield ShipmentWriter(ctx, client)

    def load(self, view: HubView, page: FeedPage, result: PageResult) -> list[ShipmentJob]:
        """Fulfillments of this integration's orders, mapped to shipment bodies (two queries)."""
        ctx = self.ctx
        fulfillments = view.records(EntityKind.FULFILLMENT, page.keys)
        order_ids = [
            order_id
            for record in fulfillments.values()
            if isinstance(order_id := record.data.get("orderId"), str)
        ]
        orders = view.records(EntityKind.ORDER, order_ids)
        jobs: list[ShipmentJob] = []
        for hub_id in page.keys:
            record = fulfillments.get(hub_id)
            order_record = orders.get(str(record.data.get("orderId"))) if record else None
            if (
                record is None
                or record.integration_id == ctx.integration_id
                or order_record is None
                or order_record.integration_id != ctx.integration_id
            ):
                result.passed.append(hub_id)  # not ours to push: an old exception goes away
                continue
            wire = record.to_wire()
            try:
                order = Order.model_validate(order_record.to_wire())
                body = map_fulfillment(Fulfillment.model_validate(wire), order)
            except ValidationError as problem:
                first = problem.errors()[0]
                place = ".".join(str(part) for part in first["loc"])
                result.fail(hub_id, "invalidRecord", f"{place}: {first['msg']}", wire)
                continue
            except MappingError as problem:
                result.fail(hub_id, problem.exception_type, problem.reason, wire)
                continue
            jobs.append(ShipmentJob(hub_id, wire, order, body))
        return jobs

    def write(
        self, target: ShipmentWriter, jobs: Sequence[ShipmentJob], result: PageResult
    ) -> None:
        target.send(jobs, result)
