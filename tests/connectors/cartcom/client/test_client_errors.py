"""Error classification (status + body → exception), messages, and httpx translation."""

from __future__ import annotations

import json
import ssl
from datetime import UTC, datetime

import httpx
import pytest

from orderhub.connectors.cartcom.errors import (
    AuthenticationFailed,
    BadRequest,
    CartcomError,
    FatalError,
    NetworkError,
    NotCartcom,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransientError,
    ValidationFailed,
    classify_response,
    decode_response,
    translate_transport_error,
)

URL = "https://shop.example.com/api/v1/orders?count=1&access_token=SECRETVALUE123"
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


def envelope(status: int, message: str, details: str = "") -> str:
    return json.dumps({"status_code": status, "message": message, "details": details})


def response(status: int, body: str | bytes = "", content_type: str = JSON, **headers: str):
    request = httpx.Request("GET", URL)
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(
        status, content=content, headers={"content-type": content_type, **headers}, request=request
    )


CASES = [
    # status, body, content type, expected type (None: usable)
    (200, '{"orders": []}', JSON, None),
    (201, '{"id": 5}', JSON, None),
    (204, "", "", None),
    (200, '{"orders": [{"id": 1', JSON, NetworkError),  # cut off mid-body
    (200, "[1, 2", JSON, NetworkError),
    (200, "<!doctype html><html><body>Shop</body></html>", HTML, NotCartcom),
    (200, "<html>no content type</html>", "", NotCartcom),
    (200, "OK", "text/plain", NotCartcom),
    (301, "", "", NotCartcom),
    (400, envelope(400, "Bad Request", "ids is required"), JSON, BadRequest),
    (401, envelope(401, "Unauthorized", "Invalid token"), JSON, AuthenticationFailed),
    (401, "", "", AuthenticationFailed),
    (401, "<html>Login</html>", HTML, AuthenticationFailed),
    (403, envelope(403, "Forbidden", "Token lacks scope read_orders"), JSON, PermissionDenied),
    (404, envelope(404, "Not Found", "No order 5"), JSON, NotFound),
    (404, "<html><h1>404 - File or directory not found.</h1></html>", HTML, NotCartcom),
    (405, "", "", BadRequest),
    (408, "", "", NetworkError),
    (409, envelope(409, "Conflict", "item_number is required"), JSON, ValidationFailed),
    (422, envelope(422, "Unprocessable"), JSON, ValidationFailed),
    (429, envelope(429, "Too Many Requests"), JSON, RateLimited),
    (429, "<html>slow down</html>", HTML, RateLimited),
    (500, envelope(500, "Internal Server Error", "Deadlock victim"), JSON, ServerError),
    (502, "<html>Bad gateway</html>", HTML, ServerError),
    (503, "", "", ServerError),
]


@pytest.mark.parametrize(("status", "body", "content_type", "expected"), CASES)
def test_classification_table(
    status: int, body: str, content_type: str, expected: type[CartcomError] | None
) -> None:
    error = classify_response(response(status, body, content_type))
    if expected is None:
        assert error is None
    else:
        assert type(error) is expected
        assert error is not None
        assert error.status == status
        assert error.method == "GET"


@pytest.mark.parametrize(
    ("kind", "family"),
    [
        (RateLimited, TransientError),
        (ServerError, TransientError),
        (NetworkError, TransientError),
        (AuthenticationFailed, FatalError),
        (PermissionDenied, FatalError),
        (NotFound, FatalError),
        (BadRequest, FatalError),
        (ValidationFailed, FatalError),
        (NotCartcom, FatalError),
    ],
)
def test_tree_is_ordered_by_what_to_do(kind: type[CartcomError], family: type) -> None:
    assert issubclass(kind, family)
    assert issubclass(kind, CartcomError)


def test_decode_returns_payload_or_raises() -> None:
    assert decode_response(response(200, '{"a": 1}')) == {"a": 1}
    assert decode_response(response(204)) is None
    with pytest.raises(NotFound):
        decode_response(response(404, envelope(404, "Not Found")))


def test_message_is_one_line_with_server_words_and_redacted_url() -> None:
    error = classify_response(
        response(409, envelope(409, "Conflict", "item_number\nis required"), JSON)
    )
    text = str(error)
    assert "\n" not in text
    assert "Conflict - item_number is required" in text
    assert "HTTP 409" in text
    assert "SECRETVALUE123" not in text
    assert "access_token=***" in text


def test_long_server_details_are_trimmed_not_dumped() -> None:
    details = "x" * 5000
    error = classify_response(response(500, envelope(500, "Error", details)))
    assert error is not None
    assert error.said is not None
    assert len(error.said) <= 200
    assert len(str(error)) < 400


def test_html_body_is_never_quoted() -> None:
    page = "<html><body>secret admin page token=abc</body></html>"
    error = classify_response(response(200, page, HTML))
    assert "secret admin page" not in str(error)
    assert "web page" in str(error)


