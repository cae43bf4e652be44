"""Hub-native products: written by a person (API, CLI, CSV), keyed by SKU, pushed by products.push.

A hub-native product belongs to no integration (`integration_id` None) and its external id is its
SKU, so writing the same SKU again updates it. Every real change lands in the change feed with
the actor who made it, which is what products.push carries to each store.

CSV import follows Pipe17's product CSV rules: the first line names the columns (Pipe17's field
names, any case; `retail` and `images` are accepted too); `sku` is required, and `name` for a
SKU the hub does not hold yet. A blank cell leaves the field as it is; a cell holding only `/`
clears it. A SKU the hub holds only as an integration's copy (pulled from a store) becomes a
hub-native product starting from that copy, so a file naming just `sku,price` reprices it.
Lists (`imageUrls`, `categories`, `variantOptions`, `types`) are separated by `|`.
An unknown column stops the import before any row lands (a typo would otherwise drop a field
silently); a bad row is reported with its line number and the other rows still land.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy.orm import Session

from orderhub.domain.bounds import InvalidValue, Sku, check, describe_problem, parse_money
from orderhub.domain.product import Product, ProductStatus, ProductType
from orderhub.errors import UsageError
from orderhub.hub import Hub
from orderhub.services.csv_rows import column_key, read_csv
from orderhub.services.results import ImportReport, RowError
from orderhub.store.records import (
    EntityKind,
    Origin,
    get_record,
    get_record_by_ext,
    list_records,
    upsert_record,
)

__all__ = ["CSV_COLUMNS", "import_products_csv", "upsert_hub_product"]

CLEAR: Final = "/"
LIST_SEPARATOR: Final = "|"
_CHUNK: Final = 500
_WEIGHT_UNITS: Final = ("lb", "oz", "kg", "g")
_DIMENSION_UNITS: Final = ("cm", "in", "ft")
_KEPT_ON_CLEAR: Final = frozenset({"sku", "name", "status", "types"})


def upsert_hub_product(hub: Hub, product: Product, *, actor: str) -> dict[str, Any]:
    """Create or replace the hub-native product with this SKU; returns it as the API shows it."""
    sku = product.sku.strip()
    if not sku:
        raise UsageError("A product needs a SKU")
    if not product.name.strip():
        raise UsageError(f"Product {sku} needs a name")
    clean = product.model_copy(update={"sku": sku, "product_id": None, "integration": None})
    with hub.db.session() as session:
        result = upsert_record(
            session,
            EntityKind.PRODUCT,
            integration_id=None,
            ext_id=sku,
            data=clean.to_wire(),
            source_doc=None,
            origin=Origin(None, actor=actor),
            now=hub.clock.now(),
        )
        stored = get_record(session, EntityKind.PRODUCT, result.hub_id)
        assert stored is not None
        return stored.to_wire()


def import_products_csv(hub: Hub, text: str, *, actor: str) -> ImportReport:
    """Create or update hub-native products from CSV text (see the module docstring)."""
    report = ImportReport()
    table = read_csv(text)
    header = table.header
    if header is None:
        report.errors.append(RowError(1, "The file is empty; the first line must name the columns"))
        return report
    if header.problem:
        report.errors.append(RowError(header.line, header.problem))
        return report
    columns = _columns(header.cells, header.line, report)
    if columns is None:
        return report
    rows = table.rows
    origin = Origin(None, actor=actor)
    for start in range(0, len(rows), _CHUNK):
        with hub.db.session() as session:
            for row in rows[start : start + _CHUNK]:
                line = row.line
                try:
                    if row.problem:
                        raise ValueError(row.problem)
                    changes = _parse_row(columns, row.cells)
                    sku = changes.get("sku")
                    if not isinstance(sku, str) or not sku:
                        raise ValueError("sku is required")
                    product = _merge(_current(session, sku), changes)
                except ValueError as problem:
                    report.errors.append(RowError(line, str(problem)))
                    continue
                result = upsert_record(
                    session,
                    EntityKind.PRODUCT,
                    integration_id=None,
                    ext_id=product.sku,
                    data=product.to_wire(),
                    source_doc=None,
                    origin=origin,
                    now=hub.clock.now(),
                )
                report.count(result.outcome)
    return report


# --- columns and cells --------------------------------------------------------------------


def _text(value: str) -> str:
    return value


def _sku(value: str) -> str:
    # Checked as it is read, not only by the model: the SKU is looked up in the store first,
    # and PostgreSQL refuses a query holding a NUL, which would stop the whole import.
    try:
        sku: str = check(Sku, value, "")
    except InvalidValue as invalid:
        raise ValueError(invalid.reason) from None
    return sku


def _money(value: str) -> Decimal:
    try:
        return parse_money(value, field="")
    except InvalidValue as invalid:
        raise ValueError(invalid.reason) from None


def _choice(options: Sequence[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.lower() not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return value.lower()

    return parse


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "yes", "y", "1"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _types(value: str) -> list[str]:
    kinds = [kind.lower() for kind in _list(value)]
    known = [t.value for t in ProductType]
    for kind in kinds:
        if kind not in known:
            raise ValueError(f"type {kind!r} is not one of {', '.join(known)}")
    return kinds


CSV_COLUMNS: Final[Mapping[str, tuple[str, Callable[[str], Any]]]] = {
    "sku": ("sku", _sku),
    "name": ("name", _text),
    "description": ("description", _text),
    "upc": ("upc", _text),
    "price": ("price", _money),
    "cost": ("cost", _money),
    "retailprice": ("retail_price", _money),
    "retail": ("retail_price", _money),
    "weight": ("weight", _money),
    "weightunit": ("weight_unit", _choice(_WEIGHT_UNITS)),
    "height": ("height", _money),
    "length": ("length", _money),
    "width": ("width", _money),
    "dimensionsunit": ("dimensions_unit", _choice(_DIMENSION_UNITS)),
    "status": ("status", _choice([s.value for s in ProductStatus])),
    "types": ("types", _types),
    "type": ("types", _types),
    "imageurls": ("image_urls", _list),
    "images": ("image_urls", _list),
    "categories": ("categories", _list),
    "variantoptions": ("variant_options", _list),
    "taxable": ("taxable", _flag),
}
"""Accepted column names (compared by `column_key`: no case, spaces or `_`) -> field, parser."""


def _columns(header: Sequence[str], line: int, report: ImportReport) -> list[str] | None:
    names = [column_key(cell) for cell in header]
    unknown = [raw for raw, name in zip(header, names, strict=True) if name not in CSV_COLUMNS]
    if unknown:
        known = ", ".join(sorted({field for field, _ in CSV_COLUMNS.values()}))
        report.errors.append(
            RowError(line, f"Unknown column(s) {', '.join(map(repr, unknown))}; known: {known}")
        )
        return None
    if "sku" not in names:
        report.errors.append(RowError(line, "The file has no sku column"))
        return None
    return names


def _parse_row(columns: Sequence[str], cells: Sequence[str]) -> dict[str, Any]:
    if len(cells) > len(columns):
        raise ValueError(f"{len(cells)} cells but only {len(columns)} columns")
    changes: dict[str, Any] = {}
    for name, cell in zip(columns, cells, strict=False):
        value = cell.strip()
        if not value:
            continue  # a blank cell leaves the field as it is
        field, parse = CSV_COLUMNS[name]
        if value == CLEAR:
            if field in _KEPT_ON_CLEAR:
                raise ValueError(f"{field} cannot be cleared")
            changes[field] = None
            continue
        try:
            changes[field] = parse(value)
        except ValueError as problem:
            raise ValueError(f"{field}: {problem}") from None
    return changes


def _current(session: Session, sku: str) -> dict[str, Any] | None:
    """What the hub holds for a SKU: its hub-native product, else the newest copy an integration
    brought (so a row naming one field of a pulled product keeps the others), without the ids
    that belong to that integration's record."""
    held = get_record_by_ext(session, EntityKind.PRODUCT, None, sku)
    if held is not None:
        return held.data
    pulled = list_records(session, EntityKind.PRODUCT, sku=sku, limit=1)
    if not pulled:
        return None
    return {k: v for k, v in pulled[0].data.items() if k not in _INTEGRATION_IDS}


_INTEGRATION_IDS: Final = frozenset({"extProductId", "extProductApiId", "parentExtProductId"})


def _merge(held: Mapping[str, Any] | None, changes: Mapping[str, Any]) -> Product:
    if held is None and not changes.get("name"):
        raise ValueError(f"name is required for a new product ({changes.get('sku')})")
    base = Product.model_validate(held).model_dump() if held is not None else {}
    for field, value in changes.items():
        base[field] = [] if value is None and field in _LISTS else value
    try:
        return Product.model_validate(base)
    except ValidationError as problem:
        first = problem.errors()[0]
        place = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{place}: {describe_problem(first)}") from None


_LISTS: Final = frozenset({"image_urls", "categories", "variant_options"})
