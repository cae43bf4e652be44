"""locations.pull: Cart.com warehouses and store locations -> hub locations, in full each run.

Both lists are small and `store_locations` has no timestamps (API-NOTES §14), so there is no
cursor: every run reads `/warehouses` and `/store_locations` whole, one call each, plus
`/stores` (one call) for the store's name and country when the token has the `system` scope
(without it the locations come without a country; nothing fails). Recipe E of §15.

Unchanged locations write nothing (the store's content hash). A location Cart.com no longer
lists is made inactive, not deleted: inventory and orders may still point at it, and it comes
back active if Cart.com lists it again. Everything is written in one transaction, so a crash
leaves the hub as it was and the next run does the same work again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import AuthenticationFailed, PermissionDenied
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.mapping import MappingError, map_store_location, map_warehouse
from orderhub.connectors.cartcom.mapping.locations import (
    STORE_LOCATION_PREFIX,
    WAREHOUSE_PREFIX,
    deactivated,
    stores_by_id,
)
from orderhub.domain import FlowName, Location, LocationStatus
from orderhub.engine import EntityKind, FlowContext

__all__ = ["LocationsPull"]

ENTITY_TYPE = EntityKind.LOCATION.value
PAGE_SIZE = 250


class LocationsPull:
    name = FlowName.LOCATIONS_PULL
    supports_dry_run = True

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx

    @classmethod
    def from_context(cls, ctx: FlowContext) -> LocationsPull:
        return cls(ctx)

    def run(self, ctx: FlowContext) -> None:
        with cartcom_client_for(ctx) as client:
            warehouses = client.list_all("warehouses", page_size=PAGE_SIZE)
            store_locations = client.list_all("store_locations", page_size=PAGE_SIZE)
            stores = _stores_if_allowed(client)
        ctx.counts.fetched += len(warehouses) + len(store_locations)
        ctx.heartbeat()
        with ctx.unit_of_work() as session:
            seen: set[str] = set()
            self._store(session, warehouses, WAREHOUSE_PREFIX, map_warehouse, seen)
            self._store(
                session,
                store_locations,
                STORE_LOCATION_PREFIX,
                lambda raw: map_store_location(raw, stores),
                seen,
            )
            self._deactivate_missing(session, seen)
        ctx.progress(
            fetched=ctx.counts.fetched,
            created=ctx.counts.created,
            updated=ctx.counts.updated,
            failed=ctx.counts.failed,
        )

    def _store(
        self,
        session: Session,
        records: Sequence[Mapping[str, Any]],
        prefix: str,
        mapper: Callable[[Mapping[str, Any]], Location],
        seen: set[str],
    ) -> None:
        ctx = self.ctx
        for raw in records:
            ext_id = f"{prefix}{raw.get('id')}"
            try:
                location = mapper(raw)
            except MappingError as problem:
                seen.add(ext_id)  # listed by Cart.com: never deactivate it for a bad field
                ctx.fail_record(
                    session,
                    entity_type=ENTITY_TYPE,
                    ext_id=ext_id,
                    exception_type=problem.exception_type,
                    message=str(problem),
                    raw=dict(raw),
                )
                continue
            ext_id = location.ext_location_id or ext_id
            seen.add(ext_id)
            ctx.upsert(
                session,
                EntityKind.LOCATION,
                ext_id=ext_id,
                data=location.to_wire(),
                source_doc=dict(raw),
                entity_type=ENTITY_TYPE,
            )

    def _deactivate_missing(self, session: Session, seen: set[str]) -> None:
        ctx = self.ctx
        for record in ctx.view(session).held_by(EntityKind.LOCATION, ctx.integration_id):
            if record.ext_id in seen or not record.ext_id.startswith(
                (WAREHOUSE_PREFIX, STORE_LOCATION_PREFIX)
            ):
                continue
            if record.data.get("status") == LocationStatus.INACTIVE.value:
                continue
            ctx.upsert(
                session,
                EntityKind.LOCATION,
                ext_id=record.ext_id,
                data=deactivated(record.data),
                source_doc=record.source_doc,
                entity_type=ENTITY_TYPE,
            )


def _stores_if_allowed(client: CartcomClient) -> dict[int, Mapping[str, Any]]:
    """`/stores` by id, or nothing when the token lacks the `system` scope.

    The sandbox answers a missing scope with 403; a real store may answer 401. The same token
    has just read the warehouses, so here either means "no `system` scope", not a bad token.
    """
    try:
        return stores_by_id(client.list_all("stores", page_size=PAGE_SIZE))
    except (PermissionDenied, AuthenticationFailed):
        return {}
