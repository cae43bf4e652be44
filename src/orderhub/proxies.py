"""Whom to believe about the client: `X-Forwarded-For`/`-Proto` only from configured proxies.

Anyone can send an `X-Forwarded-For` header. Believed from any peer, it lets a client choose
its own address — a new one for every sign-in attempt dodges the throttle, which counts per
address — and `X-Forwarded-Proto` lets it choose the scheme. So the headers are read only when
the direct peer is one of `ORDERHUB_TRUSTED_PROXIES` (IPs or CIDRs; none by default): then the
client is the right-most address in `X-Forwarded-For` that is not itself a trusted proxy (each
proxy appends the address it saw; what is left of that, the client could have written), and
the scheme is the right-most `X-Forwarded-Proto` value. uvicorn's own proxy handling (which
believes any loopback peer) is switched off where the hub is served (`orderhub.serving`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TypeAlias

from starlette.types import ASGIApp, Receive, Scope, Send

from orderhub.errors import UsageError

__all__ = ["ForwardedHeadersMiddleware", "TrustedProxies"]

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

_SCHEMES = {"http", "https"}


@dataclass(frozen=True)
class TrustedProxies:
    """The proxies whose forwarding headers are believed; empty: nobody's."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, value: str) -> TrustedProxies:
        """Comma-separated IPs and CIDRs (`10.0.0.5, 10.1.0.0/16, ::1`); a bad one is an error."""
        networks: list[Network] = []
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise UsageError(
                    f"ORDERHUB_TRUSTED_PROXIES: {item!r} is not an IP address or network "
                    "(e.g. 10.0.0.5 or 10.0.0.0/16)"
                ) from None
        return cls(tuple(networks))

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, host: object) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def client_of(self, peer: str, forwarded_for: str) -> str:
        """The client's address, for a request from `peer` with this `X-Forwarded-For`."""
        if peer not in self:
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop in self:
                continue
            # A hop that is no address came from a confused proxy: keep the peer's address.
            return hop if _address(hop) is not None else peer
        return hops[0] if hops else peer  # every hop a proxy of ours: the first one asked


class ForwardedHeadersMiddleware:
    """Sets `scope["client"]` and `scope["scheme"]` from the forwarding headers of a trusted
    proxy; a request from any other peer keeps its own address and scheme."""

    def __init__(self, app: ASGIApp, *, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and self.proxies and client:
            peer = str(client[0])
            if peer in self.proxies:
                forwarded_for, proto = _forwarding_headers(scope)
                if forwarded_for:
                    scope["client"] = (self.proxies.client_of(peer, forwarded_for), 0)
                if proto in _SCHEMES:
                    scope["scheme"] = proto if scope["type"] == "http" else _ws(proto)
        await self.app(scope, receive, send)


def _forwarding_headers(scope: Scope) -> tuple[str, str]:
    """Every `X-Forwarded-For` joined, and the right-most `X-Forwarded-Proto` value."""
    hops: list[str] = []
    proto = ""
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            hops.append(value.decode("latin-1"))
        elif name == b"x-forwarded-proto":
            proto = value.decode("latin-1").rsplit(",", 1)[-1].strip().lower()
    return ", ".join(hops), proto


def _address(host: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(str(host))
    except ValueError:
        return None
    # A dual-stack socket shows an IPv4 peer as ::ffff:a.b.c.d: compare it as the IPv4 it is.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _ws(proto: str) -> str:
    return "wss" if proto == "https" else "ws"
