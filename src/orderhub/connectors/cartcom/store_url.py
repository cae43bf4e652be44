"""Which store, and which endpoint: the one way a Cart.com URL is read.

A merchant types their store's address in many shapes (with or without scheme, trailing
slash or `/api/v1`); `normalize_api_url` checks it and gives the API base every request is
made under, and `store_key` the store's identity (`scheme://host[:port]`) that everything
kept per store — the call limiter, the shared call budget, call metrics, the catalog's
links — is keyed by. `path_template` names an endpoint with its ids folded, for call stats.
"""

from __future__ import annotations

import ipaddress
import re

import httpx

from orderhub.connectors.cartcom.errors import InvalidApiUrl
from orderhub.redaction import redact_url

__all__ = ["API_PATH", "normalize_api_url", "path_template", "store_key"]

API_PATH = "/api/v1/"
_ALLOWED_PATHS = ("", "/api", "/api/v1")
_ID_SEGMENT = re.compile(r"^\d+$")


def normalize_api_url(api_url: str) -> str:
    """The merchant's store URL as `<scheme>://<host>[:port]/api/v1/`, or `InvalidApiUrl`.

    Accepts the store address with or without a trailing `/` or `/api/v1`, and without a
    scheme (https is assumed). Plain http only for loopback hosts (the local sandbox).
    """
    text = api_url.strip()
    example = "e.g. https://yourstore.americommerce.com"
    if not text:
        raise InvalidApiUrl(f"Enter the store's API URL, {example}")
    if "://" not in text:
        text = "https://" + text
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as problem:
        raise InvalidApiUrl(f"{redact_url(text)} is not a valid URL ({problem})") from problem
    if url.port is not None and not 0 < url.port < 65536:
        raise InvalidApiUrl(f"{redact_url(text)} is not a valid URL (port {url.port})")
    scheme = url.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidApiUrl(f"The API URL must start with https://, {example}")
    if not url.host:
        raise InvalidApiUrl(f"The API URL has no host name, {example}")
    if url.userinfo:
        raise InvalidApiUrl("The API URL must not contain a user name or password")
    if url.query or url.fragment:
        raise InvalidApiUrl(f"The API URL must not contain '?' or '#' parts, {example}")
    path = url.path.rstrip("/")
    if path.lower() not in _ALLOWED_PATHS:
        raise InvalidApiUrl(
            f"The API URL should be the store's address without a path ({path} given), {example}"
        )
    host = url.raw_host.decode("ascii").lower()
    if scheme == "http" and not _is_loopback(host):
        raise InvalidApiUrl(
            "The API URL must use https:// (plain http is accepted only for a local sandbox "
            "on 127.0.0.1 or localhost)"
        )
    shown_host = f"[{host}]" if ":" in host else host
    port = f":{url.port}" if url.port is not None else ""
    return f"{scheme}://{shown_host}{port}{API_PATH}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def store_key(api_url: str) -> str:
    """A store's identity: `scheme://host[:port]` of its normalised API URL.

    `https://Shop.example.com/api/v1/`, `shop.example.com` and `https://shop.example.com/`
    are one store. A URL `normalize_api_url` refuses (a stored one passed it when its
    integration was added) is keyed by its own lower-cased text, so this never raises.
    """
    try:
        return normalize_api_url(api_url)[: -len(API_PATH)]
    except InvalidApiUrl:
        return api_url.strip().lower().rstrip("/")


def path_template(path: str) -> str:
    """`orders/123/status?x=1` → `/orders/{id}/status`: one name per endpoint for call stats."""
    bare = path.split("?", 1)[0].strip("/")
    parts = ["{id}" if _ID_SEGMENT.match(part) else part for part in bare.split("/") if part]
    return "/" + "/".join(parts)
