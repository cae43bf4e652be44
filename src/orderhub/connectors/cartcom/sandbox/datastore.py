"""The sandbox's in-memory store: tables, nested-collection indexes, change rules, test helpers.

All reads and writes go through one re-entrant lock, so the HTTP app (in uvicorn's thread), a
test thread and the live-activity thread can share it. The change rules live here, in one place:
every write stamps `updated_at` (rounded to the SQL Server grid), and a change to an order's
items, payments, shipments or addresses also moves the order's `updated_at` (our answer to the
open question; documented in docs/sandbox.md). With a visibility lag set, list/filter results
keep showing a record's previous version until `updated_at + lag`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from orderhub.clock import Clock

from .answers import Answers
from .columns import POSTAL_FORMS, PostalForm
from .decode import decode_changes
from .render import Renderer
from .resource_spec import ResourceSpec
from .resources import RESOURCES
from .store_time import StoreTime
from .table import ChildIndex, Table
from .timefmt import datetime_to_ms, grid_ms

__all__ = ["DataStore", "Event", "OrderMaker", "Pending"]

# (child table, parent table, fk column) for nested collections and updated_at bumps
_CHILD_LINKS = (
    ("order_items", "orders", "order_id"),
    ("order_payments", "orders", "order_id"),
    ("order_shipments", "orders", "order_id"),
    ("shipment_items", "order_shipments", "shipment_id"),
    ("product_variants", "products", "product_id"),
    ("variant_inventory", "products", "product_id"),
    ("product_variants", "variant_groups", "variant_group_id"),
)


@dataclass
class Pending:
    """A write not yet visible to list/filter results (visibility lag)."""

    visible_ms: int
    held_ms: int | None  # index position it keeps until visible; None: a new record
    snapshot: dict[str, Any] | None  # previous version; None: hidden entirely


@dataclass(frozen=True)
class Event:
    """Something webhooks may announce: `kind` is a Cart.com event type."""

    kind: str
    table: str
    record_id: int
    extra: dict[str, Any]


class OrderMaker(Protocol):
    """Places orders for the test helpers (`order_factory.OrderFactory`, which writes into this
    store and so is not named here)."""

    def new_order(self, overrides: dict[str, Any]) -> int: ...
    def reset(self) -> None: ...


class DataStore:
    """Tables plus the rules that tie them together. Use `with store.locked():` to batch."""

    def __init__(self, clock: Clock, seed: int, specs: dict[str, ResourceSpec] | None = None):
        self.clock = clock
        self.seed = seed
        self.lock = threading.RLock()
        self.specs = dict(specs or RESOURCES)
        self.tables: dict[str, Table] = {n: Table(spec, seed) for n, spec in self.specs.items()}
        self.face = StoreTime()
        """The store's time zone and timestamp form (`store_time.py`), shared by its tables."""
        for table in self.tables.values():
            table.face = self.face
        self.answers = Answers(self)
        """The store's answers to the docs' open questions (`answers.py`)."""
        self.children: dict[tuple[str, str], ChildIndex] = {}
        self.lag_ms = 0
        self._postal_form: PostalForm = "integer"
        self.order_children_touch_order = False
        """Whether a change to an order's items, payments, shipments or addresses moves the
        order's own `updated_at` (API-NOTES open question 4). Off by default: the answer a
        connector cannot rely on."""
        self.pending: dict[str, dict[int, Pending]] = {}
        self.listeners: list[Callable[[Event], None]] = []
        self.factory: OrderMaker | None = None
        self.bulk = False

    # -- plumbing ---------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        with self.lock:
            yield

    def now_ms(self) -> int:
        now = self.clock.now()
        return grid_ms(datetime_to_ms(now) + now.microsecond % 1000 / 1000)

    def table(self, name: str) -> Table:
        return self.tables[name]

    def build_indexes(self) -> None:
        """Build nested-collection indexes (after bulk seeding) and mark the seeded state."""
        self.children = {}
        for child, parent, fk in _CHILD_LINKS:
            if child in self.tables and parent in self.tables:
                self.children[(parent, child)] = ChildIndex(
                    self.tables[parent], self.tables[child], fk
                )
        for table in self.tables.values():
            table.mark_seeded()

    def child_rows(self, parent: str, child: str, parent_id: int) -> list[int]:
        index = self.children.get((parent, child))
        return [] if index is None else index.rows(parent_id)

    def emit(self, kind: str, table: str, record_id: int, **extra: Any) -> None:
        if self.bulk:
            return
        event = Event(kind, table, record_id, extra)
        for listener in list(self.listeners):
            listener(event)

    # -- writes -----------------------------------------------------------------------
    def insert(self, name: str, values: dict[str, Any], record_id: int | None = None) -> int:
        """Insert a record (stored values); stamps times, maintains indexes, bumps the parent."""
        table = self.tables[name]
        with self.lock:
            if not self.bulk and "updated_at" in table.columns:
                now = self.now_ms()
                values.setdefault("created_at", now)
                values["updated_at"] = now
            lagged = self._lag_applies(table)
            if lagged:
                table.hold(len(table))
            row = table.insert(values, record_id)
            if lagged:
                self._pending_for(name)[row] = Pending(self._visible_at(table, row), None, None)
            if not self.bulk:
                for (_parent, child), index in self.children.items():
                    if child == name:
                        fk = table.get(row, index.fk)
                        if fk is not None:
                            index.add(fk, row)
                self._bump_parents(table, row)
            return row

    def update(self, name: str, row: int, changes: dict[str, Any], *, bump: bool = True) -> bool:
        """Apply stored values to a row; returns whether anything changed.

        `bump=False` leaves the row's `updated_at` and its parents' alone (a stock write when
        the store's `inventory_touches_product` answer is no)."""
        table = self.tables[name]
        with self.lock:
            changed = {
                k: v
                for k, v in changes.items()
                if not (table.get(row, k) == v and type(table.get(row, k)) is type(v))
            }
            if not changed:
                return False
            self._before_change(table, row)
            for key, value in changed.items():
                table.set(row, key, value)
                for (_parent, child), index in self.children.items():
                    if child == name and index.fk == key and value is not None:
                        index.add(value, row)
            if bump and "updated_at" in table.columns and "updated_at" not in changed:
                table.set(row, "updated_at", self.now_ms())
            self._after_change(table, row)
            if bump:
                self._bump_parents(table, row)
            return True

    def touch(self, name: str, row: int, ms: int | None = None) -> None:
        """Move `updated_at` only (a child changed, or a test asked for it)."""
        table = self.tables[name]
        with self.lock:
            self._before_change(table, row)
            table.set(row, "updated_at", self.now_ms() if ms is None else ms)
            self._after_change(table, row)

    def delete(self, name: str, row: int) -> None:
        table = self.tables[name]
        with self.lock:
            self._bump_parents(table, row)
            pend = self.pending.get(name, {}).pop(row, None)
            if pend is not None:
                table.release(row, pend.held_ms)
            table.delete(row)

    def _bump_parents(self, table: Table, row: int) -> None:
        if self.bulk:
            return
        spec = table.spec
        touch_order = self.order_children_touch_order
        if spec.parent is not None:
            parent_name, fk = spec.parent
            if parent_name in self.tables and (parent_name != "orders" or touch_order):
                self._touch_id(parent_name, table.get(row, fk))
        elif spec.name == "order_addresses":
            if touch_order:
                self._touch_id("orders", table.get(row, "_order_id"))
        elif spec.name == "shipment_items":
            sid = table.get(row, "shipment_id")
            shipments = self.tables["order_shipments"]
            srow = shipments.row_of(sid) if sid is not None else None
            if srow is not None:
                self.touch("order_shipments", srow)
                if touch_order:
                    self._touch_id("orders", shipments.get(srow, "order_id"))

    def _touch_id(self, name: str, record_id: int | None) -> None:
        if record_id is None:
            return
        parent = self.tables[name]
        prow = parent.row_of(record_id)
        if prow is not None:
            self.touch(name, prow)

    # -- visibility lag ---------------------------------------------------------------
    def _lag_applies(self, table: Table) -> bool:
        return self.lag_ms > 0 and not self.bulk and table.time_index is not None

    def _visible_at(self, table: Table, row: int) -> int:
        stamp = table.get(row, "updated_at")
        return (stamp if stamp is not None else self.now_ms()) + self.lag_ms

    def _pending_for(self, name: str) -> dict[int, Pending]:
        return self.pending.setdefault(name, {})

    def _before_change(self, table: Table, row: int) -> None:
        if not self._lag_applies(table):
            return
        pend = self._pending_for(table.name)
        if row not in pend:
            pend[row] = Pending(0, table.get(row, "updated_at"), table.snapshot(row))
            table.hold(row)

    def _after_change(self, table: Table, row: int) -> None:
        pend = self.pending.get(table.name, {}).get(row)
        if pend is not None:
            pend.visible_ms = self._visible_at(table, row)

    def flush_pending(self) -> None:
        """Make writes whose lag has passed visible to list/filter results."""
        if not self.pending:
            return
        now = self.now_ms()
        with self.lock:
            for name, entries in list(self.pending.items()):
                table = self.tables[name]
                for row, pend in list(entries.items()):
                    if pend.visible_ms <= now:
                        table.release(row, pend.held_ms)
                        del entries[row]
                if not entries:
                    del self.pending[name]

    def set_lag(self, seconds: float) -> None:
        with self.lock:
            self.lag_ms = int(seconds * 1000)
            if self.lag_ms <= 0:
                for name, entries in list(self.pending.items()):
                    for row, pend in entries.items():
                        self.tables[name].release(row, pend.held_ms)
                self.pending.clear()

    @property
    def postal_form(self) -> PostalForm:
        """How `postal` columns are sent: `"integer"` (the spec's type) or `"string"`."""
        return self._postal_form

    def set_postal_form(self, form: str) -> None:
        if form not in POSTAL_FORMS:
            raise ValueError(
                f"postal_code_as must be one of {', '.join(POSTAL_FORMS)}, not {form!r}"
            )
        with self.lock:
            self._postal_form = form
            for table in self.tables.values():
                table.postal_form = form

    # -- reset ------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.pending.clear()
            for table in self.tables.values():
                table.reset()
            for index in self.children.values():
                index.rebuild()
            if self.factory is not None:
                self.factory.reset()

    # -- test helpers -----------------------------------------------------------------
    def _factory(self) -> OrderMaker:
        if self.factory is None:
            raise RuntimeError("the store has no order factory (not seeded)")
        return self.factory

    def create_order(self, **overrides: Any) -> dict[str, Any]:
        """Place a new order now (items, payment, addresses); returns it as GET /orders/{id}."""
        with self.lock:
            order_id = self._factory().new_order(overrides)
            self.emit_new_order(order_id)
            result = self.get_order(order_id, expand=False)
            assert result is not None
            return result

    def emit_new_order(self, order_id: int) -> None:
        """The events of a new order: NewOrder, OrderPlaced, NewValidOrder (unless cancelled
        or declined) and PaymentProcessed for each approved payment it came with."""
        self.emit("NewOrder", "orders", order_id)
        self.emit("OrderPlaced", "orders", order_id)
        row = self.tables["orders"].row_of(order_id)
        statuses = self.tables["order_statuses"]
        if row is None:
            return
        srow = statuses.row_of(self.tables["orders"].get(row, "order_status_id"))
        if srow is None or not (
            statuses.get(srow, "is_cancelled") or statuses.get(srow, "is_declined")
        ):
            self.emit("NewValidOrder", "orders", order_id)
        payments = self.tables["order_payments"]
        for prow in self.child_rows("orders", "order_payments", order_id):
            if payments.get(prow, "is_approved"):
                self.emit("PaymentProcessed", "order_payments", payments.ids[prow])

    def update_order(self, order_id: int, **changes: Any) -> dict[str, Any]:
        """Change an order's fields (wire values, like a PUT body); bumps `updated_at`."""
        with self.lock:
            table = self.tables["orders"]
            row = table.row_of(order_id)
            if row is None:
                raise KeyError(order_id)
            stored = decode_changes(table, changes)
            if not self.update("orders", row, stored):
                self.touch("orders", row)
            self.emit("OrderUpdated", "orders", order_id)
            result = self.get_order(order_id, expand=False)
            assert result is not None
            return result

    def burst_orders(self, n: int, *, updated_at: datetime | None = None) -> list[int]:
        """Place `n` new orders that share one `updated_at` (now, unless given); their lines,
        payments, shipments and addresses carry the same time (they were made with the order)."""
        with self.lock:
            stamp = self.now_ms() if updated_at is None else grid_ms(datetime_to_ms(updated_at))
            ids = [self._factory().new_order({}) for _ in range(n)]
            orders = self.tables["orders"]
            for order_id in ids:
                row = orders.row_of(order_id)
                assert row is not None
                self.touch("orders", row, stamp)
                for child in ("order_items", "order_payments", "order_shipments"):
                    for child_row in self.child_rows("orders", child, order_id):
                        self.touch(child, child_row, stamp)
                addresses = self.tables["order_addresses"]
                for column in ("order_billing_address_id", "order_shipping_address_id"):
                    address_row = addresses.row_of(orders.get(row, column))
                    if address_row is not None:
                        self.touch("order_addresses", address_row, stamp)
            for order_id in ids:
                self.emit_new_order(order_id)
            return ids

    def order_count(self) -> int:
        with self.lock:
            return self.tables["orders"].live_count()

    def get_order(self, order_id: int, expand: bool = True) -> dict[str, Any] | None:
        """The order as `GET /orders/{id}` (expand: items, payments, shipments, custom_fields)."""
        with self.lock:
            row = self.tables["orders"].row_of(order_id)
            if row is None:
                return None
            expands = ["items", "payments", "shipments", "custom_fields"] if expand else []
            return Renderer(self).record("orders", row, None, expands)
