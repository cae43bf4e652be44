"""locations.pull: Cart.com warehouses and store locations -> hub locations, in full each run.

Both lists are small and `store_locations` has no timestamps (API-NOTES §14), so there is no
cursor: every run reads `/warehouses` and `/store_locations` whole, one call each, plus
`/stores` (one call) for the store's name and country when the token has the `system` scope
(without it the locations come without a country; nothing fails). Recipe E of §15.

Unchanged locations write nothing (the store's content hash). A location Cart.com no longer
lists is made inactive, not deleted: inventory and orders may still point at it, and it comes
back active if Cart.com lists it again. A store location the integration's location mapping
(`locationMap`, mapping/location_map.py) says IS a hub location already there is not written as
one of its own: its copy from an earlier run, if any, goes inactive the same way, with a line on
its timeline and on the target's naming the pair, and comes back active (written as usual) once
the pair is removed. A pair whose hub location is gone, or is one of this store's own copies,
is not honoured: the store location stays a location of its own. Everything is written in one
transaction, so a crash leaves the hub as it was and the next run does the same work again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import AuthenticationFailed, PermissionDenied
from orderhub.connectors.cartcom.flows.session import cartcom_client_for
from orderhub.connectors.cartcom.mapping import MappingError, map_store_location, map_warehouse
from orderhub.connectors.cartcom.mapping.location_map import (
    LOCATION_MAP_SETTING,
    check_location_map,
    store_ext_id,
)
from orderhub.connectors.cartcom.mapping.locations import (
    STORE_LOCATION_PREFIX,
    WAREHOUSE_PREFIX,
    deactivated,
    stores_by_id,
)
from orderhub.domain import FlowName, Location, LocationStatus
from orderhub.engine import EntityKind, FlowContext, HubView
from orderhub.errors import UsageError

__all__ = ["LocationsPull"]

ENTITY_TYPE = EntityKind.LOCATION.value
PAGE_SIZE = 250


class LocationsPull:
    name = FlowName.LOCATIONS_PULL
    supports_dry_run = True

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx
        self.mapped: dict[str, tuple[str, str]] = {}
        """The location mapping's pairs this run honours: ext id -> (hub id, hub name)."""

    @classmethod
    def from_context(cls, ctx: FlowContext) -> LocationsPull:
        return cls(ctx)

    def run(self, ctx: FlowContext) -> None:
        wanted = _location_map(ctx.integration.settings)
        with cartcom_client_for(ctx) as client:
            warehouses = client.list_all("warehouses", page_size=PAGE_SIZE)
            store_locations = client.list_all("store_locations", page_size=PAGE_SIZE)
            stores = _stores_if_allowed(client)
        ctx.counts.fetched += len(warehouses) + len(store_locations)
        ctx.heartbeat()
        with ctx.unit_of_work() as session:
            self.mapped = _honoured(ctx.view(session), ctx.integration_id, wanted)
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
            if (store_ext_id(ext_id) or ext_id) in self.mapped:
                continue  # another hub location stands for it: `_deactivate_missing` hides a copy
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
            target = self.mapped.get(record.ext_id)
            ctx.upsert(
                session,
                EntityKind.LOCATION,
                ext_id=record.ext_id,
                data=deactivated(record.data),
                source_doc=record.source_doc,
                entity_type=ENTITY_TYPE,
            )
            if target is not None:
                hub_id, name = target
                store_name = str(record.data.get("name") or record.ext_id)
                ctx.notes(
                    session,
                    EntityKind.LOCATION,
                    [
                        (
                            record.hub_id,
                            f"Mapped to the hub location {name!r} by the location mapping "
                            f"({LOCATION_MAP_SETTING}): made inactive, not kept as a location "
                            "of its own",
                        ),
                        (
                            hub_id,
                            f"Cart.com's {store_name!r} ({record.ext_id}) is mapped onto this "
                            f"location ({LOCATION_MAP_SETTING})",
                        ),
                    ],
                )


def _location_map(settings: Mapping[str, Any]) -> dict[str, str]:
    """The stored `locationMap`, through the check the settings service stored it with."""
    try:
        return check_location_map(settings.get(LOCATION_MAP_SETTING) or {})
    except ValueError as problem:
        raise UsageError(f"The integration setting {LOCATION_MAP_SETTING}: {problem}") from None


def _honoured(
    view: HubView, integration_id: str, wanted: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """The pairs whose hub location exists and is not one of this store's own copies."""
    targets = view.records(EntityKind.LOCATION, list(wanted.values()))
    honoured: dict[str, tuple[str, str]] = {}
    for ext_id, hub_id in wanted.items():
        target = targets.get(hub_id)
        if target is not None and target.integration_id != integration_id:
            honoured[ext_id] = (hub_id, str(target.data.get("name") or hub_id))
    return honoured


def _stores_if_allowed(client: CartcomClient) -> dict[int, Mapping[str, Any]]:
    """`/stores` by id, or nothing when the token lacks the `system` scope.

    The sandbox answers a missing scope with 403; a real store may answer 401. The same token
    has just read the warehouses, so here either means "no `system` scope", not a bad token.
    """
    try:
        return stores_by_id(client.list_all("stores", page_size=PAGE_SIZE))
    except (PermissionDenied, AuthenticationFailed):
        return {}
