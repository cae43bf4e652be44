"""Keep secrets out of what the hub shows and writes: one mask, one redaction, used everywhere.

- `mask_secret` — how a secret is *shown back* to a person (portal, API, CLI, a URL's
  secret segment): `••••••••abcd`, its last four characters only, and only when the value is
  long enough to spare them.
- `redact_url`, `redact_headers`, `redact_text` — what a request looks like in a log line or
  an error message: token-like query values and `user:password@` replaced by `***`, secret
  headers masked (the idea follows dlt's `redaction.py`).
- `redact` — a text with known secrets (an integration's API token, say) removed, also in
  their URL-encoded forms.
- `is_secret_name` — whether a query parameter, header or settings key names a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

if TYPE_CHECKING:  # httpx is not imported to mask a token: opening a hub stays light
    import httpx

__all__ = [
    "MASK",
    "is_secret_name",
    "mask_secret",
    "redact",
    "redact_headers",
    "redact_text",
    "redact_url",
]

MASK = "***"
"""What stands for a secret that was removed from a text, a URL or a header."""

_SHOWN_MASK = "\u2022" * 8
# Shown unmasked at the end of a long secret, so a merchant can tell two tokens apart; values
# shorter than this are masked entirely, so a mask never gives away a third of a secret.
_VISIBLE_TAIL = 4
_MIN_LENGTH_FOR_TAIL = 12

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
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    }
)
# Substrings that make any name secret (`access_token`, `client_secret`, `x-api-key`,
# `webhookSecret`, `credentials`...).
_SECRET_PARTS = (
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api_key",
    "api-key",
    "signature",
    "credential",
)


def is_secret_name(name: str) -> bool:
    """Whether a query parameter, header or settings key of this name carries a secret.

    Exact names (`key`, `code`, `auth`…), names containing a secret word (`access_token`,
    `webhookSecret`), and names ending in `key` (`signingKey`, `x-api-key`).
    """
    lowered = name.strip().lower()
    return (
        lowered in _SECRET_NAMES
        or any(part in lowered for part in _SECRET_PARTS)
        or lowered.endswith("key")
    )


def mask_secret(value: str) -> str:
    """Show a secret as `••••••••abcd`: its last four characters, for values of 12 or more."""
    if len(value) < _MIN_LENGTH_FOR_TAIL:
        return _SHOWN_MASK
    return _SHOWN_MASK + value[-_VISIBLE_TAIL:]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every one of `secrets` (also in its URL-encoded forms) in `text` with `***`."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            text = text.replace(form, MASK)
    return text


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
    """A plain dict of the headers with secret values masked (`X-Api-Token: ••••••••abcd`)."""
    items: Iterable[tuple[str, str]]
    multi_items = getattr(headers, "multi_items", None)  # httpx.Headers: repeated names too
    if callable(multi_items):
        items = multi_items()
    elif isinstance(headers, Mapping):
        items = headers.items()
    else:
        items = headers
    return {name: mask_secret(value) if is_secret_name(name) else value for name, value in items}


_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def redact_text(text: str) -> str:
    """Free text (an exception message, say) with every URL in it redacted."""
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)
