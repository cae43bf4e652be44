"""products.push: hub products changed by anything but this integration -> Cart.com, once.

Which: products created or changed in the hub — through the API, the CLI, the portal or a CSV
import — since the flow's start point. This integration's own copies of Cart.com products
(records it holds, made by products.pull or by this flow) are never pushed, so what products.pull
brought is never pushed back. Another store's products, as its products.pull brought them, are
pushed only when the integration setting `productsPushCatalogs` is "shared": with two stores in
one hub, store A's catalog never lands in store B unless the merchant says so.

What is sent, and how (`product_writer.py`): only the fields the hub changed (the feed's
timeline events name them) whose value differs from Cart.com's and that the hub owns. A SKU
Cart.com lacks is created with the integration settings `productsDefaultStatusId` and
`productsDefaultCategoryId`; when the store needs them and they are unset, the product becomes
an exception naming the setting. A run with nothing in the feed makes no call.

Conflicts: the baseline is this integration's copy of the Cart.com product (kept by
products.pull, and refreshed by this flow after every write). A field the hub changed whose
Cart.com value also moved away from that copy changed on both sides: the owner named in
`productFieldOwner` wins, and a note on the hub product's timeline says what happened.

Exactly once: a product is looked up by item number right before it is created, and the intent
to create it is committed (in the cursor's `creating` journal) before the POST. If the run dies
after the POST, the next run finds the product; if Cart.com's lists do not show it yet, the SKU
waits (an exception, retried) rather than being created twice, until `create_settle` has
passed. Updates are absolute PUTs. The engine's push kit moves the feed position only in the
transaction after a page's writes, a page of 40 changes at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from orderhub.connectors.cartcom.flows.product_push_settings import PushSettings
from orderhub.connectors.cartcom.flows.product_writer import (
    FamilyMemo,
    ProductWriter,
    Target,
    Work,
    batches,
)
from orderhub.connectors.cartcom.flows.products_pull import (
    ENTITY_TYPE,
    family_records,
    load_catalog_book,
)
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.mapping import (
    PRODUCT_FIELDS,
    CatalogBook,
    MappingError,
    child_ext_id,
    product_ext_id,
)
from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.connectors.cartcom.store_url import store_key
from orderhub.domain import FlowName, Outcome
from orderhub.domain.product import Product
from orderhub.engine import Change, EntityKind, FlowContext, HubView, UpsertItem
from orderhub.engine.cursors import parse_cursor_time
from orderhub.engine.push import FeedPage, FeedPush, PageResult

__all__ = ["CREATING", "ProductsPush", "PushSettings"]

CREATING = "creating"
"""The cursor's journal: SKUs whose creation was sent and not yet seen, and when."""


