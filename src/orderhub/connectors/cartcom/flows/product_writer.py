"""The Cart.com side of products.push: find each SKU, create or update it, read it back.

`ProductWriter.push` takes a batch of hub products (at most 40 distinct SKUs) and returns one
`WriteResult` per product; it writes nothing to the hub. Calls per batch:
`GET /products?item_number=eq:A+OR+eq:B…` (expanded like the pull), and for SKUs that are no
product `GET /variant_inventory?item_number=…` plus their products by `select_many`; then one
`PUT` per changed product or variant row and one `POST` per new product (plus a
`GET /products/{id}` to read it back whole).

What is sent: only the fields the hub changed whose value differs from Cart.com's, and only
those the hub owns on that level (`mapping/product_bodies.py`); a field changed on both sides
goes to its owner (`productFieldOwner`) with a note. A child SKU updates its variant row; one
Cart.com lacks is refused (OrderHub does not create variants). A POST whose answer is lost is
checked by an immediate lookup; a create's intent is journalled by the flow before the POST
(`remember_create`), so a crash never creates twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import NetworkError, NotFound, ServerError, ValidationFailed
from orderhub.connectors.cartcom.flows.product_push_settings import PushSettings
from orderhub.connectors.cartcom.flows.products_pull import PRODUCT_EXPAND
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
from orderhub.domain.product import Product, ProductStatus, ProductType
from orderhub.engine import FlowContext, StoredRecord

__all__ = [
    "FamilyMemo",
    "ProductWriter",
    "Target",
    "Work",
    "WriteResult",
    "batches",
]

_UNSEARCHABLE = re.compile(r"\s(AND|OR)\s")


@dataclass
class Work:
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
class Target:
    """Where a SKU lives in Cart.com: a product (expanded), and the variant row for a child."""

    raw: dict[str, Any]
    row_id: int | None = None


@dataclass
class WriteResult:
    work: Work
    outcome: str  # created | updated | unchanged | failed
    mirror: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    problem: tuple[str, str] | None = None  # (exception type, message)


class FamilyMemo:
    """Each Cart.com product document mapped once: a family's SKUs (a product and its variant
    rows) share one document, and the page's copies are kept from the same documents. Keyed by
    the document object itself, so a document a write replaced is mapped afresh."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Mapping[str, Any], list[Product]]] = {}

    def family(self, raw: Mapping[str, Any], book: CatalogBook) -> list[Product]:
        """`map_product(raw, book)`, once per document (a `MappingError` is not kept)."""
        hit = self._seen.get(id(raw))
        if hit is not None and hit[0] is raw:
            return hit[1]
        family = map_product(raw, book)
        self._seen[id(raw)] = (raw, family)
        return family

    def clear(self) -> None:
        self._seen.clear()


