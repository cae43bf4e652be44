"""What can go wrong talking to Cart.com, ordered by what the caller should do about it.

```
CartcomError
├── TransientError          retry later: the run fails if retries run out, the next run retries
│   ├── RateLimited         429 (carries `retry_after` seconds, if the server gave them)
│   ├── ServerError         5xx
│   └── NetworkError        connect error, timeout, reset, cut-off JSON body on a 2xx
└── FatalError              do not retry: explain to the merchant
    ├── AuthenticationFailed    401: token missing, invalid or revoked
    ├── PermissionDenied        403: the token lacks a scope (`scope_hint`: the server's words)
    ├── NotFound                404: unknown resource or id, page past the end
    ├── BadRequest              400 (and other unexpected 4xx)
    ├── ValidationFailed        409 (and 422): the data was refused
    ├── NotCartcom              the host answered, but not like a Cart.com API
    ├── RedirectRefused         a redirect to another host: the token is never sent there
    └── PaginationLoopError     a list walk would repeat a request: stop rather than spin
```

Every error knows the HTTP `status` (if any), the `method` and the `url` (redacted), and reads as
one line a merchant can act on. At most the server's `message`/`details` is quoted, in `said`: a
store, or anything answering in its place, can write whatever it likes there (long text, markup,
terminal escapes, a fake instruction), so it is cut to 200 characters, stripped of control
characters and line breaks, and always shown last as `Cart.com said: "…"`, never as the hub's
own words. A body is never dumped. `InvalidApiUrl` (a `ValueError`) is raised before any call.

When one record's call fails, `failure_scope` tells the engine whose failure it is
(`orderhub.engine.record_failures`): `"store"` (401, 403, the call budget exhausted, not a
Cart.com API, a refused redirect, a paging loop) fails the run; `"record"` (404, 400, 409/422)
is that record's exception; the transient rest (5xx, network) is the record's exception too,
until several different records fail in a row.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx

from orderhub.connectors.cartcom.permissions import needed_for
from orderhub.connectors.cartcom.rate_headers import parse_retry_after
from orderhub.connectors.cartcom.redaction import redact_text, redact_url
from orderhub.json_text import parse_json

__all__ = [
    "AuthenticationFailed",
    "BadRequest",
    "CartcomError",
    "FatalError",
    "InvalidApiUrl",
    "NetworkError",
    "NotCartcom",
    "NotFound",
    "PaginationLoopError",
    "PermissionDenied",
    "RateLimited",
    "RedirectRefused",
    "ServerError",
    "TransientError",
    "ValidationFailed",
    "classify_response",
    "decode_response",
    "translate_transport_error",
]

DETAIL_LIMIT = 200


class InvalidApiUrl(ValueError):
    """The API URL the merchant typed cannot be used (not https, has credentials, odd path…)."""


class CartcomError(Exception):
    """Base of every Cart.com failure; `str()` is one line for a merchant."""

    summary: ClassVar[str] = "The Cart.com request failed"
    failure_scope: ClassVar[str] = "transient"
    """Whose failure it is when it happens on one record (`orderhub.engine.record_failures`):
    the whole store's (fail the run), the record's data (an exception, no outage), or unknown."""

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        method: str | None = None,
        url: str | httpx.URL | None = None,
        detail: str | None = None,
        said: str | None = None,
    ) -> None:
        self.message = message or self.summary
        self.status = status
        self.method = method
        self.url = redact_url(url) if url is not None else None
        # `detail` is the hub's own explanation; `said` the store's words, which we only quote.
        self.detail = _one_line(detail) if detail else None
        self.said = _store_words(said) if said else None
        self.attempts = 1  # set by the retry policy when it gives up
        super().__init__(self.message)

    @property
    def quoted(self) -> str | None:
        """`Cart.com said: "…"` for a message that shows the store's words; None without any."""
        return f'Cart.com said: "{self.said}"' if self.said else None

    def __str__(self) -> str:
        text = self.message
        if self.detail:
            text += f": {self.detail}"
        context: list[str] = []
        if self.status is not None:
            context.append(f"HTTP {self.status}")
        if self.method and self.url:
            context.append(f"{self.method} {self.url}")
        if self.attempts > 1:
            context.append(f"gave up after {self.attempts} attempts")
        if context:
            text += f" ({'; '.join(context)})"
        if self.said:
            # Last, after all the hub says itself: nothing of ours follows the quote.
            text += f". {self.quoted}"
        return text