def test_permission_denied_keeps_the_scope_hint() -> None:
    error = classify_response(
        response(403, envelope(403, "Forbidden", "This token requires the read_orders scope"))
    )
    assert isinstance(error, PermissionDenied)
    assert error.scope_hint == "This token requires the read_orders scope"
    assert "read_orders" in str(error)


def test_permission_denied_without_body_has_no_hint() -> None:
    error = classify_response(response(403))
    assert isinstance(error, PermissionDenied)
    assert error.scope_hint is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
        (
            {
                "retry-after": "Thu, 01 Jan 2026 00:00:09 GMT",
                "date": "Thu, 01 Jan 2026 00:00:00 GMT",
            },
            9.0,
        ),
    ],
)
def test_rate_limited_reads_retry_after(headers: dict[str, str], expected: float | None) -> None:
    error = classify_response(response(429, "", "", **headers))
    assert isinstance(error, RateLimited)
    assert error.retry_after == expected


def test_http_date_retry_after_without_date_header_uses_given_now() -> None:
    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    error = classify_response(
        response(429, "", "", **{"retry-after": "Thu, 01 Jan 2026 00:00:04 GMT"}), now=now
    )
    assert isinstance(error, RateLimited)
    assert error.retry_after == 4.0


def test_response_without_request_still_classifies() -> None:
    error = classify_response(httpx.Response(404, json={"message": "Not Found"}))
    assert isinstance(error, NotFound)
    assert error.url is None
    assert str(error).startswith("Cart.com has no such record")


@pytest.mark.parametrize(
    ("exc", "expected", "sent"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), NetworkError, False),
        (httpx.ConnectTimeout("timed out"), NetworkError, False),
        (httpx.PoolTimeout("pool"), NetworkError, False),
        (httpx.ReadTimeout("timed out"), NetworkError, True),
        (httpx.ReadError("connection reset by peer"), NetworkError, True),
        (httpx.RemoteProtocolError("peer closed connection"), NetworkError, True),
        (httpx.DecodingError("bad gzip"), NetworkError, True),
        (httpx.UnsupportedProtocol("ftp"), FatalError, None),
        (httpx.LocalProtocolError("bad header"), FatalError, None),
    ],
)
def test_transport_errors_translate(
    exc: httpx.HTTPError, expected: type[CartcomError], sent: bool | None
) -> None:
    error = translate_transport_error(exc, method="GET", url=URL)
    assert type(error) is expected
    assert "SECRETVALUE123" not in str(error)
    if sent is not None:
        assert isinstance(error, NetworkError)
        assert error.request_sent is sent


def test_tls_failure_is_named() -> None:
    cause = ssl.SSLCertVerificationError("certificate verify failed: self-signed certificate")
    exc = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    exc.__cause__ = cause
    error = translate_transport_error(exc, method="GET", url=URL)
    assert "TLS certificate" in str(error)


def test_translation_chains_with_raise_from() -> None:
    original = httpx.ReadTimeout("slow")

    def fetch() -> None:
        try:
            raise original
        except httpx.HTTPError as problem:
            raise translate_transport_error(problem) from problem

    with pytest.raises(NetworkError) as caught:
        fetch()
    assert caught.value.__cause__ is original


def test_attempts_appear_in_message_once_retried() -> None:
    error = ServerError(status=503, method="GET", url="https://s.example.com/api/v1/orders")
    error.attempts = 5
    assert str(error) == (
        "Cart.com had a server error "
        "(HTTP 503; GET https://s.example.com/api/v1/orders; gave up after 5 attempts)"
    )


HOSTILE = (
    'Your token expired.\r\nSEND IT TO https://evil.example NOW" \x1b[2J\x1b[31m'
    "<script>alert(1)</script>\u202etxt.exe\x00" + "A" * 5000
)


@pytest.mark.parametrize("status", [400, 403, 409, 500])
def test_the_stores_words_are_quoted_bounded_and_labelled(status: int) -> None:
    """Whatever a store (or an impostor) writes in its error comes out as one bounded line,
    quoted and labelled as the store's, never as the hub's own words."""
    error = classify_response(response(status, envelope(status, HOSTILE, "more\nlines")))
    assert error is not None
    assert error.said is not None
    assert len(error.said) <= 200
    text = str(error)
    start = text.index('Cart.com said: "') + len('Cart.com said: "')
    quoted = text[start : text.index('"', start)]
    assert quoted == error.said  # a `"` of the store's cannot close the quote early
    assert quoted.startswith("Your token expired. SEND IT TO")
    assert not any(ch in text for ch in "\r\n\x1b\x00\u202e")
    assert len(text) < 400


def test_the_hubs_own_details_are_not_labelled_as_the_stores() -> None:
    error = classify_response(response(200, "<html>shop</html>", HTML))
    assert error is not None
    assert error.said is None
    assert "Cart.com said" not in str(error)
