"""A baseline orders pull, as a typical integration is written from Cart.com's examples.

The official examples (`examples/python/oauth_web_flow`, `create_shipment_for_order.py`) walk a
list with page numbers, `GET /orders?page=N`, keyed off `next_page`, and then fetch what each
record needs one call at a time. So per order this connector makes:

- `GET /orders/{id}?expand=items,payments,shipments,custom_fields` (the example's
  `GET /orders/1?expand=items`, with the other collections the hub's order needs);
- `GET /order_addresses/{id}` for each distinct address the order names (billing, shipping,
  per-line ship-to);
- `GET /customers/{id}`.

It maps with OrderHub's own `map_order` and writes through the same engine (`ctx.upsert`,
one transaction per page of 100, as orders.pull does), so the comparison is end to end and the
only difference is how the Cart.com API is used. It sends no `Cache-Control: no-cache` (the
examples do not) and has no cursor: a backfill walks every page. `limit` stops it after that
many orders, so a benchmark can run it on a subset and scale per order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from orderhub.connectors.cartcom.mapping import (
    MappingError,
    StatusBook,
    map_order,
    order_address_ids,
    order_customer_ids,
)
from orderhub.domain import FlowName
from orderhub.engine import FlowContext
from orderhub.store.records import EntityKind

__all__ = ["BaselineOrdersPull"]

EXPAND = "items,payments,shipments,custom_fields"


class BaselineOrdersPull:
    """Registered in place of orders.pull in the benchmark's own registry."""

    name = FlowName.ORDERS_PULL

    def __init__(self, ctx: FlowContext, *, limit: int | None = None) -> None:
        self.ctx = ctx
        self.limit = limit

    def run(self, ctx: FlowContext) -> None:
        base = ctx.integration.api_url.rstrip("/") + "/api/v1/"
        headers = {"X-AC-Auth-Token": ctx.api_token, "Accept": "application/json"}
        http = ctx.http if ctx.http is not None else httpx.Client(timeout=30.0)
        calls = 0

        def get(path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
            nonlocal calls
            calls += 1
            response = http.get(base + path, params=params, headers=headers)
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            return body

        try:
            statuses = StatusBook.from_records(get("order_statuses")["order_statuses"])
            done = 0
            page = 1
            while self.limit is None or done < self.limit:
                listing = get("orders", {"page": str(page)})
                summaries = listing.get("orders", [])
                if self.limit is not None:
                    summaries = summaries[: self.limit - done]
                orders = [get(f"orders/{s['id']}", {"expand": EXPAND}) for s in summaries]
                addresses = {
                    i: get(f"order_addresses/{i}") for o in orders for i in order_address_ids(o)
                }
                customers = {
                    i: get(f"customers/{i}") for o in orders for i in order_customer_ids(o)
                }
                self._store(orders, statuses, addresses, customers)
                done += len(orders)
                ctx.api_calls = calls
                ctx.heartbeat()
                if not listing.get("next_page") or not summaries or ctx.should_stop():
                    break
                page += 1
        finally:
            ctx.api_calls = calls
            if ctx.http is None:
                http.close()

    def _store(
        self,
        orders: list[dict[str, Any]],
        statuses: StatusBook,
        addresses: Mapping[int, Mapping[str, Any]],
        customers: Mapping[int, Mapping[str, Any]],
    ) -> None:
        ctx = self.ctx
        ctx.counts.fetched += len(orders)
        with ctx.unit_of_work() as session:
            for raw in orders:
                ext_id = str(raw.get("id"))
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
                        entity_type="order",
                        ext_id=ext_id,
                        exception_type=problem.exception_type,
                        message=str(problem),
                        raw=raw,
                    )
                    continue
                used = [addresses[i] for i in sorted(order_address_ids(raw)) if i in addresses]
                customer = next(
                    (customers[i] for i in order_customer_ids(raw) if i in customers), None
                )
                ctx.upsert(
                    session,
                    EntityKind.ORDER,
                    ext_id=ext_id,
                    data=order.to_wire(),
                    source_doc={"order": raw, "addresses": used, "customer": customer},
                    entity_type="order",
                )
