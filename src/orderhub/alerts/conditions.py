"""Which problems hold right now (`orderhub.store.alert_conditions` reads them), and which run
errors mean the store refused the token or a permission — the connector's own words."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from orderhub.alert_settings import AlertSettings
from orderhub.store.alert_conditions import CLEAR_AT, Condition
from orderhub.store.alert_conditions import current_conditions as _read_conditions

__all__ = ["CLEAR_AT", "Condition", "current_conditions", "is_connection_failure"]


def _connection_failures() -> tuple[str, ...]:
    # The summaries a run's error starts with when the store refused the token or a permission.
    from orderhub.connectors.cartcom.errors import AuthenticationFailed, PermissionDenied

    return (AuthenticationFailed.summary, PermissionDenied.summary)


def is_connection_failure(error: str | None) -> bool:
    return bool(error) and str(error).startswith(_connection_failures())


def current_conditions(
    session: Session, settings: AlertSettings, now: datetime, *, open_keys: Collection[str]
) -> dict[str, Condition]:
    """Every condition that holds at `now`, by key (`open_keys`: incidents open already)."""
    return _read_conditions(
        session, settings, now, open_keys=open_keys, connection_failure=is_connection_failure
    )
