"""The hub's public URL: where a store can reach this hub to deliver webhooks.

Set by `ORDERHUB_PUBLIC_URL` or `orderhub serve --public-url`. It is the base of every
delivery URL the hub subscribes (`{public_url}/hooks/{connector}/{integration}/{secret}`), so
it is checked once, here: http or https, a host, no user name or password (they would be sent
to the store and kept there in clear), no `?` or `#` part (the delivery path is appended to
it), and a bounded length (a store keeps the whole delivery URL in a text column; so does the
hub's report of it). A path is allowed, for a hub served under a prefix by a proxy.
"""

from __future__ import annotations

from orderhub.errors import UsageError

__all__ = ["MAX_PUBLIC_URL_LENGTH", "normalize_public_url"]

MAX_PUBLIC_URL_LENGTH = 300
"""Room for a long host and prefix while the full delivery URL stays under 500 characters."""

_EXAMPLE = "e.g. https://hub.example.com"


def normalize_public_url(value: str) -> str:
    """`value` as `scheme://host[:port][/prefix]` without a trailing slash, or `UsageError`."""
    import httpx  # here: only a hub given a public URL pays for it (settings are read by all)

    text = value.strip()
    if not text:
        raise UsageError(f"The public URL is empty; give the hub's address, {_EXAMPLE}")
    if len(text) > MAX_PUBLIC_URL_LENGTH:
        raise UsageError(f"The public URL is longer than {MAX_PUBLIC_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise UsageError("The public URL must not contain spaces or control characters")
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as problem:
        raise UsageError(f"The public URL is not a valid URL ({problem}), {_EXAMPLE}") from None
    scheme = url.scheme.lower()
    if scheme not in ("http", "https"):
        raise UsageError(f"The public URL must start with https:// or http://, {_EXAMPLE}")
    if not url.host:
        raise UsageError(f"The public URL has no host name, {_EXAMPLE}")
    if url.userinfo:
        raise UsageError("The public URL must not contain a user name or password")
    if url.query or url.fragment or "?" in text or "#" in text:
        raise UsageError(f"The public URL must not contain '?' or '#' parts, {_EXAMPLE}")
    if url.port is not None and not 0 < url.port < 65536:
        raise UsageError(f"The public URL's port {url.port} is not a valid port")
    host = url.raw_host.decode("ascii").lower()
    shown_host = f"[{host}]" if ":" in host else host
    port = f":{url.port}" if url.port is not None else ""
    path = url.raw_path.decode("ascii").rstrip("/")
    return f"{scheme}://{shown_host}{port}{path}"
