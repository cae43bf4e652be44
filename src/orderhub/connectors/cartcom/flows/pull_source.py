"""Cart.com as a pull source: keyset walks by `updated_at`, ids alone, records by id.

What the engine's pull kit asks of a connector (`orderhub.engine.pull_source`), answered with
the `CartcomClient`: `walk` pages a list with the `KeysetPaginator`, `keys_after` lists the next
page by id alone (`fields=`: how a page Cart.com fails to give is taken apart), `fetch` reads
records by id with `select_many`. `CartcomPull` is the base of the Cart.com pull flows: it
opens the run's client and this source.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import ClassVar

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.pagination import KeysetPaginator
from orderhub.engine import FlowContext, UpdatedCursor
from orderhub.engine.pull import IncrementalPull
from orderhub.engine.pull_source import Raw, Stream

__all__ = ["CartcomPull", "CartcomSource"]

_KEY_FIELDS = "id,updated_at"


class CartcomSource:
    """One run's reads of a Cart.com store for a pull flow."""

    def __init__(
        self,
        client: CartcomClient,
        *,
        resource: str,
        fetch_params: Mapping[str, str],
        select_chunk: int,
    ) -> None:
        self.client = client
        self.resource = resource
        self.fetch_params = dict(fetch_params)
        self.select_chunk = select_chunk
        self._walks: dict[str, KeysetPaginator] = {}

    def walk(
        self,
        stream: Stream,
        start: UpdatedCursor,
        *,
        until: datetime,
        overlap: timedelta,
        exclusive: bool,
    ) -> Iterator[tuple[Sequence[Raw], UpdatedCursor]]:
        paginator = KeysetPaginator(
            start,
            page_size=stream.page_size,
            overlap=timedelta(0) if exclusive else overlap,
            until=until,
            exclusive=exclusive,
        )
        self._walks[stream.name] = paginator
        for records in self.client.iter_updated(stream.resource, paginator, params=stream.params):
            # Read right after the page came in, before the next is asked for: its position.
            yield records, paginator.position

    def keys_after(self, stream: Stream, count: int) -> tuple[Sequence[Raw], UpdatedCursor]:
        walk = self._walks.get(stream.name)
        if walk is None:
            raise RuntimeError(f"no walk of {stream.name} has started")
        paginator = KeysetPaginator(walk.frontier, page_size=count, exclusive=True)
        fields = stream.params.get("fields") or _KEY_FIELDS  # a row stream's pointers ride along
        rows: list[Raw] = []
        # The first request only finishes `start`'s own timestamp; go on until a page's worth.
        while paginator.has_next and len(rows) < count:
            query = {**paginator.next_params(), "fields": fields}
            page = self.client.list_page(stream.resource, query)
            rows.extend(paginator.update(page.records, total_count=page.total_count))
        return rows, paginator.position

    def fetch(self, ext_ids: Sequence[str]) -> Sequence[Raw]:
        ids = [int(i) for i in ext_ids if i.isdigit()]
        return self.client.select_many(
            self.resource, ids, params=self.fetch_params, chunk_size=self.select_chunk
        )


class CartcomPull(IncrementalPull[CartcomSource]):
    """A Cart.com pull flow: declare `streams` (the first is the flow's records), `fetch_params`
    (how a record is read by id: the same `expand` as its stream) and the mapping hooks."""

    fetch_params: ClassVar[Mapping[str, str]] = {}
    select_chunk: ClassVar[int] = 100

    @contextmanager
    def connect(self, ctx: FlowContext) -> Iterator[CartcomSource]:
        with cartcom_client_for(ctx) as client:
            yield CartcomSource(
                client,
                resource=self.streams[0].resource,
                fetch_params=self.fetch_params,
                select_chunk=self.select_chunk,
            )
