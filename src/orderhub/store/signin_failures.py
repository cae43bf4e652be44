"""Failed portal sign-ins: recorded, counted over a window, cleared on success.

Kept in the database so that every front end behind a load balancer throttles from the same
count; rows older than the window are deleted as new ones arrive, so the table stays tiny.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from orderhub.store.dialect import utc
from orderhub.store.tables import SignInFailureRow

__all__ = ["clear_failures", "failures_since", "record_failure"]


def record_failure(session: Session, key: str, *, at: datetime, forget_before: datetime) -> None:
    """Count one failure of `key`; forget every failure (of any key) older than `forget_before`."""
    session.execute(delete(SignInFailureRow).where(SignInFailureRow.failed_at < utc(forget_before)))
    session.add(SignInFailureRow(key=key, failed_at=utc(at)))
    session.flush()


def failures_since(session: Session, key: str, since: datetime) -> list[datetime]:
    """When `key` failed after `since`, oldest first."""
    return list(
        session.scalars(
            select(SignInFailureRow.failed_at)
            .where(SignInFailureRow.key == key, SignInFailureRow.failed_at > utc(since))
            .order_by(SignInFailureRow.failed_at)
        )
    )


def clear_failures(session: Session, key: str) -> None:
    session.execute(delete(SignInFailureRow).where(SignInFailureRow.key == key))
