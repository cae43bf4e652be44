"""How a failed run's error reads: one line, bounded, no secret, class name for foreign errors."""

from __future__ import annotations

import pytest

from orderhub.engine import FlowError, describe_error
from orderhub.engine.errors import MAX_ERROR_LENGTH
from orderhub.errors import HubError

TOKEN = "tok_SECRET-abc/123+xyz"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (FlowError("Cart.com rejected the API token"), "Cart.com rejected the API token"),
        (HubError("No integration with id 'x'"), "No integration with id 'x'"),
        (KeyError("sku"), "KeyError: 'sku'"),
        (ValueError(), "ValueError"),
        (FlowError(""), "FlowError"),
        (RuntimeError("line one\nline two\n\tthree"), "RuntimeError: line one line two three"),
    ],
)
def test_describe_error_is_one_clear_line(exc: BaseException, expected: str) -> None:
    assert describe_error(exc) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"GET https://shop.example/api?token={TOKEN} failed",
        "header X-AC-Auth-Token: tok_SECRET-abc%2F123%2Bxyz was refused",
        f"{TOKEN}",
    ],
)
def test_describe_error_never_contains_the_token(text: str) -> None:
    line = describe_error(RuntimeError(text), secrets=[TOKEN])
    assert "SECRET" not in line
    assert "***" in line


def test_describe_error_is_bounded() -> None:
    line = describe_error(FlowError("x" * 5000))
    assert len(line) == MAX_ERROR_LENGTH
    assert line.endswith("…")
