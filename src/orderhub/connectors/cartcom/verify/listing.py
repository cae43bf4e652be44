"""The cheap side of a check: a store's records as `(id, updated_at, a label)`, 250 a call.

`GET /orders?updated_at=gte:<since>&sort=updated_at,id&count=250&fields=id,order_number,updated_at`
and so on, walked by the same keyset paginator as the flows (ties drained, loops detected),
stopping at `until`: records updated after it are left out, as a pull may be bringing them in
right now. 1,000 orders cost 4 or 5 calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.pagination import KeysetPaginator, UpdatedCursor, record_key
from orderhub.connectors.completeness import CheckWindow

__all__ = ["LISTING_PAGE_SIZE", "Listed", "walk_listing"]

LISTING_PAGE_SIZE = 250
"""Cart.com's largest page (API-NOTES §17 leaves it open; the sandbox caps `count` at 250)."""
MAX_LISTING_PAGES = 40_000
"""10 million records: a check past that is not a daily one; it stops with an error."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Listed:
    """One listed record: its id and update time, and the raw fields asked for."""

    id: int
    updated_at: datetime
    raw: dict[str, Any]


def walk_listing(
    client: CartcomClient, resource: str, *, fields: str, window: CheckWindow
) -> Iterator[list[Listed]]:
    """Pages of `resource` updated within the window, in `(updated_at, id)` order."""
    since = window.since if window.since is not None else _EPOCH
    paginator = KeysetPaginator(
        UpdatedCursor(since, 0), page_size=LISTING_PAGE_SIZE, until=window.until
    )
    pages = client.iter_updated(resource, paginator, params={"fields": fields})
    for number, page in enumerate(pages, start=1):
        if number > MAX_LISTING_PAGES:
            raise RuntimeError(
                f"{resource}: more than {MAX_LISTING_PAGES * LISTING_PAGE_SIZE:,} records "
                "changed since the start: a check reads no more than that"
            )
        listed = []
        for raw in page:
            key = record_key(raw)
            # A record without an id or update time cannot be compared (nor pulled by cursor).
            if key is not None and key.updated_at <= window.until:
                listed.append(Listed(key.id, key.updated_at, raw))
        yield listed
        window.stop_if_asked()
