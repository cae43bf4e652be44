"""What the portal's record lists share: the page number, paging links, sortable column
headers, dates and quantities."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request

from orderhub.domain.bounds import InvalidValue, parse_quantity
from orderhub.store import integrations as integration_store
from orderhub.store.record_queries import (
    RecordFilter,
    find_records,
)
from orderhub.store.record_sorts import RecordSort, SortField
from orderhub.store.records import EntityKind

__all__ = [
    "PAGE_SIZE",
    "SortHeader",
    "Sorting",
    "day_field",
    "integration_names",
    "location_names",
    "page_number",
    "pages",
    "sort_headers",
    "source_words",
    "typed_quantity",
]

PAGE_SIZE = 50


def page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def typed_quantity(text: str) -> int:
    """A quantity typed in a form, or ValueError with the sentence to show next to it.

    ASCII digits only, 0 to 2,147,483,647 (`parse_quantity`): int() would read "٣" as 3.
    """
    try:
        return parse_quantity(text)
    except InvalidValue as invalid:
        raise ValueError(f"The quantity {invalid.reason}.") from None


def day_field(text: str | None, field: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None


def pages(request: Request, total: int, page: int) -> dict[str, Any]:
    last = max(1, math.ceil(total / PAGE_SIZE))
    params = {k: v for k, v in request.query_params.items() if k != "page" and v}

    def link(number: int) -> str:
        return "?" + urlencode({**params, "page": number})

    return {
        "page": page,
        "last": last,
        "total": total,
        "prev": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < last else None,
    }


@dataclass(frozen=True)
class SortHeader:
    """A sortable column's header: the link that sorts by it, and how it sorts the list now."""

    href: str
    state: Literal["ascending", "descending", "none"]


@dataclass(frozen=True)
class Sorting:
    sort: RecordSort
    headers: dict[str, SortHeader]
    param: str
    """The `sort` parameter in force (`-total`), or "" for the list's default order."""


def sort_headers(
    request: Request, columns: Mapping[str, SortField], default: RecordSort
) -> Sorting:
    """The list's sort from `?sort=<column>` (`-<column>`: the other way) and each column's
    header link.

    Only the named columns sort (an unknown or missing `sort` gives `default`). A header
    sorts by its column, and the other way when it already does; its link keeps the
    filters and goes back to the first page.
    """
    wanted = request.query_params.get("sort", "")
    name = wanted.removeprefix("-")
    chosen: tuple[str, bool] | None = (name, wanted != name) if name in columns else None
    params = {k: v for k, v in request.query_params.items() if k not in ("page", "sort") and v}
    headers: dict[str, SortHeader] = {}
    for column in columns:
        descending = chosen == (column, False)
        state: Literal["ascending", "descending", "none"] = "none"
        if chosen is not None and chosen[0] == column:
            state = "descending" if chosen[1] else "ascending"
        link = "?" + urlencode({**params, "sort": f"-{column}" if descending else column})
        headers[column] = SortHeader(link, state)
    if chosen is None:
        return Sorting(default, headers, "")
    column, descending = chosen
    return Sorting(RecordSort(columns[column], descending), headers, wanted)


def integration_names(session: Session) -> dict[str, str]:
    """Each integration's name, by id (one query)."""
    return {i.integration_id: i.name for i in integration_store.list_integrations(session)}


def source_words(owners: Iterable[str | None], names: Mapping[str, str]) -> str:
    """Where a SKU's records come from, in words: "hub" for the hub's own record (made
    through the portal, the API, the CLI or an import), then each store by name."""
    held = set(owners)
    stores = sorted(names.get(owner, owner) for owner in held if owner)
    hub = ["hub"] if None in held else []
    return ", ".join(hub + stores)


def location_names(session: Session) -> dict[str, str]:
    found = find_records(session, RecordFilter(EntityKind.LOCATION), count=1000)
    return {r.hub_id: str(r.data.get("name") or r.hub_id) for r in found.records}
