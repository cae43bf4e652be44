"""What the portal's record lists share: the page number, paging links, dates and quantities."""

from __future__ import annotations

import math
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request

from orderhub.domain.bounds import InvalidValue, parse_quantity
from orderhub.store.record_queries import (
    RecordFilter,
    find_records,
)
from orderhub.store.records import EntityKind

__all__ = ["PAGE_SIZE", "day_field", "location_names", "page_number", "pages", "typed_quantity"]

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


def location_names(session: Session) -> dict[str, str]:
    found = find_records(session, RecordFilter(EntityKind.LOCATION), count=1000)
    return {r.hub_id: str(r.data.get("name") or r.hub_id) for r in found.records}
