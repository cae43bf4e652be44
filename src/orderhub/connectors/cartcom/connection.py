"""The connection test run when a merchant presses Connect (and by `integrations test`).

It answers, one line each: is the URL acceptable, does the host speak the Cart.com API, is the
token accepted, and which permissions are missing — named as Cart.com's API Token Manager names
them, with the flows each one blocks. Reads are probed with `count=1`. A "change" permission is
probed with a `PUT` to record id 0, which no store has: a 404 shows the token may write there
(the scope check comes before the lookup), a 403 shows it may not. Nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from orderhub.clock import Clock
from orderhub.connectors.cartcom.client import CallRecord, CartcomClient, InvalidApiUrl
from orderhub.connectors.cartcom.errors import (
    AuthenticationFailed,
    CartcomError,
    NetworkError,
    NotCartcom,
    NotFound,
    PermissionDenied,
    RedirectRefused,
    TransientError,
)
from orderhub.connectors.cartcom.http import new_http_client
from orderhub.connectors.cartcom.permissions import PERMISSIONS, Permission
from orderhub.connectors.cartcom.ratelimit import CallBudget
from orderhub.connectors.cartcom.retry import QUICK_RETRY
from orderhub.domain import ConnectionCheck, ConnectionReport, FlowName
from orderhub.engine.priority import CallPriority

__all__ = ["REFUSED_KEY_SUMMARY", "check_connection"]

REFUSED_KEY_SUMMARY = (
    "Cart.com rejected the API token (401 Unauthorized). Check that it was copied whole "
    "from Tools > Apps & Addons > API Token Manager and has not been revoked."
)
"""The summary of a test the token failed (every other failure is the URL's or the store's)."""


def check_connection(
    api_url: str,
    api_token: str,
    *,
    http: httpx.Client | None = None,
    clock: Clock | None = None,
    sleep: Callable[[float], None] | None = None,
    limiter: CallBudget | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
) -> ConnectionReport:
    """Probe the store with the token and report what works, in the merchant's words.

    `limiter`: the store's call budget when processes share it (None: this process's own).
    `on_call`: told of each request (the hub's metrics count them).
    """
    owned = http is None
    client_http = http if http is not None else new_http_client(httpx.Timeout(15.0))
    try:
        try:
            client = CartcomClient(
                api_url,
                api_token,
                http=client_http,
                clock=clock,
                sleep=sleep,
                limiter=limiter,
                priority=CallPriority.CONNECTION_TEST,  # a person waits for the answer
                retry=QUICK_RETRY,
                on_call=on_call,
            )
        except InvalidApiUrl as problem:
            return _failed(str(problem))
        return _probe(client, api_url)
    finally:
        if owned:
            client_http.close()


def _probe(client: CartcomClient, api_url: str) -> ConnectionReport:
    checks: list[ConnectionCheck] = []
    rejected = 0
    for permission in PERMISSIONS:
        try:
            client.get(permission.probe_resource, {"count": "1"})
        except AuthenticationFailed:
            # Some stores may answer 401 rather than 403 for a missing scope: only a token
            # refused everywhere is a wrong token.
            rejected += 1
            checks.append(_missing(permission))
            continue
        except PermissionDenied:
            checks.append(_missing(permission))
            continue
        except (NotCartcom, RedirectRefused) as problem:
            return _failed(
                f"{api_url} does not answer like a Cart.com store API ({problem}). "
                "Use the store's own URL, e.g. https://yourstore.americommerce.com"
            )
        except (NetworkError, TransientError) as problem:
            return _failed(f"Cannot reach {api_url}: {problem}")
        except CartcomError as problem:
            return _failed(f"Unexpected answer from {api_url}: {problem}")
        if permission.write_probe and not _may_write(client, permission):
            checks.append(_missing(permission))
            continue
        checks.append(
            ConnectionCheck(ok=True, message=permission.label, permission=permission.label)
        )

    if rejected == len(PERMISSIONS):
        return _failed(REFUSED_KEY_SUMMARY)
    missing = [c for c in checks if not c.ok]
    if not missing:
        return ConnectionReport(
            ok=True,
            connected=True,
            summary="Connected: every permission is granted.",
            checks=checks,
        )
    blocked = sorted({flow.value for c in missing for flow in c.blocked_flows})
    summary = (
        f"Connected, but {len(missing)} permission(s) are missing; blocked flows: "
        f"{', '.join(blocked)}. Create a new token with them in the API Token Manager."
    )
    return ConnectionReport(ok=False, connected=True, summary=summary, checks=checks)


def _may_write(client: CartcomClient, permission: Permission) -> bool:
    try:
        client.put(f"{permission.probe_resource}/0", {})
    except PermissionDenied:
        return False
    except AuthenticationFailed:
        return False
    except NotFound:
        return True
    except CartcomError:
        # Any other answer (a 409 on the empty body, say) came after the scope check.
        return True
    return True


def _missing(permission: Permission) -> ConnectionCheck:
    flows = ", ".join(FlowName(f).value for f in permission.flows)
    return ConnectionCheck(
        ok=False,
        message=f'Missing permission "{permission.label}" (blocks {flows})',
        permission=permission.label,
        blocked_flows=list(permission.flows),
    )


def _failed(message: str) -> ConnectionReport:
    return ConnectionReport(ok=False, summary=message, checks=[])
