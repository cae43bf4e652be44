"""The public URL: one normal form, and a clear line for anything Cart.com should not get."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderhub.errors import UsageError
from orderhub.public_url import MAX_PUBLIC_URL_LENGTH, normalize_public_url
from orderhub.settings import Settings


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("https://hub.example.com", "https://hub.example.com"),
        ("https://Hub.Example.com/", "https://hub.example.com"),
        (" http://127.0.0.1:8017 ", "http://127.0.0.1:8017"),
        ("https://example.com/orderhub/", "https://example.com/orderhub"),
        ("HTTPS://[::1]:9000", "https://[::1]:9000"),
    ],
)
def test_accepted_urls_have_one_normal_form(given: str, normal: str) -> None:
    assert normalize_public_url(given) == normal


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("", "empty"),
        ("ftp://hub.example.com", "https://"),
        ("hub.example.com", "https://"),
        ("https://user:pw@hub.example.com", "user name or password"),
        ("https://hub.example.com/?a=1", "'?' or '#'"),
        ("https://hub.example.com/#top", "'?' or '#'"),
        ("https://hub.example.com/a b", "spaces"),
        ("https://hub.example.com/\x00", "control"),
        ("https://", "host"),
        ("https://hub.example.com/" + "a" * MAX_PUBLIC_URL_LENGTH, "longer than"),
    ],
)
def test_refused_urls_say_why(given: str, words: str) -> None:
    with pytest.raises(UsageError, match="public URL") as refused:
        normalize_public_url(given)
    assert words in str(refused.value)


def test_settings_read_and_normalize_the_public_url(tmp_path: Path) -> None:
    env = {"ORDERHUB_HOME": str(tmp_path), "ORDERHUB_PUBLIC_URL": "https://Hub.example.com/"}
    assert Settings.from_env(env).public_url == "https://hub.example.com"
    assert Settings.from_env({"ORDERHUB_HOME": str(tmp_path)}).public_url is None
    with pytest.raises(UsageError):
        Settings.from_env({**env, "ORDERHUB_PUBLIC_URL": "https://u:p@hub.example.com"})