class ProductsPush(FeedPush[ProductWriter, Work]):
    name = FlowName.PRODUCTS_PUSH
    feed = EntityKind.PRODUCT
    entity_type = ENTITY_TYPE
    feed_page = 40
    """Changes per page, so at most 40 SKUs per batch of Cart.com lookups."""
    supports_dry_run = False
    create_settle = timedelta(minutes=5)

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self.settings = PushSettings.from_settings(ctx.integration.settings)
        self._book: CatalogBook | None = None
        self._client_origin = ""
        self._mirrors: list[dict[str, Any]] = []
        self._families = FamilyMemo()

    @contextmanager
    def connect(self, ctx: FlowContext) -> Iterator[ProductWriter]:
        with cartcom_client_for(ctx) as client:
            self._client_origin = store_key(client.base_url)

            def book() -> CatalogBook:
                if self._book is None:
                    self._book = ctx.reference.get(
                        ("catalog_book", client.base_url),
                        lambda: load_catalog_book(client, self._client_origin),
                    )
                return self._book

            yield ProductWriter(
                ctx,
                client,
                self.settings,
                book=book,
                baselines=self._baselines,
                creating=self._creating,
                remember_create=self._remember_create,
                forget_create=self._forget_create,
                create_settle=self.create_settle,
                families=self._families,
            )

    # --- the hub side ---------------------------------------------------------------------

    def keys_of(self, view: HubView, changes: Sequence[Change]) -> FeedPage:
        fields = view.changed_fields(EntityKind.PRODUCT, changes)
        changed: dict[str, set[str]] = {}
        for change in changes:
            changed.setdefault(change.hub_id, set()).update(fields.get(change.seq, ()))
        return FeedPage(list(changed), None, changed)

    def retry_page(self, keys: list[str]) -> FeedPage:
        """Retried products send the fields their exception remembered (all if it did not)."""
        with self.ctx.reading() as view:
            kept = view.open_exception_data(self.ctx.integration_id, self.name, keys)
        fields = {k: set(kept.get(k, {}).get("changedFields") or PRODUCT_FIELDS) for k in keys}
        return FeedPage(keys, None, fields)

    def load(self, view: HubView, page: FeedPage, result: PageResult) -> list[Work]:
        records = view.records(EntityKind.PRODUCT, page.keys)
        works: list[Work] = []
        for hub_id in page.keys:
            record = records.get(hub_id)
            if record is None or record.integration_id == self.ctx.integration_id:
                result.passed.append(hub_id)  # gone, or our own copy of a Cart.com product
                continue
            if record.integration_id is not None and not self.settings.shared_catalogs:
                result.passed.append(hub_id)  # another store's product: not ours to push
                continue
            changed = page.fields.get(hub_id) or set()
            raw = {"changedFields": sorted(changed)}
            try:
                product = Product.model_validate(record.data)
            except ValidationError as problem:
                result.fail(
                    hub_id, "invalidRecord", f"The hub product is not valid: {problem}", raw
                )
                continue
            if not product.sku.strip():
                result.fail(hub_id, "invalidRecord", "The hub product has no SKU", raw)
                continue
            works.append(Work(record, product, changed))
        return works

    def write(self, target: ProductWriter, jobs: Sequence[Work], result: PageResult) -> None:
        for batch in batches(jobs, self.feed_page):
            for done in target.push(batch):
                hub_id = done.work.hub_id
                for note in done.notes:
                    result.notes.setdefault(hub_id, []).append(note)
                if done.mirror is not None:
                    self._mirrors.append(done.mirror)
                if done.problem is not None:
                    kind, message = done.problem
                    sku = done.work.product.sku
                    raw = {"sku": sku, "changedFields": sorted(done.work.changed)}
                    result.fail(hub_id, kind, f"SKU {sku}: {message}", raw)
                    if done.mirror is None:
                        continue
                    self._settled_create(done.work.key)
                    continue
                result.ok(hub_id, Outcome(done.outcome))
                self._settled_create(done.work.key)

    def settle(self, session: Any, page: FeedPage, result: PageResult) -> None:
        """This integration's copy of each product a write touched, as Cart.com now holds it,
        so the next products.pull finds it unchanged; stale create journal entries go."""
        book = self._book
        copies = {plain_id(raw.get("id")): raw for raw in self._mirrors}
        self._mirrors = []
        items: list[UpsertItem] = []
        for raw in copies.values():  # the last state of each product the page touched
            if book is None:
                break
            try:
                family = self._families.family(raw, book)  # mapped once, in the write
            except MappingError:
                continue  # products.pull reports it; the copy only serves as a baseline
            items.extend(
                UpsertItem(self.ctx.integration_id, ext_id, data, source_doc)
                for ext_id, data, source_doc in family_records(raw, family)
            )
        self.ctx.keep_copies(session, EntityKind.PRODUCT, items)
        self._families.clear()
        stale = self.ctx.clock.now() - self.create_settle  # past it, an entry holds nothing back
        self._set_creating({k: v for k, v in self._journal().items() if v > stale})

    def _baselines(self, targets: Sequence[Target]) -> Callable[[Target], Product | None]:
        """This integration's copy of each target's product, read in one query for a batch."""
        wanted = [_copy_ext_id(target) for target in targets]
        with self.ctx.reading() as view:
            held = view.records_by_ext(EntityKind.PRODUCT, self.ctx.integration_id, wanted)

        def baseline(target: Target) -> Product | None:
            record = held.get(_copy_ext_id(target))
            try:
                return Product.model_validate(record.data) if record is not None else None
            except ValidationError:
                return None

        return baseline

    # --- the create journal -------------------------------------------------------------------

    def _journal(self) -> dict[str, datetime]:
        raw = self.extra.get(CREATING) or {}
        return {k: t for k, v in raw.items() if (t := parse_cursor_time(v)) is not None}

    def _set_creating(self, journal: dict[str, datetime]) -> None:
        self.extra[CREATING] = {k: v.isoformat() for k, v in journal.items()}

    def _creating(self, key: str) -> datetime | None:
        return self._journal().get(key)

    def _remember_create(self, key: str) -> None:
        """Commit the intent before the POST: a crash after it must not create twice."""
        self._set_creating({**self._journal(), key: self.ctx.clock.now()})
        self.save_extra()

    def _forget_create(self, key: str) -> None:
        self._set_creating({k: v for k, v in self._journal().items() if k != key})

    def _settled_create(self, key: str) -> None:
        """The SKU is in Cart.com now (made, found or updated): its journal entry is done."""
        self._forget_create(key)


def _copy_ext_id(target: Target) -> str:
    """The external id under which this integration keeps its copy of a target's product."""
    pid = plain_id(target.raw.get("id")) or 0
    return child_ext_id(pid, target.row_id) if target.row_id else product_ext_id(pid)
