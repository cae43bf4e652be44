"""Portal users: argon2id hashes, the first admin only once, checks that name the bad field."""

from __future__ import annotations

import pytest

from orderhub.clock import FakeClock
from orderhub.errors import UsageError
from orderhub.hub import Hub
from orderhub.services.users import (
    UserInputError,
    authenticate,
    create_admin,
    create_first_admin,
    ensure_demo_admin,
    hash_password,
    record_sign_in,
    verify_password,
)

PASSWORD = "a long enough password"


def test_passwords_are_stored_as_salted_argon2id_hashes() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$")
    assert first != second
    assert PASSWORD not in first
    assert verify_password(first, PASSWORD)
    assert not verify_password(first, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)


def test_authenticate_checks_email_case_insensitively_and_the_password(hub: Hub) -> None:
    user = create_admin(hub, email=" Owner@Example.com ", password=PASSWORD)
    assert user.email == "owner@example.com"
    assert authenticate(hub, "OWNER@example.com", PASSWORD) == user
    assert authenticate(hub, "owner@example.com", "wrong password") is None
    assert authenticate(hub, "nobody@example.com", PASSWORD) is None


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("", PASSWORD, "email"),
        ("not-an-email", PASSWORD, "email"),
        ("owner@example.com", "short", "password"),
    ],
)
def test_bad_input_names_its_field(hub: Hub, email: str, password: str, field: str) -> None:
    with pytest.raises(UserInputError) as raised:
        create_admin(hub, email=email, password=password)
    assert raised.value.field == field


def test_the_first_admin_is_created_once_and_emails_are_unique(hub: Hub) -> None:
    create_first_admin(hub, email="owner@example.com", password=PASSWORD)
    with pytest.raises(UsageError, match="exists already"):
        create_first_admin(hub, email="second@example.com", password=PASSWORD)
    with pytest.raises(UserInputError, match="exists already"):
        create_admin(hub, email="owner@example.com", password=PASSWORD)


def test_the_demo_admin_is_made_once_and_sign_ins_are_stamped(hub: Hub) -> None:
    clock = FakeClock()
    hub.clock = clock
    demo = ensure_demo_admin(hub)
    assert ensure_demo_admin(hub) == demo
    assert demo.last_login_at is None
    assert record_sign_in(hub, demo.user_id).last_login_at == clock.now()