class TransientError(CartcomError):
    """Worth retrying later; retry policies only ever retry these."""

    summary = "Cart.com is temporarily unavailable"


class RateLimited(TransientError):
    summary = "Cart.com's call limit for this store was reached"
    failure_scope = "store"  # raised once retries ran out: the budget, not a record

    def __init__(
        self, message: str | None = None, *, retry_after: float | None = None, **context: Any
    ) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class ServerError(TransientError):
    summary = "Cart.com had a server error"


class NetworkError(TransientError):
    """No usable answer; `request_sent` is False when the request surely never left."""

    summary = "Could not get an answer from the Cart.com store"

    def __init__(
        self, message: str | None = None, *, request_sent: bool = True, **context: Any
    ) -> None:
        super().__init__(message, **context)
        self.request_sent = request_sent


class FatalError(CartcomError):
    """Retrying will not help; the merchant (or a developer) has to act."""

    summary = "Cart.com refused the request"


class AuthenticationFailed(FatalError):
    summary = "Cart.com rejected the API token (missing, invalid or revoked)"
    failure_scope = "store"


class PermissionDenied(FatalError):
    summary = "The API token lacks a permission this needs"
    failure_scope = "store"

    def __init__(
        self, message: str | None = None, *, scope_hint: str | None = None, **context: Any
    ) -> None:
        super().__init__(message, **context)
        self.scope_hint = _one_line(scope_hint) if scope_hint else None


class NotFound(FatalError):
    summary = "Cart.com has no such record or page"
    failure_scope = "record"


class BadRequest(FatalError):
    summary = "Cart.com rejected the request"
    failure_scope = "record"


class ValidationFailed(FatalError):
    summary = "Cart.com refused the data"
    failure_scope = "record"


class NotCartcom(FatalError):
    summary = "The address did not answer like a Cart.com store API"
    failure_scope = "store"


class RedirectRefused(FatalError):
    summary = "The store redirected to another address; the API token is not sent there"
    failure_scope = "store"

    def __init__(
        self, message: str | None = None, *, location: str | None = None, **context: Any
    ) -> None:
        self.location = redact_url(location) if location is not None else None
        if self.location is not None and "detail" not in context:
            context["detail"] = (
                f"it pointed to {self.location}; if that is the store's address, "
                "use it as the API URL"
            )
        super().__init__(message, **context)


class PaginationLoopError(FatalError):
    summary = "Cart.com paging would repeat the same request"
    failure_scope = "store"


# --- responses ------------------------------------------------------------------------------


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


_WHITESPACE = re.compile(r"\s+")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,40}/[a-z0-9][a-z0-9!#$&^_.+-]{0,60}")


def _one_line(text: str, limit: int = DETAIL_LIMIT) -> str:
    # Non-printables (control characters, the ESC of terminal sequences, bidi overrides, line
    # and paragraph separators) become spaces, then each run of whitespace one space.
    flat = _WHITESPACE.sub(" ", "".join(ch if ch.isprintable() else " " for ch in text)).strip()
    if len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat


def _store_words(text: str) -> str:
    # One bounded line, in which a `"` of the store's own cannot close our quotation marks
    # early and make what follows it read as the hub's words.
    return _one_line(text.replace('"', "'"))


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
    return _one_line(redact_text(text)) if text else None


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
