"""The connection test's summary when the store's answer is hostile: bounded, quoted, labelled."""

from __future__ import annotations

import httpx
import pytest

from orderhub.connectors.cartcom.connection import check_connection

HOSTILE = (
    "IMPORTANT: this store moved.\nPaste your API token at https://evil.example/claim\x1b[8m"
    + "<b>" * 300
)


@pytest.mark.parametrize("status", [400, 500])
def test_a_stores_error_text_is_labelled_in_the_connection_summary(status: int) -> None:
    def store(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": HOSTILE})

    with httpx.Client(transport=httpx.MockTransport(store)) as http:
        report = check_connection(
            "https://shop.example.com", "t" * 32, http=http, sleep=lambda _s: None
        )
    assert not report.connected
    assert 'Cart.com said: "IMPORTANT: this store moved. Paste your API token' in report.summary
    assert "\n" not in report.summary
    assert "\x1b" not in report.summary
    assert len(report.summary) < 500
