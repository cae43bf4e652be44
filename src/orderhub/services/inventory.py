"""Hub-side stock input: set one SKU's quantity at a location, or import many from CSV.

These are the hub-native inventory records the inventory.push flow carries to the store (until
the portal exists, through `orderhub inventory set|import` and the REST API). Rules:

- A record is keyed by `(sku, location)`: stored with no integration and the external id
  `<location hub id>:<sku>`, so setting the same SKU at the same location again updates it,
  and setting the same value again changes nothing (no change-feed entry, nothing to push).
- `quantity` is the on-hand count. `committed` is kept from the record when it is known (0 for
  a new record), and `available = onHand - committed`, as in Pipe17.
- The location may be given as a hub location id, an `extLocationId` (`warehouse:1`) or a
  location name (case-insensitive); a name or external id held by two locations must be given
  by id. With no location, what a merchant expects: the hub's only active location when it has
  exactly one (pulled from the store or not); when it has several, a refusal naming them, since
  guessing would put the stock where it does not count; and only when the hub has no location
  at all, a hub-native location named "Default" (external id `default`), created then and used
  from then on. Every entry point (CLI, API, CSV import, demo) goes through this rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from orderhub.domain import Inventory, Location, LocationStatus, Outcome
from orderhub.domain.bounds import Identifier, InvalidValue, Quantity, Sku, check
from orderhub.errors import HubError, NotFoundError, UsageError
from orderhub.hub import Hub
from orderhub.services.csv_rows import CsvRow, column_key, read_csv
from orderhub.services.results import ImportReport, RowError
from orderhub.store.records import (
    EntityKind,
    Origin,
    StoredRecord,
    get_record,
    get_record_by_ext,
    list_records,
    upsert_record,
)

__all__ = [
    "DEFAULT_LOCATION_EXT_ID",
    "DEFAULT_LOCATION_NAME",
    "import_inventory_csv",
    "inventory_ext_id",
    "resolve_location",
    "set_inventory",
]

DEFAULT_LOCATION_NAME: Final = "Default"
DEFAULT_LOCATION_EXT_ID: Final = "default"
_MANY = 1_000_000
_NAMED = 5
_SKU_COLUMNS = ("sku",)
_QUANTITY_COLUMNS = ("quantity", "qty", "onhand")
_LOCATION_COLUMNS = ("location", "locationid")


def inventory_ext_id(location_id: str, sku: str) -> str:
    """The key of a hub-native inventory record: one per SKU and location."""
    return f"{location_id}:{sku}"


def set_inventory(
    hub: Hub,
    *,
    sku: str,
    quantity: int | str,
    location_id: str | None = None,
    actor: str,
) -> dict[str, Any]:
    """Set a SKU's on-hand quantity at a location; returns the record as the API shows it.

    `quantity` may be text as a person typed it (a CLI argument): ASCII digits only.
    """
    clean_sku = _sku(sku)
    amount = _quantity_text(quantity) if isinstance(quantity, str) else _quantity(quantity)
    with hub.db.session() as session:
        setter = _Setter(session, hub.clock.now(), Origin(None, actor=actor))
        record, _outcome = setter.set(clean_sku, amount, location_id)
    return record.to_wire()


def import_inventory_csv(hub: Hub, text: str, *, actor: str) -> ImportReport:
    """Set stock from CSV text with columns `sku`, `quantity` and optionally `location`.

    Header names are case-insensitive (`onHand` or `qty` may stand for `quantity`). A bad row
    is reported with the line it starts on (the header is line 1) and skipped; the others
    land, in one transaction.
    """
    report = ImportReport()
    table = read_csv(text)
    header = table.header
    if header is not None and header.problem:
        report.errors.append(RowError(header.line, header.problem))
        return report
    names = header.cells if header is not None else []
    columns = {column_key(name): index for index, name in enumerate(names)}
    sku_column = _pick(columns, _SKU_COLUMNS)
    quantity_column = _pick(columns, _QUANTITY_COLUMNS)
    location_column = _pick(columns, _LOCATION_COLUMNS)
    if sku_column is None or quantity_column is None:
        missing = "sku" if sku_column is None else "quantity"
        found = ", ".join(names) or "none"
        report.errors.append(
            RowError(
                header.line if header is not None else 1,
                f"the header needs columns sku and quantity (missing {missing}; found: {found})",
            )
        )
        return report
    with hub.db.session() as session:
        setter = _Setter(session, hub.clock.now(), Origin(None, actor=actor))
        for row in table.rows:
            try:
                if row.problem:
                    raise UsageError(row.problem)
                if len(row.cells) > len(names):
                    extra = len(row.cells) - len(names)
                    raise UsageError(f"{extra} value(s) more than the header has columns")
                sku = _sku(_cell(row, sku_column))
                amount = _quantity_text(_cell(row, quantity_column))
                location = _cell(row, location_column).strip()
                _record, outcome = setter.set(sku, amount, location or None)
            except HubError as problem:
                report.errors.append(RowError(row.line, str(problem)))
                continue
            report.count(outcome)
    return report


def resolve_location(
    session: Session, reference: str | None, *, origin: Origin, now: datetime
) -> str:
    """The hub id of the location `reference` names (module docstring); may create "Default"."""
    if reference is None or not reference.strip():
        return _default_location(session, origin=origin, now=now)
    wanted = _location_reference(reference)
    record = get_record(session, EntityKind.LOCATION, wanted)
    if record is not None:
        return record.hub_id
    locations = list_records(session, EntityKind.LOCATION, limit=_MANY, newest_first=False)
    by_ext = [r for r in locations if r.data.get("extLocationId") == wanted]
    by_name = [r for r in locations if str(r.data.get("name", "")).casefold() == wanted.casefold()]
    for matches in (by_ext, by_name):
        if len(matches) == 1:
            return matches[0].hub_id
        if len(matches) > 1:
            ids = ", ".join(r.hub_id for r in matches)
            raise UsageError(f"{len(matches)} locations are called {wanted!r} ({ids}); give the id")
    raise NotFoundError(f"No location {wanted!r} (see `orderhub locations list`)")


@dataclass
class _Setter:
    """Sets stock within one transaction, resolving locations once per reference."""

    session: Session
    now: datetime
    origin: Origin

    def __post_init__(self) -> None:
        self._locations: dict[str | None, str] = {}

    def set(self, sku: str, quantity: int, location: str | None) -> tuple[StoredRecord, Outcome]:
        key = location.strip() if location else None
        if key not in self._locations:
            self._locations[key] = resolve_location(
                self.session, key, origin=self.origin, now=self.now
            )
        location_id = self._locations[key]
        ext_id = inventory_ext_id(location_id, sku)
        held = get_record_by_ext(self.session, EntityKind.INVENTORY, None, ext_id)
        base = dict(held.data) if held is not None else {}
        committed = base.get("committed")
        committed = committed if isinstance(committed, int) and committed >= 0 else 0
        data = Inventory(
            sku=sku,
            location_id=location_id,
            on_hand=quantity,
            committed=committed,
            available=quantity - committed,
            inventory_not_tracked=bool(base.get("inventoryNotTracked", False)),
        ).to_wire()
        result = upsert_record(
            self.session,
            EntityKind.INVENTORY,
            integration_id=None,
            ext_id=ext_id,
            data=data,
            source_doc=None,
            origin=self.origin,
            now=self.now,
        )
        record = get_record(self.session, EntityKind.INVENTORY, result.hub_id)
        assert record is not None  # written just above, in this transaction
        return record, result.outcome


def _default_location(session: Session, *, origin: Origin, now: datetime) -> str:
    """The location stock goes to when none is named (module docstring)."""
    locations = list_records(session, EntityKind.LOCATION, limit=_MANY, newest_first=False)
    active = [r for r in locations if r.data.get("status") != LocationStatus.INACTIVE.value]
    if len(active) == 1:
        return active[0].hub_id
    if active or locations:
        raise UsageError(_which_location(active or locations, inactive=not active))
    location = Location(
        name=DEFAULT_LOCATION_NAME,
        ext_location_id=DEFAULT_LOCATION_EXT_ID,
        kind="hub",
        status=LocationStatus.ACTIVE,
    )
    result = upsert_record(
        session,
        EntityKind.LOCATION,
        integration_id=None,
        ext_id=DEFAULT_LOCATION_EXT_ID,
        data=location.to_wire(),
        source_doc=None,
        origin=origin,
        now=now,
    )
    return result.hub_id


def _which_location(candidates: list[StoredRecord], *, inactive: bool) -> str:
    """The refusal when several locations could hold the stock: it names them (a few)."""
    names = sorted(str(r.data.get("name") or r.hub_id)[:80] for r in candidates)
    shown = ", ".join(names[:_NAMED])
    if len(names) > _NAMED:
        shown += f" and {len(names) - _NAMED} more"
    how = "name one (by name or id: --location, the API's locationId, a CSV location column)"
    if inactive:
        return f"The hub's locations are all inactive ({shown}); {how}"
    return f"The hub has {len(names)} active locations ({shown}); {how}"


def _bounded(kind: Any, value: object, field: str) -> Any:
    """`value` checked by the domain's bounds; a refusal is the merchant's one-line error."""
    try:
        return check(kind, value, field)
    except InvalidValue as invalid:
        raise UsageError(str(invalid)) from None


def _sku(value: str) -> str:
    sku: str = _bounded(Sku, value, "sku")
    return sku


def _location_reference(value: str) -> str:
    # Checked before it is looked up: PostgreSQL refuses a query holding a NUL.
    reference: str = _bounded(Identifier, value, "location")
    return reference


def _quantity(value: int | str) -> int:
    quantity: int = _bounded(Quantity, value, "quantity")
    return quantity


def _quantity_text(value: str | None) -> int:
    text = (value or "").strip()
    if not text:
        raise UsageError("the quantity is empty")
    return _quantity(text)


def _pick(columns: dict[str, int], names: tuple[str, ...]) -> int | None:
    return next((columns[name] for name in names if name in columns), None)


def _cell(row: CsvRow, column: int | None) -> str:
    """The row's cell in `column`; blank when the column is absent or the row is short."""
    if column is None or column >= len(row.cells):
        return ""
    return row.cells[column]
