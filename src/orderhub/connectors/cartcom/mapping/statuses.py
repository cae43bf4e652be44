"""Order and payment statuses: Cart.com's flags to the hub's `OrderStatus` / `PaymentStatus`.

Stores rename, add and delete their order statuses, so a status is never recognised by its id or
its name; only by the flags Cart.com keeps on each `order_statuses` row (API-NOTES §10). The first
matching row of this table decides, so a status carrying several flags gets the strongest meaning:

| flags on the store's status     | hub status            | why                                  |
| ------------------------------- | --------------------- | ------------------------------------ |
| `is_cancelled` or `is_declined` | `canceled`            | the order will not ship              |
| `is_fully_refunded`             | `refunded`            | money went back; nothing to ship     |
| `is_shipped`                    | `fulfilled`           |                                      |
| `is_partially_shipped`          | `partialFulfillment`  |                                      |
| `is_quote_status`               | `onHold`              | a quote is not a sales order yet (1) |
| `is_open`                       | `new`                 | placed, not worked on ("Pending")    |
| none of them                    | `readyForFulfillment` | accepted, being worked ("Processing")|

(1) `onHold` keeps a quote visible in the hub but out of routing and fulfillment until the store
moves it to a real order status.

`is_partially_refunded` does not change the order status (the rest of the order may still ship);
it, and `is_fully_refunded`, decide the order's *payment* status before any payment arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from orderhub.connectors.cartcom.mapping.common import (
    UNKNOWN_STATUS,
    MappingError,
    as_bool,
    as_int,
    as_mapping,
    as_text,
)
from orderhub.domain.order import OrderStatus, PaymentStatus

__all__ = ["StatusBook", "order_payment_status", "payment_status"]

_FLAGS: Final = (
    "is_open",
    "is_shipped",
    "is_partially_shipped",
    "is_cancelled",
    "is_declined",
    "is_fully_refunded",
    "is_partially_refunded",
    "is_quote_status",
)

_PRECEDENCE: Final[tuple[tuple[tuple[str, ...], OrderStatus], ...]] = (
    (("is_cancelled", "is_declined"), OrderStatus.CANCELED),
    (("is_fully_refunded",), OrderStatus.REFUNDED),
    (("is_shipped",), OrderStatus.FULFILLED),
    (("is_partially_shipped",), OrderStatus.PARTIAL_FULFILLMENT),
    (("is_quote_status",), OrderStatus.ON_HOLD),
    (("is_open",), OrderStatus.NEW),
)
_NO_FLAG_STATUS: Final = OrderStatus.READY_FOR_FULFILLMENT
KEPT_STATUSES: Final = 200
"""At most this many statuses are kept between runs (a store has a dozen or two)."""
KEPT_NAME: Final = 100
"""A status name kept between runs is cut to this many characters: it comes from the store."""


def _bounded(name: str | None) -> str | None:
    return None if name is None else name[:KEPT_NAME]


@dataclass(frozen=True, slots=True)
class _Status:
    status_id: int
    name: str | None
    flags: frozenset[str]

    def hub_status(self) -> OrderStatus:
        for flags, status in _PRECEDENCE:
            if self.flags.intersection(flags):
                return status
        return _NO_FLAG_STATUS


class StatusBook:
    """The store's order_statuses, mapped by flags.

    Stores edit their statuses, so a status is never recognised by its id or its name.
    """

    def __init__(
        self,
        statuses: Iterable[_Status] = (),
        overrides: Mapping[int, OrderStatus] | None = None,
    ) -> None:
        self._by_id = {status.status_id: status for status in statuses}
        self._overrides = dict(overrides or {})

    def overridden(self, overrides: Mapping[int, OrderStatus]) -> StatusBook:
        """This book with the merchant's mapping for some statuses (by id) instead of the
        flags' (the integration setting `orderStatusMap`); the shared book stays as it is."""
        return StatusBook(self._by_id.values(), overrides)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> StatusBook:
        """Read `GET /order_statuses` rows; a malformed row is a `MappingError("invalidRecord")`.

        A later row with the same id replaces an earlier one (overlapping pages repeat rows).
        """
        statuses = []
        for index, raw in enumerate(records):
            where = f"order_statuses[{index}]"
            record = as_mapping(raw, where)
            status_id = as_int(record.get("id"), f"{where}.id")
            if status_id is None or status_id <= 0:
                raise MappingError("invalidRecord", f"{where}.id must be a positive integer")
            where = f"order status {status_id}"
            flags = frozenset(
                flag for flag in _FLAGS if as_bool(record.get(flag), f"{where}: {flag}")
            )
            name = as_text(record.get("name"), f"{where}: name")
            statuses.append(_Status(status_id, name, flags))
        return cls(statuses)

    def __len__(self) -> int:
        return len(self._by_id)

    def _get(self, status_id: int) -> _Status:
        status = self._by_id.get(status_id)
        if status is None:
            raise MappingError(
                UNKNOWN_STATUS,
                f"order status id {status_id} is not among the store's order statuses",
            )
        return status

    def hub_status(self, status_id: int) -> OrderStatus:
        """The hub status for a Cart.com status id: the merchant's override, else the module
        table; an unknown id is `unknownStatus`."""
        flagged = self._get(status_id).hub_status()
        return self._overrides.get(status_id, flagged)

    def flag_status(self, status_id: int) -> OrderStatus:
        """The hub status the flags alone give (what an override replaces)."""
        return self._get(status_id).hub_status()

    def is_overridden(self, status_id: int) -> bool:
        return status_id in self._overrides

    def ids(self) -> list[int]:
        """The store's status ids, in the store's order."""
        return list(self._by_id)

    def ids_named(self, entry: str) -> set[int]:
        """The statuses a setting's entry names: a whole number is an id, anything else a
        name compared case-insensitively (a store may hold two statuses of one name)."""
        if entry.isascii() and entry.isdigit():
            return {int(entry)} & self._by_id.keys()
        wanted = entry.casefold()
        return {
            status.status_id
            for status in self._by_id.values()
            if status.name is not None and status.name.strip().casefold() == wanted
        }

    def kept(self) -> list[dict[str, Any]]:
        """The statuses as JSON to keep between runs (`from_kept` reads them back)."""
        return [
            {"id": s.status_id, "name": _bounded(s.name), "flags": sorted(s.flags)}
            for s in list(self._by_id.values())[:KEPT_STATUSES]
        ]

    @classmethod
    def from_kept(cls, kept: object) -> StatusBook:
        """Read back what `kept` gave; lenient: a malformed entry is left out."""
        statuses = []
        for entry in kept if isinstance(kept, list) else []:
            if not isinstance(entry, Mapping):
                continue
            status_id, name, flags = entry.get("id"), entry.get("name"), entry.get("flags")
            if isinstance(status_id, bool) or not isinstance(status_id, int):
                continue
            statuses.append(
                _Status(
                    status_id,
                    name if isinstance(name, str) else None,
                    frozenset(f for f in flags if f in _FLAGS)
                    if isinstance(flags, list)
                    else frozenset(),
                )
            )
        return cls(statuses)

    def name(self, status_id: int) -> str | None:
        """The store's name for the status (kept as the order's `extStatus`); `None` if unknown."""
        status = self._by_id.get(status_id)
        return status.name if status is not None else None

    def refund_status(self, status_id: int) -> PaymentStatus | None:
        """`refunded`/`partiallyRefunded` if the status says so, else `None`; unknown id raises."""
        flags = self._get(status_id).flags
        if "is_fully_refunded" in flags:
            return PaymentStatus.REFUNDED
        if "is_partially_refunded" in flags:
            return PaymentStatus.PARTIALLY_REFUNDED
        return None

    def shipped_id(self) -> int | None:
        """The status for a fully shipped order (fulfillments.push); `None` if none is flagged."""
        return self._pick("is_shipped")

    def partially_shipped_id(self) -> int | None:
        """The status to set on a partly shipped order, or `None` if the store flags none."""
        return self._pick("is_partially_shipped")

    def _pick(self, flag: str) -> int | None:
        # Several statuses may carry the flag; prefer the one with the fewest other flags
        # ("Shipped" over "Shipped - Refunded"), then the lowest id, so the choice is stable.
        candidates = [status for status in self._by_id.values() if flag in status.flags]
        if not candidates:
            return None
        best = min(candidates, key=lambda status: (len(status.flags), status.status_id))
        return best.status_id


