"""SecretBox and mask_secret: tokens are unreadable at rest and never shown back in full."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub.redaction import mask_secret
from orderhub.secrets import SecretBox, SecretDecryptError

BULLETS = "\u2022" * 8


@given(st.text())
def test_encrypt_then_decrypt_gives_the_plaintext_back(plaintext: str) -> None:
    box = SecretBox("k" * 32)
    assert box.decrypt(box.encrypt(plaintext)) == plaintext


def test_ciphertext_hides_the_token_and_differs_each_time() -> None:
    box = SecretBox("some-key")
    first, second = box.encrypt("tok_live_abcdef123456"), box.encrypt("tok_live_abcdef123456")
    assert first != second
    assert "abcdef" not in first


def test_any_box_with_the_same_key_decrypts() -> None:
    token = SecretBox("same key").encrypt("secret")
    assert SecretBox("same key").decrypt(token) == "secret"


def test_a_wrong_key_raises_a_clear_error() -> None:
    token = SecretBox("right key").encrypt("secret")
    with pytest.raises(
        SecretDecryptError, match="cannot be decrypted with this ORDERHUB_SECRET_KEY"
    ):
        SecretBox("wrong key").decrypt(token)


@pytest.mark.parametrize("damaged", ["", "not-a-token", "gAAAAAB" + "x" * 80])
def test_a_damaged_value_raises_the_same_error(damaged: str) -> None:
    with pytest.raises(SecretDecryptError):
        SecretBox("key").decrypt(damaged)


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="ORDERHUB_SECRET_KEY"):
        SecretBox("")


def test_the_box_does_not_show_its_key() -> None:
    assert "hunter2" not in repr(SecretBox("hunter2"))


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("tok_live_abcdef123456", BULLETS + "3456"),
        ("abcdefghijkl", BULLETS + "ijkl"),
        ("abcdefghijk", BULLETS),
        ("abcd", BULLETS),
        ("", BULLETS),
    ],
)
def test_mask_secret_shows_the_last_four_of_long_values_only(value: str, masked: str) -> None:
    assert mask_secret(value) == masked
