"""Query parameters every list shares: `skip`/`count` paging and an `updatedSince` window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import AwareDatetime

from orderhub.api.errors import ApiError

__all__ = ["MAX_COUNT", "Page", "TimeWindow", "check_window", "page_params", "time_window"]

MAX_COUNT = 1000
DEFAULT_COUNT = 100
_MAX_SKIP = 1_000_000_000  # keeps OFFSET inside a 64-bit integer on every database


@dataclass(frozen=True)
class Page:
    skip: int
    count: int


@dataclass(frozen=True)
class TimeWindow:
    since: datetime | None
    until: datetime | None


def page_params(
    skip: Annotated[
        int, Query(ge=0, le=_MAX_SKIP, description="How many matching items to skip.")
    ] = 0,
    count: Annotated[
        int, Query(ge=1, le=MAX_COUNT, description=f"Page size (1 to {MAX_COUNT}).")
    ] = DEFAULT_COUNT,
) -> Page:
    return Page(skip=skip, count=count)


def time_window(
    updated_since: Annotated[
        AwareDatetime | None,
        Query(
            alias="updatedSince",
            description="Only items updated at or after this time (ISO-8601 with a timezone).",
        ),
    ] = None,
    updated_until: Annotated[
        AwareDatetime | None,
        Query(
            alias="updatedUntil",
            description="Only items updated at or before this time (ISO-8601 with a timezone).",
        ),
    ] = None,
) -> TimeWindow:
    return check_window(updated_since, updated_until, names=("updatedSince", "updatedUntil"))


def check_window(
    since: datetime | None, until: datetime | None, *, names: tuple[str, str]
) -> TimeWindow:
    """Both ends in UTC, and in order; 400 naming the parameter otherwise."""
    since = _utc(since, names[0])
    until = _utc(until, names[1])
    if since and until and since > until:
        raise ApiError(400, f"{names[0]} is after {names[1]}")
    return TimeWindow(since=since, until=until)


def _utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ApiError(400, f"{name}: the time is out of range") from None