class ProductWriter:
    """One run's writes: the store's statuses and option groups are read once, if needed."""

    select_chunk = 100

    def __init__(
        self,
        ctx: FlowContext,
        client: CartcomClient,
        settings: PushSettings,
        *,
        book: Callable[[], CatalogBook],
        baselines: Callable[[Sequence[Target]], Callable[[Target], Product | None]],
        creating: Callable[[str], datetime | None],
        remember_create: Callable[[str], None],
        forget_create: Callable[[str], None],
        create_settle: timedelta,
        families: FamilyMemo | None = None,
    ) -> None:
        self.ctx = ctx
        self.families = families if families is not None else FamilyMemo()
        self.api = client
        self.settings = settings
        self._book = book
        self._baselines = baselines
        self._creating = creating
        self._remember_create = remember_create
        self._forget_create = forget_create
        self.create_settle = create_settle
        self._settings_missing: str | None = None

    def push(self, batch: Sequence[Work]) -> list[WriteResult]:
        """Locate, then create or update each product of a batch of distinct SKUs."""
        book = self._book()
        targets = self._locate(batch)
        # This integration's copies of the batch's products, read at once (not one read per
        # SKU); they change only after the page's writes, in the push kit's transaction.
        baseline = self._baselines([t for t in targets.values() if isinstance(t, Target)])
        results: list[WriteResult] = []
        # Each product as this batch's writes left it: one family can hold several of its SKUs.
        latest: dict[int, dict[str, Any]] = {}
        for work in batch:
            target = targets.get(work.key)
            if isinstance(target, str):
                results.append(WriteResult(work, "failed", problem=("skuNotFound", target)))
                continue
            try:
                if target is None:
                    result = self._create(work, book)
                else:
                    pid = plain_id(target.raw.get("id")) or 0
                    target = replace(target, raw=latest.get(pid, target.raw))
                    result = self._update(work, target, baseline(target), book)
            except Exception as error:  # this SKU's write failed; the others go on
                self.ctx.failures.failed(work.key, error)  # raises if the store itself is down
                message = f"Saving it in Cart.com failed ({error}); it is tried again"
                result = WriteResult(work, "failed", problem=("cartcomError", message))
            else:
                if result.outcome != "failed":
                    self.ctx.failures.succeeded()
            if result.mirror is not None:
                latest[plain_id(result.mirror.get("id")) or 0] = result.mirror
            results.append(result)
        return results

    def _locate(self, batch: Sequence[Work]) -> dict[str, Target | str]:
        """Each SKU's place in Cart.com; a string says why it cannot be looked up or used."""
        found: dict[str, Target | str] = {}
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
            found[key] = Target(hits[0]) if len(hits) == 1 else _ambiguous(key, hits)
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
                found[key] = Target(parent, plain_id(hits[0].get("id")))
        return found

    def _create(self, work: Work, book: CatalogBook) -> WriteResult:
        product, key = work.product, work.key
        if ProductType.CHILD in product.types:
            return WriteResult(
                work, "failed", problem=("skuNotFound", _NO_VARIANT.format(product.sku))
            )
        sent = self._creating(key)
        if sent is not None and self.ctx.clock.now() - sent < self.create_settle:
            message = (
                f"A create was sent to Cart.com at {sent.isoformat()} and the product is not "
                "listed there yet; checked again on the next run (and sent again only once "
                f"{int(self.create_settle.total_seconds())} s have passed without it showing)"
            )
            return WriteResult(work, "failed", problem=("createPending", message))
        if self._settings_missing is not None:
            return WriteResult(work, "failed", problem=("missingSetting", self._settings_missing))
        if product.price is None:
            message = "The product has no price; Cart.com needs one to create it"
            return WriteResult(work, "failed", problem=("invalidRecord", message))
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
                return WriteResult(work, "failed", problem=("missingSetting", missing))
            return WriteResult(
                work, "failed", problem=("refused", f"Cart.com refused it: {refused}")
            )
        except (NetworkError, ServerError):  # the answer is lost: was it made?
            found = self._find_created(product.sku)
            if found is None:
                raise  # not made (or not listed yet: the create journal guards a re-send)
            return WriteResult(work, "created", mirror=found)
        return WriteResult(work, "created", mirror=self._read_back(answer))

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
        self, work: Work, target: Target, baseline: Product | None, book: CatalogBook
    ) -> WriteResult:
        pid = plain_id(target.raw.get("id")) or 0
        try:
            family = self.families.family(target.raw, book)
        except MappingError as problem:
            message = f"Cart.com product {pid} holding this SKU cannot be read: {problem}"
            return WriteResult(work, "failed", problem=(problem.exception_type, message))
        wanted = child_ext_id(pid, target.row_id) if target.row_id else product_ext_id(pid)
        live = next((p for p in family if p.ext_product_id == wanted), family[0])
        writable = VARIANT_FIELDS if target.row_id else PRODUCT_FIELDS
        plan = plan_fields(
            work.product, live, baseline, work.changed, writable, self.settings.owners
        )
        notes = plan.notes(work.product.sku)
        body = self._body(work.product, plan, target, book)
        if not body:
            return WriteResult(work, "unchanged", mirror=target.raw, notes=notes)
        try:
            if target.row_id:
                answer = self.api.put(f"variant_inventory/{target.row_id}", body)
                raw = _with_row(target.raw, answer, target.row_id)
            else:
                answer = self.api.put(f"products/{pid}", body)
                raw = {**target.raw, **answer}
        except (ValidationFailed, NotFound) as refused:
            message = f"Cart.com refused the update of {wanted}: {refused}"
            return WriteResult(work, "failed", problem=("refused", message), notes=notes)
        return WriteResult(work, "updated", mirror=raw, notes=notes)

    def _body(
        self, product: Product, plan: FieldPlan, target: Target, book: CatalogBook
    ) -> dict[str, Any]:
        if target.row_id:
            return variant_body(product, plan.write)
        body = product_body(product, plan.write)
        if "status" in plan.write:
            active = product.status is ProductStatus.ACTIVE
            body.update(status_body(active, target.raw, book, self.settings.status_id))
        return body


_NO_VARIANT = (
    "Variant SKU {} is not in Cart.com; add the variant to its product in Cart.com first "
    "(OrderHub creates products, not variants)"
)


def batches(works: Sequence[Work], size: int) -> Iterator[list[Work]]:
    """Batches of distinct SKUs, in feed order: a SKU seen twice waits for a later batch."""
    pending = list(works)
    while pending:
        batch: list[Work] = []
        keys: set[str] = set()
        later: list[Work] = []
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
