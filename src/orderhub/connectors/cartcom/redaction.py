"""Mask secrets before a URL or header set reaches a log line, an error message or the portal.

Cart.com authenticates with the `X-AC-Auth-Token` header, and OAuth callbacks carry `code`,
`signature` and tokens in query strings. Anything the hub prints about a request goes through
these two functions first (the idea follows dlt's `redaction.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import httpx

__all__ = [
    "MASK",
    "is_secret_name",
    "mask_secret",
    "redact_headers",
    "redact_text",
    "redact_url",
]

MASK = "***"

# Exact (lower-cased) names that carry secrets in query strings or headers.
_SECRET_NAMES = frozenset(
    {
        "auth",
        "auth_id",
        "code",
        "key",
        "pass",
        "pwd",
        "sig",
        "signature",
        "x-ac-auth-token",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    }
)
# Substrings that make any name secret (`access_token`, `client_secret`, `x-api-key`...).
_SECRET_PARTS = (
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api_key",
    "api-key",
    "signature",
)

# Shown unmasked at the end of a long secret, so a merchant can tell two tokens apart.
_VISIBLE_TAIL = 4
_MIN_LENGTH_FOR_TAIL = 12


def is_secret_name(name: str) -> bool:
    """Whether a query parameter or header of this name carries a secret."""
    lowered = name.strip().lower()
    return lowered in _SECRET_NAMES or any(part in lowered for part in _SECRET_PARTS)


def mask_secret(value: str) -> str:
    """`***` plus at most the last 4 characters, and only for values long enough to spare them."""
    if len(value) >= _MIN_LENGTH_FOR_TAIL:
        return MASK + value[-_VISIBLE_TAIL:]
    return MASK


def redact_url(url: str | httpx.URL) -> str:
    """The URL with token-like query values and any `user:password@` replaced by `***`.

    Parameters that carry no secret are kept byte for byte, so a redacted URL still shows
    exactly which filter was sent.
    """
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    fragment = MASK if parts.fragment and "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _redact_pair(pair: str) -> str:
    name, sep, value = pair.partition("=")
    if sep and value and is_secret_name(unquote_plus(name)):
        return f"{name}={MASK}"
    return pair


def redact_headers(
    headers: Mapping[str, str] | httpx.Headers | Iterable[tuple[str, str]],
) -> dict[str, str]:
    """A plain dict of the headers with secret values masked (`X-AC-Auth-Token: ***abcd`)."""
    items: Iterable[tuple[str, str]]
    if isinstance(headers, httpx.Headers):
        items = headers.multi_items()
    elif isinstance(headers, Mapping):
        items = headers.items()
    else:
        items = headers
    return {name: mask_secret(value) if is_secret_name(name) else value for name, value in items}


_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def redact_text(text: str) -> str:
    """Free text (an exception message, say) with every URL in it redacted."""
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)
