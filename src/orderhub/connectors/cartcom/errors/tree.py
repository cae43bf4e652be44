"""The Cart.com error tree (drawn in `orderhub.connectors.cartcom.errors`), and the one-line
text every error shows: the hub's `detail`, the store's words (`said`) quoted last.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import httpx

from orderhub.connectors.base import ConnectorError
from orderhub.redaction import redact_url

__all__ = [
    "DETAIL_LIMIT",
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
    "one_line",
    "store_words",
]

DETAIL_LIMIT = 200


class InvalidApiUrl(ValueError):
    """The API URL the merchant typed cannot be used (not https, has credentials, odd path…)."""


class CartcomError(ConnectorError):
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
        self.detail = one_line(detail) if detail else None
        self.said = store_words(said) if said else None
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
        self.scope_hint = one_line(scope_hint) if scope_hint else None


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


_WHITESPACE = re.compile(r"\s+")


def one_line(text: str, limit: int = DETAIL_LIMIT) -> str:
    """`text` as one printable line of at most `limit` characters (cut with `…`)."""
    # Non-printables (control characters, the ESC of terminal sequences, bidi overrides, line
    # and paragraph separators) become spaces, then each run of whitespace one space.
    flat = _WHITESPACE.sub(" ", "".join(ch if ch.isprintable() else " " for ch in text)).strip()
    if len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat


def store_words(text: str) -> str:
    """The store's own words, made safe to quote: one bounded line, no `"` of theirs."""
    # One bounded line, in which a `"` of the store's own cannot close our quotation marks
    # early and make what follows it read as the hub's words.
    return one_line(text.replace('"', "'"))
