"""orders.pull: Cart.com orders updated since the cursor → hub orders.

A page of 100 orders costs three calls: the orders with items, payments, shipments and custom
fields expanded; their addresses by `select_many`; their customers by `select_many`. The cursor
(updated_at + id) commits in the same transaction as the page's orders, so a run killed at any
point resumes where the last committed page ended and re-reads nothing it already holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.mapping import (
    MappingError,
    StatusBook,
    map_order,
    order_address_ids,
    order_customer_ids,
)
from orderhub.connectors.cartcom.pagination import KeysetPaginator, UpdatedCursor
from orderhub.domain import FlowName
from orderhub.engine import FlowContext
from orderhub.store.records import EntityKind

__all__ = ["OrdersPull"]

ORDER_EXPAND = "items,payments,shipments,custom_fields"
CUSTOMER_FIELDS = "id,email,first_name,last_name,phone_number,company,customer_number,updated_at"
ENTITY_TYPE = "order"


class OrdersPull:
    name = FlowName.ORDERS_PULL
    page_size = 100
    # Re-read this much before the cursor on every run: a write can become visible in lists a
    # little later than its updated_at, and an unchanged re-read costs no database write.
    overlap = timedelta(seconds=60)
    # select_many takes long id lists; two addresses per order fit one call per page.
    select_chunk = 250

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx

    @classmethod
    def from_context(cls, ctx: FlowContext) -> OrdersPull:
        return cls(ctx)

    def run(self, ctx: FlowContext) -> None:
        with cartcom_client_for(ctx) as client:
            statuses = StatusBook.from_records(client.list_all("order_statuses"))
            if ctx.retry_ext_ids:
                self._retry_failed(client, statuses, ctx.retry_ext_ids)
            paginator = KeysetPaginator(
                self._start(),
                page_size=self.page_size,
                overlap=self.overlap,
                until=ctx.started_at,
            )
            pages = client.iter_updated("orders", paginator, params={"expand": ORDER_EXPAND})
            for orders in pages:
                self._store_page(client, statuses, orders, cursor=paginator.position)
                ctx.heartbeat()
                if ctx.should_stop():
                    break

    def _start(self) -> UpdatedCursor:
        if self.ctx.cursor:
            return UpdatedCursor.from_json(self.ctx.cursor)
        if self.ctx.start_from is None:
            raise RuntimeError("the integration has no enabled-at time; connect it first")
        return UpdatedCursor(self.ctx.start_from, 0)

    def _retry_failed(
        self, client: CartcomClient, statuses: StatusBook, ext_ids: Sequence[str]
    ) -> None:
        ids = [int(ext_id) for ext_id in ext_ids if ext_id.isdigit()]
        orders = client.select_many("orders", ids, params={"expand": ORDER_EXPAND})
        self._store_page(client, statuses, orders, cursor=None)

    def _store_page(
        self,
        client: CartcomClient,
        statuses: StatusBook,
        orders: Sequence[Mapping[str, Any]],
        *,
        cursor: UpdatedCursor | None,
    ) -> None:
        ctx = self.ctx
        ctx.counts.fetched += len(orders)
        addresses = _by_id(
            client.select_many(
                "order_addresses",
                _union(order_address_ids(o) for o in orders if isinstance(o, Mapping)),
                chunk_size=self.select_chunk,
            )
        )
        customers = _by_id(
            client.select_many(
                "customers",
                _union(order_customer_ids(o) for o in orders if isinstance(o, Mapping)),
                params={"fields": CUSTOMER_FIELDS},
                chunk_size=self.select_chunk,
            )
        )
        with ctx.unit_of_work() as session:
            for raw in orders:
                ext_id = str(raw.get("id")) if isinstance(raw, Mapping) else "?"
                try:
                    order = map_order(
                        raw,
                        statuses=statuses,
                        addresses=addresses,
                        customers=customers,
                        store_url=ctx.integration.api_url,
                    )
                except MappingError as problem:
                    ctx.fail_record(
                        session,
                        entity_type=ENTITY_TYPE,
                        ext_id=ext_id,
                        exception_type=problem.exception_type,
                        message=str(problem),
                        raw=dict(raw) if isinstance(raw, Mapping) else {"value": repr(raw)},
                    )
                    continue
                ctx.upsert(
                    session,
                    EntityKind.ORDER,
                    ext_id=ext_id,
                    data=order.to_wire(),
                    source_doc=_source_doc(raw, addresses, customers),
                    entity_type=ENTITY_TYPE,
                )
            if cursor is not None:
                ctx.save_cursor(session, cursor.to_json())
        ctx.progress(
            fetched=ctx.counts.fetched,
            created=ctx.counts.created,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )


def _union(groups: Any) -> list[int]:
    merged: set[int] = set()
    for group in groups:
        merged |= group
    return sorted(merged)


def _by_id(records: Sequence[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    return {int(r["id"]): r for r in records if isinstance(r.get("id"), int)}


def _source_doc(
    order: Mapping[str, Any],
    addresses: Mapping[int, Mapping[str, Any]],
    customers: Mapping[int, Mapping[str, Any]],
) -> dict[str, Any]:
    """The Cart.com documents this hub order was built from, kept for the order's detail page."""
    used_addresses = [addresses[i] for i in sorted(order_address_ids(order)) if i in addresses]
    customer = next((customers[i] for i in order_customer_ids(order) if i in customers), None)
    return {"order": dict(order), "addresses": used_addresses, "customer": customer}
