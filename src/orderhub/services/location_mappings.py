"""Which store locations each hub location stands for, through the integrations' location
mappings (a connector's `location_map`): what the Locations page shows next to a hub location.

A store location is named as its integration's last pull saw it (its copy's name, kept while
the copy is inactive), or by its external id when the pull never brought it; with more than one
integration, the integration's name follows, so two stores' "Main Warehouse" stay apart.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from orderhub.hub import Hub
from orderhub.store import integrations as integration_store
from orderhub.store.records import EntityKind, records_by_ext

__all__ = ["mapped_onto"]


def mapped_onto(hub: Hub, session: Session) -> dict[str, list[str]]:
    """Hub location id -> the store locations mapped onto it, in words (the connector's display
    name, then the location's: "…: Main Warehouse"), in the caller's read."""
    integrations = integration_store.list_integrations(session)
    known = set(hub.connectors.kinds())
    found: dict[str, list[str]] = {}
    for integration in integrations:
        if integration.connector not in known:
            continue
        connector = hub.connectors.get(integration.connector)
        mapping = connector.location_map(integration.settings)
        if not mapping:
            continue
        copies = records_by_ext(
            session, EntityKind.LOCATION, integration.integration_id, list(mapping)
        )
        names = {r.ext_id: str(r.data.get("name") or r.ext_id) for r in copies}
        which = f" ({integration.name})" if len(integrations) > 1 else ""
        for ext_id, hub_id in mapping.items():
            label = f"{connector.display_name}: {names.get(ext_id, ext_id)}{which}"
            found.setdefault(hub_id, []).append(label)
    return found
