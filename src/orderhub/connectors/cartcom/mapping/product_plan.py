"""Which of the fields the hub changed to write to Cart.com, and the conflicts on the way.

`plan_fields` decides it three-way, against this integration's last copy of the Cart.com
product: a field only the hub moved is written; one both sides moved is a conflict that the
field's owner (an integration setting; the hub by default) settles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from orderhub.connectors.cartcom.mapping.product_bodies import CLEARABLE, PRODUCT_FIELDS, wire_value
from orderhub.domain.product import Product

__all__ = ["Conflict", "FieldPlan", "plan_fields"]

_MISSING: Final = object()


@dataclass(frozen=True)
class Conflict:
    """A field changed in both the hub and Cart.com since the last sync, and who won it."""

    field: str
    hub: Any
    cartcom: Any
    winner: str
    compared: bool  # False: no earlier copy of the Cart.com product to tell what changed

    def note(self, sku: str) -> str:
        why = "changed in both the hub and Cart.com since the last sync"
        if not self.compared:
            why = "differs between the hub and Cart.com, which were never synced before"
        hub, cartcom = _shown(self.hub), _shown(self.cartcom)
        kept = f"Cart.com now has {hub}" if self.winner == "hub" else "Cart.com's value kept"
        owner = "hub" if self.winner == "hub" else "Cart.com"
        values = f"(hub {hub}, Cart.com {cartcom})"
        return f"{self.field} of SKU {sku} {why} {values}; {owner} owns it: {kept}"


@dataclass(frozen=True)
class FieldPlan:
    write: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    unwritable: tuple[str, ...] = ()

    def notes(self, sku: str) -> list[str]:
        notes = [c.note(sku) for c in self.conflicts]
        notes.extend(
            f"{name} of variant SKU {sku} is not sent to Cart.com: a variant row takes it from "
            "its product"
            for name in self.unwritable
        )
        return notes


def plan_fields(
    hub: Product,
    live: Product,
    baseline: Product | None,
    changed: Iterable[str],
    writable: Sequence[str],
    owners: Mapping[str, str],
) -> FieldPlan:
    """Which of the fields the hub changed to write to Cart.com, and the conflicts on the way.

    `live` is Cart.com's product now, `baseline` this integration's last copy of it (None when
    there is none). A field is skipped when the hub value equals Cart.com's (or is None and not
    clearable); written when Cart.com still holds the baseline value (only the hub moved);
    otherwise both sides changed it: a conflict, won by `owners[field]` (the hub by default).
    A field the level cannot take (a variant row's name or price) is listed as unwritable.
    """
    write: list[str] = []
    conflicts: list[Conflict] = []
    unwritable: list[str] = []
    wanted = set(changed)
    for name in (f for f in PRODUCT_FIELDS if f in wanted):
        mine, theirs = wire_value(hub, name), wire_value(live, name)
        if (mine is None and name not in CLEARABLE) or mine == theirs:
            continue
        if name not in writable:
            unwritable.append(name)
            continue
        before = wire_value(baseline, name) if baseline is not None else _MISSING
        if before == theirs:
            write.append(name)  # only the hub moved
            continue
        winner = owners.get(name, "hub")
        conflicts.append(Conflict(name, mine, theirs, winner, compared=baseline is not None))
        if winner == "hub":
            write.append(name)
    return FieldPlan(tuple(write), tuple(conflicts), tuple(unwritable))


def _shown(value: Any) -> str:
    return "(none)" if value is None else str(value)
