"""What a Cart.com answer or a transport failure means, as an error of the tree.

`classify_response` / `decode_response` read a response once (status, content type, body
sniffed and JSON parsed once) and name the error it stands for, quoting at most the store's
`message`/`details`; a 429 carries its `Retry-After` (measured from the response's `Date`).
`translate_transport_error` maps an httpx failure, telling a request that surely never left
(`request_sent=False`, safe to retry even for a write) from one that may have been applied.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from orderhub.connectors.cartcom.errors.tree import (
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
    ValidationFailed,
    one_line,
)
from orderhub.connectors.cartcom.permissions import needed_for
from orderhub.connectors.cartcom.rate_headers import parse_retry_after
from orderhub.json_text import parse_json
from orderhub.redaction import redact_text, redact_url

__all__ = ["classify_response", "decode_response", "translate_transport_error"]

_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,40}/[a-z0-9][a-z0-9!#$&^_.+-]{0,60}")


def classify_response(
    response: httpx.Response, *, now: datetime | None = None
) -> CartcomError | None:
    """The error a response stands for, or `None` when it is a usable 2xx.

    `now` is used only for an HTTP-date `Retry-After` when the response has no `Date` header.
    """
    return _assess(response, now)[0]


def decode_response(response: httpx.Response, *, now: datetime | None = None) -> Any:
    """The JSON payload of a usable 2xx (`None` for an empty body); raise its error otherwise."""
    error, payload = _assess(response, now)
    if error is not None:
        raise error
    return payload


def _assess(response: httpx.Response, now: datetime | None) -> tuple[CartcomError | None, Any]:
    status = response.status_code
    method, url = _request_of(response)
    context: dict[str, Any] = {"status": status, "method": method, "url": url}
    content_type = response.headers.get("content-type", "").lower()
    kind, payload = _sniff(response.content, content_type)

    if 200 <= status < 300:
        if kind in ("json", "empty"):
            return None, payload
        if kind == "truncated":
            return NetworkError("The answer from Cart.com was cut off", **context), None
        return NotCartcom(detail=_not_json_detail(kind, content_type), **context), None
    if 300 <= status < 400:
        target = response.headers.get("location")
        moved = f"redirected to {redact_url(target)}" if target else "redirected without a target"
        return NotCartcom(detail=moved, **context), None

    said = _server_detail(payload) if kind == "json" else None
    if status == 429:
        retry_after = parse_retry_after(
            response.headers.get("retry-after"), now=_server_date(response) or now
        )
        return RateLimited(retry_after=retry_after, said=said, **context), None
    if status >= 500:
        return ServerError(said=said, **context), None
    if status == 408:
        return NetworkError("Cart.com did not answer in time", said=said, **context), None
    if status == 401:
        needed = _needed(url)
        # A store may answer 401 for a missing permission too: name the one the call needs.
        detail = (
            f"possibly only because it lacks {needed}, which this call needs" if needed else None
        )
        return AuthenticationFailed(said=said, detail=detail, **context), None
    if status == 403:
        hint = _server_field(payload, "details") or _server_field(payload, "message")
        needed = _needed(url)
        detail = needed
        return PermissionDenied(scope_hint=hint, said=said, detail=detail, **context), None
    if kind == "html":
        # A web page instead of a JSON error: the URL points at a site, not at the API.
        return NotCartcom(detail="answered with a web page", **context), None
    if status == 404:
        return NotFound(said=said, **context), None
    if status in (409, 422):
        return ValidationFailed(said=said, **context), None
    if 400 <= status < 500:
        return BadRequest(said=said, **context), None
    return NotCartcom(detail=f"unexpected HTTP status {status}", **context), None


def _needed(url: httpx.URL | None) -> str | None:
    """`the permission "Catalog: View and change catalog data"` for a call's URL, or None."""
    labels = needed_for(url.path) if url is not None else []
    if not labels:
        return None
    quoted = " and ".join(f'"{label}"' for label in labels)
    return f"the permission{'s' if len(labels) > 1 else ''} {quoted}"


def _request_of(response: httpx.Response) -> tuple[str | None, httpx.URL | None]:
    try:
        request = response.request
    except RuntimeError:
        return None, None
    return request.method, request.url


def _sniff(body: bytes, content_type: str) -> tuple[str, Any]:
    """Classify a body as json / empty / truncated / html / text, parsing JSON once."""
    stripped = body.strip()
    if not stripped:
        return "empty", None
    try:
        return "json", parse_json(stripped)
    except (ValueError, UnicodeDecodeError):
        pass
    if "html" in content_type or stripped[:1] == b"<":
        return "html", None
    if stripped[:1] in (b"{", b"["):
        return "truncated", None
    return "text", None


def _not_json_detail(kind: str, content_type: str) -> str:
    if kind == "html":
        return "answered with a web page instead of JSON"
    shown = content_type.split(";", 1)[0].strip() or "no content type"
    if not _MEDIA_TYPE.fullmatch(shown):
        shown = "an unrecognised content type"  # the header is the server's text, not a type
    return f"answered with non-JSON content ({shown})"


def _server_field(payload: Any, key: str) -> str | None:
    if isinstance(payload, dict):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _server_detail(payload: Any) -> str | None:
    """Cart.com's `message` and `details`, joined; other JSON shapes yield nothing."""
    message = _server_field(payload, "message")
    details = _server_field(payload, "details")
    if message and details and details.strip() != message.strip():
        return f"{message.strip()} - {details.strip()}"
    return message or details


def _server_date(response: httpx.Response) -> datetime | None:
    value = response.headers.get("date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


# --- transport failures ---------------------------------------------------------------------


def translate_transport_error(
    exc: httpx.HTTPError, *, method: str | None = None, url: str | httpx.URL | None = None
) -> CartcomError:
    """Map an httpx exception to our tree; callers `raise translate_transport_error(e) from e`."""
    context: dict[str, Any] = {"method": method, "url": url, "detail": _exception_detail(exc)}
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        message = "Could not connect to the Cart.com store"
        if _is_tls_failure(exc):
            message = "The store's TLS certificate could not be verified"
        return NetworkError(message, request_sent=False, **context)
    if isinstance(exc, httpx.TimeoutException):
        return NetworkError("Cart.com did not answer in time", **context)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return FatalError("The request could not be sent", **context)
    if isinstance(exc, httpx.TransportError | httpx.DecodingError):
        return NetworkError("The connection to Cart.com broke off", **context)
    if isinstance(exc, httpx.TooManyRedirects):
        return NotCartcom(**context)
    return NetworkError(**context)


def _exception_detail(exc: BaseException) -> str | None:
    text = str(exc)
    return one_line(redact_text(text)) if text else None


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    depth = 0
    while seen is not None and depth < 6:
        text = str(seen)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return True
        seen = seen.__cause__ or seen.__context__
        depth += 1
    return False