def payment_status(*, void: bool, declined: bool, captured: bool, approved: bool) -> PaymentStatus:
    """One `order_payments` row's status from its flags; the first that holds wins."""
    if void:
        return PaymentStatus.VOIDED
    if declined:
        return PaymentStatus.DECLINED
    if captured:
        return PaymentStatus.PAID
    if approved:
        return PaymentStatus.AUTHORIZED
    return PaymentStatus.PENDING


def order_payment_status(
    payments: Sequence[tuple[PaymentStatus, Decimal]],
    grand_total: Decimal | None,
    refund: PaymentStatus | None = None,
) -> PaymentStatus:
    """The order's payment status from its payments (status, amount) and its grand total.

    In order: the status book's refund flags; captured (paid) amounts covering the total ->
    `paid` (a zero total needs no payment), some captured -> `partiallyPaid`; any authorized ->
    `authorized`; any still pending -> `pending`; only declined (voids aside) -> `declined`;
    otherwise `unpaid`. An unknown total with something captured counts as `paid`.
    """
    if refund is not None:
        return refund
    captured = sum(
        (amount for status, amount in payments if status is PaymentStatus.PAID), Decimal(0)
    )
    if grand_total is not None and captured >= grand_total:
        return PaymentStatus.PAID
    if captured > 0:
        return PaymentStatus.PAID if grand_total is None else PaymentStatus.PARTIALLY_PAID
    live = [status for status, _ in payments if status is not PaymentStatus.VOIDED]
    if PaymentStatus.AUTHORIZED in live:
        return PaymentStatus.AUTHORIZED
    if PaymentStatus.PENDING in live:
        return PaymentStatus.PENDING
    if live and all(status is PaymentStatus.DECLINED for status in live):
        return PaymentStatus.DECLINED
    return PaymentStatus.UNPAID
