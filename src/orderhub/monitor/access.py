"""Who may read `/metrics`.

The metrics name integrations, flows and store hosts and show how each is doing: no customer
data, but an outline of the business and of its trouble that a stranger has no need of. So:

- a request from this machine (a loopback peer, and no forwarding header: a reverse proxy on
  the same machine forwards strangers from loopback too) may read them: Prometheus or an
  agent beside the process needs nothing configured;
- any other request must send `Authorization: Bearer <ORDERHUB_METRICS_TOKEN>` (Prometheus'
  `authorization` / `bearer_token` setting); without that variable, no one else may.

`/healthz` and `/readyz` stay open: they say "ok" or which dependency is down, nothing more,
and load balancers and orchestrators must reach them without credentials.
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.types import Scope

__all__ = ["FORWARDING_HEADERS", "MetricsAccess", "is_local_request"]

FORWARDING_HEADERS = frozenset({b"x-forwarded-for", b"forwarded", b"x-real-ip"})


def is_local_request(scope: Scope) -> bool:
    """A loopback peer that forwards no one else's request."""
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(str(client[0]))
    except ValueError:
        return False
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    if not (mapped or address).is_loopback:
        return False
    return not any(name in FORWARDING_HEADERS for name, _ in scope.get("headers", ()))


class MetricsAccess:
    """The rule above, for one process's token (None: loopback only)."""

    def __init__(self, token: str | None) -> None:
        self._token = token or None

    def allows(self, scope: Scope) -> bool:
        if self._token is not None and self._bearer_matches(scope):
            return True
        return is_local_request(scope)

    def refusal(self) -> tuple[int, str]:
        """The status and one line for a request `allows` refused."""
        if self._token is None:
            return 403, (
                "metrics are served to this machine only; set ORDERHUB_METRICS_TOKEN to "
                "scrape them from elsewhere with Authorization: Bearer <token>"
            )
        return 401, "send Authorization: Bearer <ORDERHUB_METRICS_TOKEN>"

    def _bearer_matches(self, scope: Scope) -> bool:
        assert self._token is not None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, credential = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and hmac.compare_digest(
                    credential.strip().encode(), self._token.encode()
                ):
                    return True
        return False
