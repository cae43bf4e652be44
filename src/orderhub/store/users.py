"""Portal user rows. The service (`orderhub.services.users`) checks emails and passwords and
hashes them; these functions only read and write rows, in the caller's session, never
committing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from orderhub.store.dialect import utc
from orderhub.store.tables import UserRow

__all__ = [
    "StoredUser",
    "add_user",
    "count_users",
    "end_user_sessions",
    "stamp_sign_in",
    "user_by_email",
    "user_by_id",
]


@dataclass(frozen=True)
class StoredUser:
    user_id: str
    email: str
    password_hash: str
    is_admin: bool
    created_at: datetime
    last_login_at: datetime | None
    session_epoch: int


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(UserRow)) or 0


def user_by_id(session: Session, user_id: str) -> StoredUser | None:
    return _one(session, UserRow.user_id == user_id)


def user_by_email(session: Session, email: str) -> StoredUser | None:
    return _one(session, UserRow.email == email)


def add_user(
    session: Session, *, user_id: str, email: str, password_hash: str, is_admin: bool, now: datetime
) -> StoredUser:
    session.add(
        UserRow(
            user_id=user_id,
            email=email,
            password_hash=password_hash,
            is_admin=is_admin,
            created_at=utc(now),
            last_login_at=None,
        )
    )
    session.flush()
    found = user_by_id(session, user_id)
    assert found is not None
    return found


def stamp_sign_in(session: Session, user_id: str, now: datetime) -> StoredUser | None:
    session.execute(
        update(UserRow).where(UserRow.user_id == user_id).values(last_login_at=utc(now))
    )
    return user_by_id(session, user_id)


def end_user_sessions(session: Session, user_id: str) -> None:
    """Move the user's session epoch: every session issued before stops matching."""
    session.execute(
        update(UserRow)
        .where(UserRow.user_id == user_id)
        .values(session_epoch=UserRow.session_epoch + 1)
    )


def _one(session: Session, condition: ColumnElement[bool]) -> StoredUser | None:
    row = session.execute(select(*_COLUMNS).where(condition)).one_or_none()
    return StoredUser(*row) if row is not None else None


_COLUMNS = (
    UserRow.user_id,
    UserRow.email,
    UserRow.password_hash,
    UserRow.is_admin,
    UserRow.created_at,
    UserRow.last_login_at,
    UserRow.session_epoch,
)
