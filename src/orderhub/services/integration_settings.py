"""The settings a merchant may change on an integration: declared once, checked once, recorded.

Each connector declares its settings (`orderhub.connectors.settings.SettingSpec`: its key as
the API spells it, a label and a sentence a merchant understands, the values it takes, its
default); the hub adds its own (how long a quiet pull flow waits at most, for each pull flow the
connector has). The CLI, the API and the portal all
change settings through `change_settings`, which parses every value before storing any (one bad
value changes nothing), and writes one line per change into the integration's history — who
changed what, from what, to what — which the integration's page and the CLI show.

A setting that names hub records (locations, SKUs) is resolved against the hub in the same
read that checks it (`HubLookup` over one session), and shown back with their current names.
A setting that decides a flow's figures (`SettingSpec.runs`: the inventory buffers and
locations) makes that flow due at once, in the transaction that stores the change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from orderhub.connectors.settings import HubLookup, SettingSpec, whole_number
from orderhub.connectors.status_map import StatusMap
from orderhub.domain import FlowName, Integration
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub
from orderhub.store import integrations as integration_store
from orderhub.store.flows import DEFAULT_MAX_INTERVAL_SECONDS, get_flow_state
from orderhub.store.integration_history import HistoryEntry, add_history, history
from orderhub.store.records import EntityKind, all_skus, list_records

__all__ = [
    "SettingSpec",
    "SettingValue",
    "change_settings",
    "integration_history",
    "integration_settings",
    "order_status_map",
    "settings_of",
]


@dataclass(frozen=True)
class SettingValue:
    spec: SettingSpec
    value: Any
    text: str = ""
    """The value as a merchant types it ("" when unset): what a form field holds."""

    @property
    def is_default(self) -> bool:
        return self.value is None

    @property
    def effective(self) -> Any:
        return self.spec.default if self.value is None else self.value


MAX_LOCATIONS_READ = 10_000
"""Locations a setting's names are looked up among (far more than any merchant has)."""


@dataclass
class _Lookup:
    """`HubLookup` over one session; each list is read once, when first needed."""

    session: Session
    integration_id: str | None = None
    """Whose pulled locations `held_locations` lists (None: nobody's)."""
    _locations: dict[str, str] | None = field(default=None, init=False)
    _skus: set[str] | None = field(default=None, init=False)
    _held: dict[str, tuple[str, str]] | None = field(default=None, init=False)

    def locations(self) -> Mapping[str, str]:
        if self._locations is None:
            records = list_records(
                self.session, EntityKind.LOCATION, limit=MAX_LOCATIONS_READ, newest_first=False
            )
            self._locations = {r.hub_id: str(r.data.get("name") or r.hub_id) for r in records}
        return self._locations

    def held_locations(self) -> Mapping[str, tuple[str, str]]:
        if self._held is None:
            records = (
                list_records(
                    self.session,
                    EntityKind.LOCATION,
                    integration_id=self.integration_id,
                    limit=MAX_LOCATIONS_READ,
                    newest_first=False,
                )
                if self.integration_id is not None
                else []
            )
            self._held = {
                r.ext_id: (r.hub_id, str(r.data.get("name") or r.ext_id)) for r in records
            }
        return self._held

    def skus(self, wanted: Collection[str]) -> Mapping[str, str]:
        if self._skus is None:
            self._skus = all_skus(self.session, EntityKind.PRODUCT) | all_skus(
                self.session, EntityKind.INVENTORY
            )
        folded: dict[str, str] = {}
        for sku in sorted(self._skus):
            folded.setdefault(sku.casefold(), sku)
        found: dict[str, str] = {}
        for sku in wanted:
            spelled = sku if sku in self._skus else folded.get(sku.casefold())
            if spelled is not None:
                found[sku] = spelled
        return found


def _read(spec: SettingSpec, text: str, lookup: HubLookup) -> Any:
    """A merchant's text as the value stored; `UsageError` naming the setting."""
    try:
        value = spec.parse(text)
        return spec.resolve(value, lookup) if spec.resolve is not None else value
    except ValueError as problem:
        raise UsageError(f"{spec.key}: {problem} (not {text[:40]!r})") from None


MAX_POLL_MINUTES = 24 * 60


_minutes = whole_number(1, MAX_POLL_MINUTES, f"whole minutes from 1 to {MAX_POLL_MINUTES}")


POLLED = (
    (FlowName.ORDERS_PULL, "ordersPullPollMinutes", "orders"),
    (FlowName.PRODUCTS_PULL, "productsPullPollMinutes", "products"),
    (FlowName.LOCATIONS_PULL, "locationsPullPollMinutes", "locations"),
)
"""The pull flows' polling settings: the longest a quiet flow waits before it looks again."""

