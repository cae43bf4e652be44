"""products.push: hub products changed by anything but this integration -> Cart.com, once.

Which: products created or changed through the API, a CSV import or another integration (the
change feed with `exclude_integration`), since the flow's start point; so what products.pull
brought is never pushed back. This integration's own copies of Cart.com products (records it
holds, made by products.pull or by this flow) are never pushed either.

Calls, per batch of up to 40 SKUs: `GET /products?item_number=eq:A+OR+eq:B…` (expanded like the
pull), and for SKUs that are no product `GET /variant_inventory?item_number=…` plus their
products by `select_many`; then one `PUT` per changed product or variant row and one `POST` per
new product (plus a `GET /products/{id}` to read it back whole). `product_statuses` and
`variant_groups` are read once per run, only if there is work. A run with nothing in the feed
makes no call.

What is sent: only the fields the hub changed (the feed's timeline events name them) whose value
differs from Cart.com's, and only those the hub owns on that level (`mapping/products.py`). A
child SKU updates its variant inventory row; one Cart.com lacks is an exception (OrderHub does not
create variants). A SKU Cart.com lacks is created with `POST /products`, with the integration
settings `productsDefaultStatusId` and `productsDefaultCategoryId`; when the store needs them and
they are unset, the product becomes an exception naming the setting.

Conflicts: the baseline is this integration's copy of the Cart.com product (kept by products.pull,
and refreshed by this flow after every write). A field the hub changed whose Cart.com value also
moved away from that copy (or with no copy to compare) changed on both sides: the owner named in
the setting `productFieldOwner` (`{"price": "cartcom"}`; the hub owns every field by default)
wins, and a note on the hub product's timeline says what happened. A field only Cart.com changed
is left for products.pull.

Exactly once: a product is looked up by item number right before it is created, and the intent to
create it is committed (in the cursor) before the POST. If the run dies after the POST, the next
run finds the product; if Cart.com's lists do not show it yet, the SKU waits (an exception,
retried) rather than being created twice, until `create_settle` has passed. A POST whose answer
is lost is checked by an immediate lookup. Updates are absolute PUTs: repeating one is harmless.
The feed position moves only in the transaction after a page's writes (a crash re-reads the page,
finds Cart.com already equal and writes nothing), and never past a change that may still be in
flight (`store.feed.settled_seq`). After a write, this integration's copy of the product is
updated to what Cart.com now holds, so the next products.pull finds it unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import (
    NetworkError,
    NotFound,
    ServerError,
    ValidationFailed,
)
from orderhub.connectors.cartcom.flows.products_pull import (
    ENTITY_TYPE,
    PRODUCT_EXPAND,
    family_records,
    load_catalog_book,
    store_origin,
)
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.mapping import (
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    CatalogBook,
    FieldPlan,
    MappingError,
    child_ext_id,
    map_product,
    new_product_body,
    plan_fields,
    product_body,
    product_ext_id,
    status_body,
    variant_body,
)
from orderhub.connectors.cartcom.mapping.common import plain_id
from orderhub.connectors.cartcom.timestamps import parse_cartcom_time
from orderhub.domain import ExceptionStatus, FlowName
from orderhub.domain.product import Product, ProductStatus, ProductType
from orderhub.engine import FlowContext
from orderhub.errors import UsageError
from orderhub.store import exceptions as store_exceptions
from orderhub.store.feed import add_timeline_note, changed_fields_of, feed_position_at, settled_seq
from orderhub.store.records import (
    Change,
    EntityKind,
    Origin,
    StoredRecord,
    changes_since,
    get_record,
    get_record_by_ext,
    upsert_record,
)

__all__ = ["ProductsPush", "PushCursor", "PushSettings"]

OWNER_SETTING = "productFieldOwner"
STATUS_SETTING = "productsDefaultStatusId"
CATEGORY_SETTING = "productsDefaultCategoryId"
OWNERS = ("hub", "cartcom")
_UNSEARCHABLE = re.compile(r"\s(AND|OR)\s")
_UNSEARCHABLE_MESSAGE = "The SKU holds AND/OR between spaces, which Cart.com cannot search for"


@dataclass(frozen=True)
class PushSettings:
    """The integration settings this flow reads, checked once per run."""

    status_id: int | None = None
    category_id: int | None = None
    owners: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PushSettings:
        owners = settings.get(OWNER_SETTING) or {}
        if not isinstance(owners, Mapping):
            raise UsageError(f"The integration setting {OWNER_SETTING} must be an object")
        for name, owner in owners.items():
            if name not in PRODUCT_FIELDS or owner not in OWNERS:
                raise UsageError(
                    f"{OWNER_SETTING}: {name!r}: {owner!r} is not valid; name a field of "
                    f"{', '.join(PRODUCT_FIELDS)} and an owner of {' or '.join(OWNERS)}"
                )
        return cls(
            _setting_id(settings, STATUS_SETTING),
            _setting_id(settings, CATEGORY_SETTING),
            dict(owners),
        )

    def explain_refusal(self, detail: str) -> str | None:
        """The settings to set when Cart.com refused a new product for lacking their fields."""
        needed = [
            (setting, column)
            for setting, column, value in (
                (CATEGORY_SETTING, "primary_category_id", self.category_id),
                (STATUS_SETTING, "product_status_id", self.status_id),
            )
            if value is None and column in detail
        ]
        if not needed:
            return None
        columns = " and ".join(column for _, column in needed)
        settings = " and ".join(setting for setting, _ in needed)
        plural = "s" if len(needed) > 1 else ""
        return (
            f"Cart.com requires {columns} for new products: set the integration "
            f'setting{plural} {settings} (Cart.com said: "{detail}")'
        )


def _setting_id(settings: Mapping[str, Any], name: str) -> int | None:
    value = settings.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"The integration setting {name} must be a Cart.com id, not {value!r}")
    return value


@dataclass(frozen=True)
class PushCursor:
    """The feed position, and SKUs whose creation was sent but not yet confirmed (key: SKU)."""

    seq: int
    creating: Mapping[str, datetime] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "creating": {k: v.isoformat() for k, v in self.creating.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PushCursor:
        creating = data.get("creating") or {}
        return cls(
            int(data["seq"]),
            {k: t for k, v in creating.items() if (t := parse_cartcom_time(v)) is not None},
        )


@dataclass
class _Work:
    """One hub product to push, with the fields the hub changed since it was last pushed."""

    record: StoredRecord
    product: Product
    changed: set[str]

    @property
    def key(self) -> str:
        return self.product.sku.strip().casefold()

    @property
    def hub_id(self) -> str:
        return self.record.hub_id


@dataclass(frozen=True)
class _Target:
    """Where a SKU lives in Cart.com: a product (expanded), and the variant row for a child."""

    raw: dict[str, Any]
    row_id: int | None = None


@dataclass
class _Loaded:
    """The hub products of a feed page: to push, invalid (hub id, why), or nothing to do."""

    works: list[_Work] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)


@dataclass
class _Result:
    work: _Work
    outcome: str  # created | updated | unchanged | failed
    mirror: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    problem: tuple[str, str] | None = None  # (exception type, message)


class ProductsPush:
    name = FlowName.PRODUCTS_PUSH
    feed_page = 500
    batch_size = 40
    select_chunk = 100
    create_settle = timedelta(minutes=5)
    feed_grace = timedelta(minutes=2)

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx
        self.client: CartcomClient | None = None
        self.settings = PushSettings.from_settings(ctx.integration.settings)
        self._book: CatalogBook | None = None
        self._settings_missing: str | None = None
        self.saved: PushCursor = PushCursor(0)

    @classmethod
    def from_context(cls, ctx: FlowContext) -> ProductsPush:
        return cls(ctx)

    @property
    def api(self) -> CartcomClient:
        if self.client is None:
            raise RuntimeError("the flow is not running")
        return self.client

    @property
    def origin(self) -> Origin:
        return Origin(self.ctx.integration_id, run_id=self.ctx.run_id, flow=self.name.value)

    def run(self, ctx: FlowContext) -> None:
        with cartcom_client_for(ctx) as client:
            self.client = client
            self.saved = self._start()
            if ctx.retry_ext_ids:
                with ctx.db.read_session() as session:
                    retries = self._retry_works(session, ctx.retry_ext_ids)
                self._push(retries, advance_to=None)
            read_after = self.saved.seq
            while not ctx.should_stop():
                read_at = ctx.clock.now()
                with ctx.db.read_session() as session:
                    changes = changes_since(
                        session,
                        EntityKind.PRODUCT,
                        read_after,
                        exclude_integration=ctx.integration_id,
                        limit=self.feed_page,
                    )
                    if not changes:
                        break
                    works = self._works(session, changes)
                    settled = settled_seq(
                        session, self.saved.seq, changes[-1].seq, now=read_at, grace=self.feed_grace
                    )
                self._push(works, advance_to=settled)
                read_after = changes[-1].seq
                if len(changes) < self.feed_page:
                    break

    def _start(self) -> PushCursor:
        if self.ctx.cursor:
            return PushCursor.from_json(self.ctx.cursor)
        if self.ctx.start_from is None:
            raise RuntimeError("the integration has no enabled-at time; connect it first")
        with self.ctx.db.read_session() as session:
            return PushCursor(feed_position_at(session, EntityKind.PRODUCT, self.ctx.start_from))

    # --- what to push ---------------------------------------------------------------------

    def _works(self, session: Session, changes: Sequence[Change]) -> _Loaded:
        fields = changed_fields_of(session, EntityKind.PRODUCT, changes)
        changed: dict[str, set[str]] = {}
        for change in changes:
            changed.setdefault(change.hub_id, set()).update(fields.get(change.seq, ()))
        return self._load(session, changed)

    def _retry_works(self, session: Session, hub_ids: Sequence[str]) -> _Loaded:
        open_ = store_exceptions.list_exceptions(
            session,
            status=ExceptionStatus.OPEN,
            integration_id=self.ctx.integration_id,
            flow=self.name,
            limit=len(hub_ids) * 2 + 100,
        )
        remembered = {e.ext_entity_id: (e.raw or {}).get("changedFields") for e in open_}
        changed = {hub_id: set(remembered.get(hub_id) or PRODUCT_FIELDS) for hub_id in hub_ids}
        return self._load(session, changed)

    def _load(self, session: Session, changed: Mapping[str, set[str]]) -> _Loaded:
        loaded = _Loaded()
        for hub_id, fields in changed.items():
            record = get_record(session, EntityKind.PRODUCT, hub_id)
            if record is None or record.integration_id == self.ctx.integration_id:
                loaded.gone.append(hub_id)  # gone, or our own copy of a Cart.com product
                continue
            try:
                product = Product.model_validate(record.data)
            except ValidationError as problem:
                loaded.invalid.append((hub_id, f"The hub product is not valid: {problem}"))
                continue
            if not product.sku.strip():
                loaded.invalid.append((hub_id, "The hub product has no SKU"))
                continue
            loaded.works.append(_Work(record, product, fields))
        return loaded

    # --- pushing a page ---------------------------------------------------------------------

    def _push(self, loaded: _Loaded, *, advance_to: int | None) -> None:
        ctx = self.ctx
        ctx.counts.fetched += len(loaded.works) + len(loaded.invalid)
        if loaded.invalid or loaded.gone:
            with ctx.unit_of_work() as session:
                for hub_id in loaded.gone:
                    ctx.resolve_record(session, entity_type=ENTITY_TYPE, ext_id=hub_id)
                for hub_id, message in loaded.invalid:
                    ctx.fail_record(
                        session,
                        entity_type=ENTITY_TYPE,
                        ext_id=hub_id,
                        exception_type="invalidRecord",
                        message=message,
                        raw={"changedFields": []},
                    )
        batches = list(_batches(loaded.works, self.batch_size))
        for index, batch in enumerate(batches):
            if ctx.should_stop():
                return  # the cursor stays: the next run redoes this page, writing nothing twice
            results = self._push_batch(batch)
            last = index == len(batches) - 1
            self._settle(results, advance_to=advance_to if last else None)
            ctx.heartbeat()
        if not batches and advance_to is not None and advance_to != self.saved.seq:
            self._settle([], advance_to=advance_to)

    def _push_batch(self, batch: Sequence[_Work]) -> list[_Result]:
        book = self._catalog()
        targets = self._locate(batch)
        with self.ctx.db.read_session() as session:
            baselines = {key: self._baseline(session, t) for key, t in targets.items()}
        results: list[_Result] = []
        # Each product as this batch's writes left it: one family can hold several of its SKUs.
        latest: dict[int, dict[str, Any]] = {}
        for work in batch:
            target = targets.get(work.key)
            if isinstance(target, str):
                results.append(_Result(work, "failed", problem=("skuNotFound", target)))
                continue
            try:
                if target is None:
                    result = self._create(work, book)
                else:
                    pid = plain_id(target.raw.get("id")) or 0
                    target = replace(target, raw=latest.get(pid, target.raw))
                    result = self._update(work, target, baselines.get(work.key), book)
            except Exception as error:  # this SKU's write failed; the others go on
                self.ctx.failures.failed(work.key, error)  # raises if the store itself is down
                message = f"Saving it in Cart.com failed ({error}); it is tried again"
                result = _Result(work, "failed", problem=("cartcomError", message))
            else:
                if result.outcome != "failed":
                    self.ctx.failures.succeeded()
            if result.mirror is not None:
                latest[plain_id(result.mirror.get("id")) or 0] = result.mirror
            results.append(result)
        return results

    def _catalog(self) -> CatalogBook:
        if self._book is None:
            self._book = load_catalog_book(self.api, store_origin(self.api))
        return self._book

    def _locate(self, batch: Sequence[_Work]) -> dict[str, _Target | str]:
        """Each SKU's place in Cart.com; a string says why it cannot be looked up or used."""
        found: dict[str, _Target | str] = {}
        searchable = []
        for work in batch:
            if _UNSEARCHABLE.search(work.product.sku):
                found[work.key] = (
                    "The SKU contains AND/OR between spaces; Cart.com cannot search it"
                )
            else:
                searchable.append(work.product.sku.strip())
        if not searchable:
            return found
        products = self.api.list_all(
            "products", params={"item_number": _any_of(searchable), "expand": PRODUCT_EXPAND}
        )
        for key, hits in _group(products, searchable).items():
            found[key] = _Target(hits[0]) if len(hits) == 1 else _ambiguous(key, hits)
        rest = [s for s in searchable if s.casefold() not in found]
        if not rest:
            return found
        rows = self.api.list_all(
            "variant_inventory",
            params={"item_number": _any_of(rest), "fields": "id,product_id,item_number"},
        )
        parents = {
            plain_id(p.get("id")): p
            for p in self.api.select_many(
                "products",
                [plain_id(r.get("product_id")) or 0 for r in rows],
                params={"expand": PRODUCT_EXPAND},
                chunk_size=self.select_chunk,
            )
        }
        for key, hits in _group(rows, rest).items():
            pid = plain_id(hits[0].get("product_id"))
            parent = parents.get(pid)
            if len(hits) > 1:
                found[key] = _ambiguous(key, hits)
            elif parent is None:  # never "absent": creating it would duplicate the SKU
                found[key] = f"Its variant row's product {pid} could not be read from Cart.com"
            else:
                found[key] = _Target(parent, plain_id(hits[0].get("id")))
        return found

    def _baseline(self, session: Session, target: _Target | str) -> Product | None:
        if isinstance(target, str):
            return None
        pid = plain_id(target.raw.get("id")) or 0
        ext_id = child_ext_id(pid, target.row_id) if target.row_id else product_ext_id(pid)
        held = get_record_by_ext(session, EntityKind.PRODUCT, self.ctx.integration_id, ext_id)
        try:
            return Product.model_validate(held.data) if held is not None else None
        except ValidationError:
            return None

    def _create(self, work: _Work, book: CatalogBook) -> _Result:
        product, key = work.product, work.key
        if ProductType.CHILD in product.types:
            return _Result(work, "failed", problem=("skuNotFound", _NO_VARIANT.format(product.sku)))
        sent = self.saved.creating.get(key)
        if sent is not None and self.ctx.clock.now() - sent < self.create_settle:
            message = (
                f"A create was sent to Cart.com at {sent.isoformat()} and the product is not "
                "listed there yet; checked again on the next run (and sent again only once "
                f"{int(self.create_settle.total_seconds())} s have passed without it showing)"
            )
            return _Result(work, "failed", problem=("createPending", message))
        if self._settings_missing is not None:
            return _Result(work, "failed", problem=("missingSetting", self._settings_missing))
        if product.price is None:
            message = "The product has no price; Cart.com needs one to create it"
            return _Result(work, "failed", problem=("invalidRecord", message))
        body = new_product_body(
            product, status_id=self.settings.status_id, category_id=self.settings.category_id
        )
        self._remember_create(key)
        try:
            answer = self.api.post("products", body)
        except ValidationFailed as refused:
            self._forget_create(key)  # a 409 surely created nothing
            missing = self.settings.explain_refusal(refused.said or "")
            if missing is not None:
                self._settings_missing = missing
                return _Result(work, "failed", problem=("missingSetting", missing))
            return _Result(work, "failed", problem=("refused", f"Cart.com refused it: {refused}"))
        except (NetworkError, ServerError):  # the answer is lost: was it made?
            found = self._find_created(product.sku)
            if found is None:
                raise  # not made (or not listed yet: the create journal guards a re-send)
            return _Result(work, "created", mirror=found)
        return _Result(work, "created", mirror=self._read_back(answer))

    def _read_back(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The new product with its collections, so our copy equals what products.pull reads."""
        pid = plain_id(answer.get("id"))
        if pid is None:
            return answer
        try:
            return self.api.get(f"products/{pid}", {"expand": PRODUCT_EXPAND})
        except NotFound:
            return answer

    def _find_created(self, sku: str) -> dict[str, Any] | None:
        hits = self.api.list_all(
            "products", params={"item_number": _any_of([sku]), "expand": PRODUCT_EXPAND}
        )
        exact = [h for h in hits if str(h.get("item_number", "")).casefold() == sku.casefold()]
        return exact[0] if len(exact) == 1 else None

    def _update(
        self, work: _Work, target: _Target, baseline: Product | None, book: CatalogBook
    ) -> _Result:
        pid = plain_id(target.raw.get("id")) or 0
        try:
            family = map_product(target.raw, book)
        except MappingError as problem:
            message = f"Cart.com product {pid} holding this SKU cannot be read: {problem}"
            return _Result(work, "failed", problem=(problem.exception_type, message))
        wanted = child_ext_id(pid, target.row_id) if target.row_id else product_ext_id(pid)
        live = next((p for p in family if p.ext_product_id == wanted), family[0])
        writable = VARIANT_FIELDS if target.row_id else PRODUCT_FIELDS
        plan = plan_fields(
            work.product, live, baseline, work.changed, writable, self.settings.owners
        )
        notes = plan.notes(work.product.sku)
        body = self._body(work.product, plan, target, book)
        if not body:
            return _Result(work, "unchanged", mirror=target.raw, notes=notes)
        try:
            if target.row_id:
                answer = self.api.put(f"variant_inventory/{target.row_id}", body)
                raw = _with_row(target.raw, answer, target.row_id)
            else:
                answer = self.api.put(f"products/{pid}", body)
                raw = {**target.raw, **answer}
        except (ValidationFailed, NotFound) as refused:
            message = f"Cart.com refused the update of {wanted}: {refused}"
            return _Result(work, "failed", problem=("refused", message), notes=notes)
        return _Result(work, "updated", mirror=raw, notes=notes)

    def _body(
        self, product: Product, plan: FieldPlan, target: _Target, book: CatalogBook
    ) -> dict[str, Any]:
        if target.row_id:
            return variant_body(product, plan.write)
        body = product_body(product, plan.write)
        if "status" in plan.write:
            active = product.status is ProductStatus.ACTIVE
            body.update(status_body(active, target.raw, book, self.settings.status_id))
        return body

    # --- the create journal and the hub side ------------------------------------------------

    def _remember_create(self, key: str) -> None:
        """Commit the intent before the POST: a crash after it must not create twice."""
        creating = {**self.saved.creating, key: self.ctx.clock.now()}
        self.saved = replace(self.saved, creating=creating)
        with self.ctx.unit_of_work() as session:
            self.ctx.save_cursor(session, self.saved.to_json())

    def _forget_create(self, key: str) -> None:
        creating = {k: v for k, v in self.saved.creating.items() if k != key}
        self.saved = replace(self.saved, creating=creating)

    def _settle(self, results: Sequence[_Result], *, advance_to: int | None) -> None:
        """The hub side of a batch, in one transaction: copies, notes, exceptions, cursor."""
        ctx = self.ctx
        book = self._book
        done = {r.work.key for r in results if r.outcome != "failed" or r.mirror is not None}
        stale = ctx.clock.now() - self.create_settle  # past it, an entry no longer holds back
        creating = {k: v for k, v in self.saved.creating.items() if k not in done and v > stale}
        cursor = PushCursor(advance_to if advance_to is not None else self.saved.seq, creating)
        now = ctx.clock.now()
        with ctx.unit_of_work() as session:
            copies = {plain_id(r.mirror.get("id")): r.mirror for r in results if r.mirror}
            for raw in copies.values():  # the last state of each product the batch touched
                if book is not None:
                    self._keep_copy(session, raw, book, now)
            for result in results:
                hub_id = result.work.hub_id
                for note in result.notes:
                    add_timeline_note(
                        session, EntityKind.PRODUCT, hub_id, note=note, origin=self.origin, now=now
                    )
                if result.problem is not None:
                    kind, message = result.problem
                    ctx.fail_record(
                        session,
                        entity_type=ENTITY_TYPE,
                        ext_id=hub_id,
                        exception_type=kind,
                        message=f"SKU {result.work.product.sku}: {message}",
                        raw={
                            "sku": result.work.product.sku,
                            "changedFields": sorted(result.work.changed),
                        },
                    )
                    continue
                ctx.resolve_record(session, entity_type=ENTITY_TYPE, ext_id=hub_id)
                if result.outcome == "created":
                    ctx.counts.created += 1
                elif result.outcome == "updated":
                    ctx.counts.updated += 1
                else:
                    ctx.counts.unchanged += 1
            ctx.save_cursor(session, cursor.to_json())
        self.saved = cursor
        ctx.progress(
            fetched=ctx.counts.fetched,
            created=ctx.counts.created,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )

    def _keep_copy(
        self, session: Session, raw: Mapping[str, Any], book: CatalogBook, now: datetime
    ) -> None:
        """This integration's copy of the Cart.com product, as it stands after our write."""
        try:
            family = map_product(raw, book)
        except MappingError:
            return  # products.pull reports it; the copy only serves as a baseline
        for ext_id, data, source_doc in family_records(raw, family):
            upsert_record(
                session,
                EntityKind.PRODUCT,
                integration_id=self.ctx.integration_id,
                ext_id=ext_id,
                data=data,
                source_doc=source_doc,
                origin=self.origin,
                now=now,
            )


_NO_VARIANT = (
    "Variant SKU {} is not in Cart.com; add the variant to its product in Cart.com first "
    "(OrderHub creates products, not variants)"
)


def _batches(works: Sequence[_Work], size: int) -> Iterator[list[_Work]]:
    """Batches of distinct SKUs, in feed order: a SKU seen twice waits for a later batch."""
    pending = list(works)
    while pending:
        batch: list[_Work] = []
        keys: set[str] = set()
        later: list[_Work] = []
        for work in pending:
            if len(batch) < size and work.key not in keys:
                batch.append(work)
                keys.add(work.key)
            else:
                later.append(work)
        yield batch
        pending = later


def _any_of(skus: Iterable[str]) -> str:
    """`eq:A OR eq:B`; the client's URL encoding turns spaces into `+` (API-NOTES §4)."""
    return " OR ".join(f"eq:{sku}" for sku in skus)


def _group(records: Sequence[Mapping[str, Any]], skus: Sequence[str]) -> dict[str, list[Any]]:
    """Records by the SKU they match (case-insensitively, as Cart.com compares)."""
    wanted = {s.casefold() for s in skus}
    grouped: dict[str, list[Any]] = {}
    for record in records:
        key = str(record.get("item_number") or "").strip().casefold()
        if key in wanted:
            grouped.setdefault(key, []).append(record)
    return grouped


def _ambiguous(key: str, hits: Sequence[Mapping[str, Any]]) -> str:
    ids = ", ".join(str(h.get("id")) for h in hits[:5])
    return f"{len(hits)} Cart.com records have this item number (ids {ids}); make it unique there"


def _with_row(raw: Mapping[str, Any], row: Mapping[str, Any], row_id: int) -> dict[str, Any]:
    rows = [
        {**r, **row} if isinstance(r, Mapping) and plain_id(r.get("id")) == row_id else r
        for r in raw.get("variant_inventory") or []
    ]
    return {**raw, "variant_inventory": rows}
