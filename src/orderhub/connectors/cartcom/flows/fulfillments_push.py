"""fulfillments.push: hub fulfillments of this store's orders → Cart.com shipments, exactly once.

Which: fulfillments created or changed by anything but this integration (the change feed,
`exclude_integration`), since the integration was enabled, whose hub order came from this
integration; fulfillments of other orders are passed over silently.

Calls for a page of up to 100 fulfillments (API-NOTES §15 recipe C, batched):
`GET /order_statuses` once per run (only if there is work); `GET /orders/select_many` with
the orders' status and items; `GET /order_shipments?order_id=eq:A+OR+eq:B…` with their
shipments and shipment items; then per fulfillment one `POST /order_shipments` and per order
at most one `PUT /orders/{id}/status`. About two calls per fulfillment.

Exactly once: the shipment is named after the hub fulfillment (`OH-<fulfillmentId>`) and looked
up by that name before it is created, and the feed position commits only after the page's
writes. A crash anywhere before that commit re-reads the page next run and finds the shipments
already made (one that matches is left alone; one that differs is updated, never duplicated).
A POST whose answer is lost (reset, timeout, 5xx) is resolved at once by reading the shipment
back by name, and sent again only if it is not there. Cart.com also treats a known
`shipment_name` in a POST as an update of that shipment, a second guard behind the lookup.

Per-record exceptions (the run goes on; `exceptions retry` or the next run tries again): an
order Cart.com does not know, a line whose order item is not on the Cart.com order, more
than is left to ship, a shipment or status change Cart.com refuses. The hub order itself is not
changed here: the status change moves the Cart.com order's `updated_at`, so orders.pull brings
the new status (and shipped quantities) back to the hub on its next run.

This module is the hub side (which fulfillments, the feed position, the records);
`flows.shipments` is the Cart.com side of a page. A dry run (`ctx.dry_run`) makes the reads,
plans each shipment and status write instead of sending it, and keeps nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pydantic import ValidationError

from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.flows.shipments import PageResult, ShipmentJob, ShipmentWriter
from orderhub.connectors.cartcom.mapping import MappingError, map_fulfillment
from orderhub.domain import FlowName, Fulfillment, Order
from orderhub.engine import FlowContext
from orderhub.store.feed import add_timeline_note, feed_position_at, settled_seq
from orderhub.store.records import EntityKind, Origin, changes_since, get_record

__all__ = ["FulfillmentsPush"]

ENTITY_TYPE = EntityKind.FULFILLMENT.value


class FulfillmentsPush:
    name = FlowName.FULFILLMENTS_PUSH
    supports_dry_run = True
    page_size = 100
    # A feed gap younger than this may be a transaction still in flight (store.feed).
    settle_grace = timedelta(minutes=5)

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx

    @classmethod
    def from_context(cls, ctx: FlowContext) -> FulfillmentsPush:
        return cls(ctx)

    def run(self, ctx: FlowContext) -> None:
        with cartcom_client_for(ctx) as client:
            writer = ShipmentWriter(ctx, client)
            retry = list(ctx.retry_ext_ids)  # hub fulfillment ids with an open exception
            for start in range(0, len(retry), self.page_size):
                self._push(writer, retry[start : start + self.page_size], cursor=None)
            saved = self._start()
            position = saved
            fresh = ctx.cursor is None
            while True:
                with ctx.db.read_session() as session:
                    changes = changes_since(
                        session,
                        EntityKind.FULFILLMENT,
                        position,
                        exclude_integration=ctx.integration_id,
                        limit=self.page_size,
                    )
                if not changes:
                    if fresh:  # keep the first position, so later runs need not look for it
                        with ctx.unit_of_work() as session:
                            ctx.save_cursor(session, {"seq": saved})
                    break
                position = changes[-1].seq
                hub_ids = list(dict.fromkeys(change.hub_id for change in changes))
                saved = self._push(writer, hub_ids, cursor=(saved, position))
                fresh = False
                ctx.heartbeat()
                if ctx.should_stop():
                    break

    def _start(self) -> int:
        ctx = self.ctx
        if ctx.cursor:
            seq = ctx.cursor.get("seq")
            if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 0:
                return seq
            raise RuntimeError(f"the saved position {ctx.cursor!r} is not a feed seq")
        if ctx.start_from is None:
            raise RuntimeError("the integration has no enabled-at time; connect it first")
        with ctx.db.read_session() as session:
            return feed_position_at(session, EntityKind.FULFILLMENT, ctx.start_from)

    # --- one page -------------------------------------------------------------------------

    def _push(
        self, writer: ShipmentWriter, hub_ids: Sequence[str], *, cursor: tuple[int, int] | None
    ) -> int:
        """Push these fulfillments, then record outcomes and the position in one transaction."""
        ctx = self.ctx
        page = PageResult()
        jobs = self._load(hub_ids, page)
        ctx.counts.fetched += len(jobs) + len(page.failed)
        if jobs:
            writer.send(jobs, page)
        saved = cursor[0] if cursor else 0
        with ctx.unit_of_work() as session:
            now = ctx.clock.now()
            for hub_id, (kind, message, raw) in page.failed.items():
                ctx.fail_record(
                    session,
                    entity_type=ENTITY_TYPE,
                    ext_id=hub_id,
                    exception_type=kind,
                    message=message,
                    raw=raw,
                )
            origin = Origin(ctx.integration_id, run_id=ctx.run_id, flow=ctx.flow.value)
            for hub_id, (outcome, note) in page.done.items():
                setattr(ctx.counts, outcome, getattr(ctx.counts, outcome) + 1)
                if outcome != "unchanged":
                    add_timeline_note(
                        session, EntityKind.FULFILLMENT, hub_id, note=note, origin=origin, now=now
                    )
                ctx.resolve_record(session, entity_type=ENTITY_TYPE, ext_id=hub_id)
            for hub_id in page.passed:  # no longer ours to push: an old exception goes away
                ctx.resolve_record(session, entity_type=ENTITY_TYPE, ext_id=hub_id)
            if cursor is not None:
                saved = settled_seq(session, cursor[0], cursor[1], now=now, grace=self.settle_grace)
                ctx.save_cursor(session, {"seq": saved})
        ctx.progress(
            fetched=ctx.counts.fetched,
            created=ctx.counts.created,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )
        return saved

    def _load(self, hub_ids: Sequence[str], page: PageResult) -> list[ShipmentJob]:
        """The hub side: fulfillments of this integration's orders, mapped to shipment bodies."""
        ctx = self.ctx
        jobs: list[ShipmentJob] = []
        with ctx.db.read_session() as session:
            for hub_id in hub_ids:
                record = get_record(session, EntityKind.FULFILLMENT, hub_id)
                order_id = record.data.get("orderId") if record is not None else None
                order_record = (
                    get_record(session, EntityKind.ORDER, order_id)
                    if isinstance(order_id, str)
                    else None
                )
                if (
                    record is None
                    or record.integration_id == ctx.integration_id
                    or order_record is None
                    or order_record.integration_id != ctx.integration_id
                ):
                    page.passed.append(hub_id)
                    continue
                wire = record.to_wire()
                try:
                    fulfillment = Fulfillment.model_validate(wire)
                    order = Order.model_validate(order_record.to_wire())
                    body = map_fulfillment(fulfillment, order)
                except ValidationError as problem:
                    first = problem.errors()[0]
                    place = ".".join(str(part) for part in first["loc"])
                    page.fail(hub_id, "invalidRecord", f"{place}: {first['msg']}", wire)
                    continue
                except MappingError as problem:
                    page.fail(hub_id, problem.exception_type, problem.reason, wire)
                    continue
                jobs.append(ShipmentJob(hub_id, wire, order, body))
        return jobs