POLL_SETTINGS: dict[str, tuple[FlowName, SettingSpec]] = {
    key: (
        flow,
        SettingSpec(
            key,
            f"{flow.label}: look at least every … minutes",
            f"While the store is quiet, {what} are looked for this seldom at most (every "
            "minute while runs bring changes); a webhook or Sync now runs the flow at once.",
            _minutes,
            default=DEFAULT_MAX_INTERVAL_SECONDS // 60,
        ),
    )
    for flow, key, what in POLLED
}
"""The hub's own settings, by key: for each pull flow, its polling ceiling."""


def settings_of(hub: Hub, connector: str) -> tuple[SettingSpec, ...]:
    """The settings integrations of `connector` (its kind) take: its own, then the hub's."""
    flows = hub.registry.available(connector)
    polled = tuple(spec for flow, spec in POLL_SETTINGS.values() if flow in flows)
    return (*hub.connectors.get(connector).settings(), *polled)


def _apply_poll_ceiling(
    session: Session, integration: Integration, flow: FlowName, minutes: Any
) -> None:
    """Apply a pull flow's "look at least every N minutes" to its schedule (None: 15)."""
    longest = DEFAULT_MAX_INTERVAL_SECONDS if minutes is None else int(minutes) * 60
    current = next(s.interval_seconds for s in integration.flows if s.flow is flow)
    integration_store.set_flow_interval(
        session,
        integration.integration_id,
        flow,
        min(current, longest),
        max_interval_seconds=longest,
    )


def integration_settings(hub: Hub, integration_id: str) -> list[SettingValue]:
    with hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            raise NotFoundError(f"No integration with id {integration_id!r}")
        specs = settings_of(hub, integration.connector)
        lookup = _Lookup(session, integration_id)
        return [
            SettingValue(spec, value, spec.text(value, lookup))
            for spec in specs
            for value in [integration.settings.get(spec.key)]
        ]


def change_settings(
    hub: Hub, integration_id: str, changes: Mapping[str, str | None], *, actor: str
) -> list[str]:
    """Set (or, with None, reset to the default) the named settings; returns what changed.

    Every value is checked before any is stored: an unknown key or a bad value raises
    `UsageError` naming the setting and what it takes, and changes nothing.
    """
    with hub.db.read_session() as session:
        found = integration_store.get_integration(session, integration_id)
        if found is None:
            raise NotFoundError(f"No integration with id {integration_id!r}")
        by_key = {spec.key: spec for spec in settings_of(hub, found.connector)}
        parsed: dict[str, Any] = {}
        lookup = _Lookup(session, integration_id)
        for key, text in changes.items():
            spec = by_key.get(key)
            if spec is None:
                known = ", ".join(by_key) or "none"
                raise UsageError(
                    f"{key[:40]!r} is not a setting of this integration; settings: {known}"
                )
            if text is None or not str(text).strip():
                parsed[key] = None
                continue
            parsed[key] = _read(spec, str(text), lookup)
    now = hub.clock.now()
    lines: list[str] = []
    with hub.db.session() as session:
        integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            raise NotFoundError(f"No integration with id {integration_id!r}")
        old = integration.settings
        moved = {k: v for k, v in parsed.items() if old.get(k) != v}
        if not moved:
            return []
        integration_store.update_integration_settings(session, integration_id, moved, now=now)
        lookup = _Lookup(session, integration_id)
        due: set[FlowName] = set()
        for key, value in moved.items():
            spec = by_key[key]
            if key in POLL_SETTINGS:
                _apply_poll_ceiling(session, integration, POLL_SETTINGS[key][0], value)
            due.update(FlowName(flow) for flow in spec.runs)
            after = (
                spec.shown(value, lookup)
                if value is not None
                else f"the default ({spec.default_shown(lookup)})"
            )
            line = f"{key}: {spec.shown(old.get(key), lookup)} → {after}"
            add_history(session, integration_id, action="setting", note=line, actor=actor, now=now)
            lines.append(line)
        # A flow whose figures the change decides runs soon, not at its next interval: only an
        # enabled one moves, and only earlier (`store.flows.mark_due`).
        integration_store.mark_due(session, integration_id, sorted(due), now=now)
    return lines


def integration_history(hub: Hub, integration_id: str, *, limit: int = 50) -> list[HistoryEntry]:
    with hub.db.read_session() as session:
        return history(session, integration_id, limit=limit)


def order_status_map(hub: Hub, integration_id: str) -> StatusMap | None:
    """What each of the store's order statuses becomes in the hub, with the integration's
    settings applied, as its orders pull last read them (no call to the store); None when the
    connector pulls no orders or has no statuses to show."""
    with hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            raise NotFoundError(f"No integration with id {integration_id!r}")
        if FlowName.ORDERS_PULL not in hub.registry.available(integration.connector):
            return None
        cursor = get_flow_state(session, integration_id, FlowName.ORDERS_PULL).cursor
    connector = hub.connectors.get(integration.connector)
    return connector.order_status_map(integration.settings, cursor)
