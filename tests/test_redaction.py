"""Secrets never reach a log line: token-like query values, auth headers and known secrets are
masked (`orderhub.redaction`, the one helper for it)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from orderhub.redaction import is_secret_name, redact, redact_headers, redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://s.com/api/v1/orders?count=1", "https://s.com/api/v1/orders?count=1"),
        ("https://s.com/x?token=abc&count=1", "https://s.com/x?token=***&count=1"),
        ("https://s.com/x?access_token=abc", "https://s.com/x?access_token=***"),
        ("https://s.com/x?refresh_token=abc", "https://s.com/x?refresh_token=***"),
        ("https://s.com/x?auth=abc", "https://s.com/x?auth=***"),
        ("https://s.com/x?key=abc", "https://s.com/x?key=***"),
        ("https://s.com/x?api_key=abc", "https://s.com/x?api_key=***"),
        ("https://s.com/x?signature=abc", "https://s.com/x?signature=***"),
        ("https://s.com/x?client_secret=abc", "https://s.com/x?client_secret=***"),
        ("https://s.com/x?code=abc&auth_id=9", "https://s.com/x?code=***&auth_id=***"),
        ("https://s.com/x?Access%5FToken=abc", "https://s.com/x?Access%5FToken=***"),
        ("https://user:pw@s.com/x", "https://***@s.com/x"),
        (
            "https://s.com/x?updated_at=gte%3A2026-01-01T00%3A00%3A00.000Z&sort=updated_at%2Cid",
            "https://s.com/x?updated_at=gte%3A2026-01-01T00%3A00%3A00.000Z&sort=updated_at%2Cid",
        ),
        ("https://s.com/x?flag&token=", "https://s.com/x?flag&token="),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_url_accepts_httpx_url() -> None:
    url = httpx.URL("https://s.com/x", params={"token": "abcdef", "count": "5"})
    assert redact_url(url) == "https://s.com/x?token=***&count=5"


def test_redact_headers_keeps_only_last_four_of_long_tokens() -> None:
    headers = {
        "X-AC-Auth-Token": "0123456789abcdefWXYZ",
        "Accept": "application/json",
        "Authorization": "Bearer 0123456789abcdef",
    }
    redacted = redact_headers(headers)
    assert redacted["X-AC-Auth-Token"] == "\u2022" * 8 + "WXYZ"
    assert redacted["Authorization"] == "\u2022" * 8 + "cdef"
    assert redacted["Accept"] == "application/json"


def test_redact_headers_short_token_fully_masked_and_case_insensitive() -> None:
    redacted = redact_headers(httpx.Headers({"x-ac-auth-token": "short"}))
    assert redacted == {"x-ac-auth-token": "\u2022" * 8}


def test_redact_text_masks_urls_inside_messages() -> None:
    text = "failed to GET https://s.com/x?token=abc123 (timeout)"
    assert redact_text(text) == "failed to GET https://s.com/x?token=*** (timeout)"


def test_redact_removes_known_secrets_also_url_encoded() -> None:
    token = "tok/en+with=chars"
    text = f"refused tok/en+with=chars at https://s.com/x?t={quote(token, safe='')}"
    assert redact(text, [token, ""]) == "refused *** at https://s.com/x?t=***"


def test_a_database_url_keeps_no_password() -> None:
    assert redact_url("postgresql+psycopg://hub:s3cret@db:5432/hub") == (
        "postgresql+psycopg://***@db:5432/hub"
    )


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("webhookSecret", True),
        ("apiKey", True),
        ("signingKey", True),
        ("credentials", True),
        ("productsPushCatalogs", False),
        ("productsDefaultStatusId", False),
        ("updated_at", False),
    ],
)
def test_settings_keys_that_name_a_secret(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret
