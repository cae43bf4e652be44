"""Portal users: the first admin, password hashing (argon2id), sign-in checks.

Passwords are kept only as argon2id hashes (`argon2-cffi`) at OWASP's recommended argon2id
cost (19 MiB, 2 passes, 1 lane: well under 0.1 s a check here; the library's default takes
several times longer on two cores). Checking a password for an unknown email still verifies
against a fixed dummy hash, so the answer takes about as long whether the email exists or
not and does not reveal which emails have accounts.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from orderhub.errors import UsageError
from orderhub.hub import Hub
from orderhub.store import users as user_store

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "User",
    "UserInputError",
    "authenticate",
    "create_admin",
    "create_first_admin",
    "end_sessions",
    "ensure_demo_admin",
    "get_user",
    "hash_password",
    "password_fingerprint",
    "record_sign_in",
    "session_fingerprint",
    "user_count",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
DEMO_EMAIL = "demo@orderhub.local"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
_DUMMY_HASH = _hasher.hash("orderhub: no such user")


class UserInputError(UsageError):
    """A bad email or password; `field` names the form field the message belongs next to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    is_admin: bool
    created_at: datetime
    last_login_at: datetime | None
    fingerprint: str
    """Changes when the password changes or the user signs out: sessions issued with an older
    one stop working (`session_fingerprint`)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_fingerprint(password_hash: str) -> str:
    """A short, non-secret tag of the hash (its last 12 characters of salt+digest)."""
    return password_hash[-12:]


def session_fingerprint(password_hash: str, session_epoch: int) -> str:
    """What a session must match to stay valid: the password's tag and the sign-out epoch.

    Both come with the user row every signed-in request reads anyway, so checking that a
    session was not ended costs no extra query.
    """
    return f"{password_fingerprint(password_hash)}.{session_epoch}"


def user_count(hub: Hub) -> int:
    with hub.db.read_session() as session:
        return user_store.count_users(session)


def get_user(hub: Hub, user_id: str) -> User | None:
    with hub.db.read_session() as session:
        row = user_store.user_by_id(session, user_id)
        return _user(row) if row is not None else None


def create_admin(hub: Hub, *, email: str, password: str) -> User:
    """Create an admin; the email must be new and the password at least 10 characters."""
    email = _check_email(email)
    _check_password(password)
    with hub.db.session() as session:
        return _insert_admin(session, email, password, hub.clock.now())


def create_first_admin(hub: Hub, *, email: str, password: str) -> User:
    """The setup page's admin: refused once any user exists (the setup link is then spent)."""
    email = _check_email(email)
    _check_password(password)
    with hub.db.session() as session:
        if user_store.count_users(session):
            raise UsageError("An administrator exists already; sign in instead")
        return _insert_admin(session, email, password, hub.clock.now())


def ensure_demo_admin(hub: Hub) -> User:
    """The demo's admin (created with a random password nobody needs: the demo link signs in)."""
    with hub.db.session() as session:
        row = user_store.user_by_email(session, DEMO_EMAIL)
        if row is not None:
            return _user(row)
        return _insert_admin(session, DEMO_EMAIL, secrets.token_urlsafe(24), hub.clock.now())


def authenticate(hub: Hub, email: str, password: str) -> User | None:
    """The user whose email and password these are, or None (same cost either way)."""
    with hub.db.read_session() as session:
        row = user_store.user_by_email(session, email.strip().lower())
        user = _user(row) if row is not None else None
        password_hash = row.password_hash if row is not None else _DUMMY_HASH
    if not verify_password(password_hash, password) or user is None:
        return None
    return user


def record_sign_in(hub: Hub, user_id: str) -> User:
    """Stamp the sign-in time (this also spends any sign-in link issued before it)."""
    with hub.db.session() as session:
        row = user_store.stamp_sign_in(session, user_id, hub.clock.now())
    if row is None:
        raise UsageError("That user no longer exists")
    return _user(row)


def end_sessions(hub: Hub, user_id: str) -> None:
    """End every session of the user, on every front end (sign-out).

    Sessions are signed cookies the hub does not keep, so a copy of one would work until it
    expires; moving the user's epoch in the database makes every cookie issued before fail
    the fingerprint check, wherever it is presented. All the user's browsers are signed out.
    """
    with hub.db.session() as session:
        user_store.end_user_sessions(session, user_id)


def _insert_admin(session: Session, email: str, password: str, now: datetime) -> User:
    if user_store.user_by_email(session, email) is not None:
        raise UserInputError("email", f"A user with the email {email} exists already")
    row = user_store.add_user(
        session,
        user_id=secrets.token_hex(8),
        email=email,
        password_hash=hash_password(password),
        is_admin=True,
        now=now,
    )
    return _user(row)


def _check_email(email: str) -> str:
    email = email.strip().lower()
    if not email:
        raise UserInputError("email", "Enter your email address")
    if not _EMAIL.match(email) or len(email) > 320:
        raise UserInputError("email", f"{email} is not an email address, e.g. you@example.com")
    return email


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserInputError(
            "password", f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters"
        )


def _user(row: user_store.StoredUser) -> User:
    return User(
        user_id=row.user_id,
        email=row.email,
        is_admin=row.is_admin,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        fingerprint=session_fingerprint(row.password_hash, row.session_epoch),
    )
