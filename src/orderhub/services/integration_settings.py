"""The settings a merchant may change on an integration: declared once, checked once, recorded.

Each setting is declared (`SettingSpec`: its key as the API spells it, a label and a sentence a
merchant understands, the values it takes, its default). The CLI, the API and the portal all
change settings through `change_settings`, which parses every value before storing any (one bad
value changes nothing), and writes one line per change into the integration's history — who
changed what, from what, to what — which the integration's page and the CLI show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orderhub.connectors.cartcom.flows.product_push_settings import (
    CATALOG_SCOPES,
    CATALOG_SETTING,
    CATEGORY_SETTING,
    STATUS_SETTING,
)
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub
from orderhub.store import integrations as integration_store
from orderhub.store.integration_history import HistoryEntry, add_history, history

__all__ = [
    "SETTINGS",
    "SettingSpec",
    "SettingValue",
    "change_settings",
    "integration_history",
    "integration_settings",
]


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    help: str
    parse: Callable[[str], Any]
    default: Any = None
    choices: tuple[str, ...] = ()

    def shown(self, value: Any) -> str:
        return "(not set)" if value is None else str(value)


@dataclass(frozen=True)
class SettingValue:
    spec: SettingSpec
    value: Any

    @property
    def is_default(self) -> bool:
        return self.value is None

    @property
    def effective(self) -> Any:
        return self.spec.default if self.value is None else self.value


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"must be {' or '.join(repr(c) for c in choices)}")
        return value

    return parse


def _store_id(text: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**31:
        raise ValueError("must be a Cart.com id: a whole number from 1 to 2147483647")
    return int(value)


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        CATALOG_SETTING,
        "Catalogs products.push may write",
        "own: only products made or changed in OrderHub (including this store's own "
        "products repriced there); shared: also every other connected store's products.",
        _choice(*CATALOG_SCOPES),
        default=CATALOG_SCOPES[0],
        choices=CATALOG_SCOPES,
    ),
    SettingSpec(
        STATUS_SETTING,
        "Status of products created by products.push",
        "The Cart.com product status id given to a SKU that products.push creates.",
        _store_id,
    ),
    SettingSpec(
        CATEGORY_SETTING,
        "Category of products created by products.push",
        "The Cart.com category id (primary_category_id) given to a SKU products.push creates.",
        _store_id,
    ),
)
_BY_KEY = {spec.key: spec for spec in SETTINGS}


def integration_settings(hub: Hub, integration_id: str) -> list[SettingValue]:
    with hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
    if integration is None:
        raise NotFoundError(f"No integration with id {integration_id!r}")
    return [SettingValue(spec, integration.settings.get(spec.key)) for spec in SETTINGS]


def change_settings(
    hub: Hub, integration_id: str, changes: Mapping[str, str | None], *, actor: str
) -> list[str]:
    """Set (or, with None, reset to the default) the named settings; returns what changed.

    Every value is checked before any is stored: an unknown key or a bad value raises
    `UsageError` naming the setting and what it takes, and changes nothing.
    """
    parsed: dict[str, Any] = {}
    for key, text in changes.items():
        spec = _BY_KEY.get(key)
        if spec is None:
            known = ", ".join(_BY_KEY)
            raise UsageError(
                f"{key[:40]!r} is not a setting of this integration; settings: {known}"
            )
        if text is None or not str(text).strip():
            parsed[key] = None
            continue
        try:
            parsed[key] = spec.parse(str(text))
        except ValueError as problem:
            raise UsageError(f"{key}: {problem} (not {str(text)[:40]!r})") from None
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
        for key, value in moved.items():
            spec = _BY_KEY[key]
            after = spec.shown(value) if value is not None else f"the default ({spec.default})"
            line = f"{key}: {spec.shown(old.get(key))} → {after}"
            add_history(session, integration_id, action="setting", note=line, actor=actor, now=now)
            lines.append(line)
    return lines


def integration_history(hub: Hub, integration_id: str, *, limit: int = 50) -> list[HistoryEntry]:
    with hub.db.read_session() as session:
        return history(session, integration_id, limit=limit)
