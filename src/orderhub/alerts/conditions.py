"""Which problems hold right now (`orderhub.store.alert_conditions` reads them), and which run
errors mean the store refused the token or a permission — the connector's own words."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from orderhub.alert_settings import AlertSettings
from orderhub.store.alert_conditions import CLEAR_AT, Condition
from orderhub.store.alert_conditions import current_conditions as _read_conditions

if TYPE_CHECKING:
    from orderhub.connectors.base import Connector

__all__ = [
    "CLEAR_AT",
    "Condition",
    "connection_failures",
    "current_conditions",
    "is_connection_failure",
]


def connection_failures(connectors: Iterable[Connector]) -> tuple[str, ...]:
    """The summaries a run's error starts with when a store refused the token or a permission."""
    return tuple(summary for c in connectors for summary in c.connection_failures())


def is_connection_failure(error: str | None, failures: tuple[str, ...]) -> bool:
    return bool(error) and str(error).startswith(failures)


def current_conditions(
    session: Session,
    settings: AlertSettings,
    now: datetime,
    *,
    open_keys: Collection[str],
    connectors: Iterable[Connector],
) -> dict[str, Condition]:
    """Every condition that holds at `now`, by key (`open_keys`: incidents open already)."""
    failures = connection_failures(connectors)
    return _read_conditions(
        session,
        settings,
        now,
        open_keys=open_keys,
        connection_failure=lambda error: is_connection_failure(error, failures),
    )
