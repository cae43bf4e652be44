"""orders.pull: Cart.com orders updated since the cursor → hub orders.

A page of 100 orders costs three calls: the orders with items, payments, shipments and custom
fields expanded; their addresses by `select_many`; their customers by `select_many`. The cursor
(updated_at + id) commits in the same transaction as the page's orders, so a run killed at any
point resumes where the last committed page ended and re-reads nothing it already holds.

One background thread fetches the next page (and its addresses and customers) while this
one stores the current page, so the hub does not wait for the store and the database in
turn. It runs one page ahead at most; pages are stored in order, each with its own cursor,
and a stop (`ctx.should_stop()`) or an error ends it before the run returns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Any, Generic, TypeVar

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
from orderhub.store.records import EntityKind, UpsertItem

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
            # `paginator.position` is read in the fetching thread right after its page came
            # in, before the next is asked for: it is that page's cursor.
            fetched = (self._fetch(client, orders, paginator.position) for orders in pages)
            with _Prefetch(fetched) as ahead:
                for page in ahead:
                    self._store(statuses, page)
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
        self._store(statuses, self._fetch(client, orders, None))

    def _fetch(
        self,
        client: CartcomClient,
        orders: Sequence[Mapping[str, Any]],
        cursor: UpdatedCursor | None,
    ) -> _Page:
        """A page's orders with the addresses and customers they name (two more calls)."""
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
        return _Page(orders, addresses, customers, cursor)

    def _store(self, statuses: StatusBook, page: _Page) -> None:
        """Map a page, keep the bad orders as exceptions, upsert the rest with the cursor."""
        ctx = self.ctx
        orders, addresses, customers = page.orders, page.addresses, page.customers
        ctx.counts.fetched += len(orders)
        with ctx.unit_of_work() as session:
            items: list[UpsertItem] = []
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
                items.append(
                    UpsertItem(
                        ctx.integration_id,
                        ext_id,
                        order.to_wire(),
                        _source_doc(raw, addresses, customers),
                    )
                )
            # The whole page in a few statements (see `upsert_records`), not four per order.
            ctx.upsert_many(session, EntityKind.ORDER, items, entity_type=ENTITY_TYPE)
            if page.cursor is not None:
                ctx.save_cursor(session, page.cursor.to_json())
        ctx.progress(
            fetched=ctx.counts.fetched,
            created=ctx.counts.created,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )


@dataclass(frozen=True)
class _Page:
    orders: Sequence[Mapping[str, Any]]
    addresses: dict[int, Mapping[str, Any]]
    customers: dict[int, Mapping[str, Any]]
    cursor: UpdatedCursor | None


T = TypeVar("T")


class _Prefetch(Generic[T]):
    """Iterate `source` one item ahead, in a background thread; errors come out in order.

    Leaving the `with` block (a stop, an error while storing, the end) tells the thread to
    stop and waits for it, so nothing it does outlives the run (it finishes the request in
    flight, at most one page).
    """

    def __init__(self, source: Iterable[T]) -> None:
        self._source = source
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._closed = threading.Event()
        self._taken = threading.Semaphore(0)
        self._thread = threading.Thread(target=self._produce, name="orders-prefetch", daemon=True)

    def __enter__(self) -> Iterator[T]:
        self._thread.start()
        return self._consume()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closed.set()
        self._thread.join()

    def _consume(self) -> Iterator[T]:
        while True:
            what, value = self._queue.get()
            self._taken.release()
            if what == "error":
                raise value
            if what == "done":
                return
            yield value

    def _produce(self) -> None:
        try:
            for item in self._source:
                # Wait until the consumer took it: fetch the next page only while the
                # current one is being stored, never two ahead.
                if not self._put("item", item) or not self._wait_taken():
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put("error", error)
            return
        self._put("done", None)

    def _wait_taken(self) -> bool:
        while not self._closed.is_set():
            if self._taken.acquire(timeout=0.05):
                return True
        return False

    def _put(self, what: str, value: Any) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put((what, value), timeout=0.05)
            except queue.Full:
                continue
            return True
        return False


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
