"""The Cart.com HTTP client every flow and the connection test use.

It owns the wire rules of API-NOTES §1-9: the `X-AC-Auth-Token` header, `Cache-Control:
no-cache` on reads (a cached list can hide recent changes from an incremental sync), pacing by
`X-AC-Call-Limit`, retries of transient failures, and redirects: at most one, to the same
scheme and host, because the token must never reach another host. Its list reads (keyset for
changing lists, page numbers for small static ones, `select_many` batches) are `ListReads`
(list_reads.py), so a flow reads as declarations rather than loops; which store and which
endpoint a URL names is store_url.py.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from orderhub import __version__
from orderhub.clock import Clock, Sleep, SystemClock
from orderhub.connectors.cartcom.errors import (
    InvalidApiUrl,
    NetworkError,
    NotCartcom,
    RateLimited,
    RedirectRefused,
    TransientError,
    classify_response,
    decode_response,
    translate_transport_error,
)
from orderhub.connectors.cartcom.list_reads import ListReads
from orderhub.connectors.cartcom.rate_headers import (
    CALL_LIMIT_HEADER,
    header_value,
    parse_call_limit,
)
from orderhub.connectors.cartcom.ratelimit import CallBudget, CallLimiter, limiter_for
from orderhub.connectors.cartcom.retry import RetryPolicy
from orderhub.connectors.cartcom.store_url import normalize_api_url, path_template
from orderhub.engine.errors import BudgetBusy
from orderhub.engine.priority import UNRANKED, CallPriority
from orderhub.redaction import redact_url

__all__ = [
    "USER_AGENT",
    "CallRecord",
    "CartcomClient",
    # Raised and used by the client, and imported from here by its callers:
    "InvalidApiUrl",
    "normalize_api_url",
]

USER_AGENT = f"OrderHub/{__version__}"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallRecord:
    """One HTTP request sent (an attempt; a followed redirect is its own record)."""

    method: str
    path_template: str  # "/orders/{id}/status": ids folded, so calls group by endpoint
    status: int | None  # None when no response arrived
    elapsed: float  # seconds, on the client's clock
    attempt: int  # 1 for the first try, 2+ for retries
    call_limit: tuple[int, int] | None = None  # (used, limit) from X-AC-Call-Limit, if sent


class CartcomClient(ListReads):
    """A Cart.com store's API, as one flow run (or one connection test) uses it."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        http: httpx.Client,
        clock: Clock | None = None,
        sleep: Callable[[float], None] | None = None,
        limiter: CallBudget | None = None,
        priority: CallPriority = UNRANKED,
        retry: RetryPolicy | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
        patience: Callable[[], float | None] | None = None,
    ) -> None:
        """`priority`: this client's place in the store's call budget (a flow's, the
        connection test's); a caller that does not say goes last. `patience`: asked before the
        first call, the longest the budget may make it wait; a longer wait raises the engine's
        `BudgetBusy` instead of sleeping (the waiting claim stays noted, so lower priorities
        still give way until it comes back)."""
        self.base_url = normalize_api_url(api_url)
        clean_token = token.strip()
        if not clean_token:
            raise ValueError("The API token is empty")
        if any(ch in clean_token for ch in "\r\n\0"):
            raise ValueError("The API token contains line breaks; copy it again")
        self._token = clean_token
        self._http = http
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._sleep: Sleep = _default_sleep(self._clock) if sleep is None else sleep
        if limiter is None:
            # The shared per-store limiter runs on real time; a test clock gets its own.
            if isinstance(self._clock, SystemClock):
                limiter = limiter_for(self.base_url)
            else:
                limiter = CallLimiter(clock=self._clock, sleep=self._sleep)
        self.limiter: CallBudget = limiter
        self.priority = priority
        self.retry = retry if retry is not None else RetryPolicy()
        self._on_call = on_call
        self._patience = patience
        self._lock = threading.Lock()
        self.calls = 0
        self.rate_limit_wait_seconds = 0.0
        self._holding = False

    def __repr__(self) -> str:
        return f"CartcomClient({self.base_url!r})"

    def close(self) -> None:
        """Done calling (the run ended): the headroom this client's priority keeps in the
        store's window goes now unless another client of it still calls, so the store's other
        flows may use the whole window. The HTTP client is its owner's to close."""
        with self._lock:
            holding, self._holding = self._holding, False
        if holding:
            self.limiter.release(self.priority)

    # --- single requests ------------------------------------------------------------------

    def get(
        self, path: str, params: Mapping[str, str] | None = None, *, fresh: bool = True
    ) -> dict[str, Any]:
        """GET one JSON object; `fresh` sends `Cache-Control: no-cache` (incremental reads must)."""
        payload = self._request("GET", path, params=params, fresh=fresh)
        return self._expect_object(payload, "GET", path, allow_empty=False)

    def post(
        self, path: str, body: Mapping[str, Any], *, idempotent: bool = False
    ) -> dict[str, Any]:
        """POST (Cart.com upserts: 201 created, 200 updated) and return the record.

        A POST is retried only when it surely was not applied (429, no connection), unless the
        caller vouches that repeating it is harmless (`idempotent=True`, e.g. /inventory/set).
        """
        payload = self._request("POST", path, body=body, retry_all=idempotent)
        return self._expect_object(payload, "POST", path, allow_empty=True)

    def put(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT the given fields of one record (absolute, so safe to retry)."""
        payload = self._request("PUT", path, body=body)
        return self._expect_object(payload, "PUT", path, allow_empty=True)

    def delete(self, path: str) -> None:
        """DELETE one record; Cart.com answers 204 (the spec says 200): both are fine."""
        self._request("DELETE", path)

    # --- the request loop -----------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        fresh: bool = False,
        retry_all: bool = True,
    ) -> Any:
        url = self._url(path)
        template = path_template(path)
        headers = self._headers(fresh=fresh and method == "GET", has_body=body is not None)
        content = _encode(body) if body is not None else None
        query = dict(params) if params else None
        attempts = 0

        def attempt() -> Any:
            nonlocal attempts
            attempts += 1
            request = self._http.build_request(
                method, url, params=query, headers=headers, content=content
            )
            return self._attempt(request, template, attempts)

        def on_retry(_attempt: int, error: TransientError, delay: float) -> None:
            if isinstance(error, RateLimited):
                with self._lock:
                    self.rate_limit_wait_seconds += delay

        return self.retry.call(
            attempt,
            sleep=self._sleep,
            retryable=None if retry_all else _surely_not_applied,
            on_retry=on_retry,
        )

    def _attempt(self, request: httpx.Request, template: str, attempt: int) -> Any:
        response = self._send(request, template, attempt)
        if response.is_redirect:
            origin = request.url
            try:
                target = origin.join(response.headers["location"])
            except httpx.InvalidURL as problem:
                raise NotCartcom(
                    detail="redirected to an invalid address",
                    status=response.status_code,
                    method=request.method,
                    url=origin,
                ) from problem
            if (target.scheme, target.host, target.port) != (
                origin.scheme,
                origin.host,
                origin.port,
            ):
                raise RedirectRefused(
                    location=str(target),
                    status=response.status_code,
                    method=request.method,
                    url=origin,
                )
            follow = self._http.build_request(
                request.method, target, headers=request.headers, content=request.content
            )
            response = self._send(follow, template, attempt)
            if response.is_redirect:
                raise NotCartcom(
                    detail="redirected more than once",
                    status=response.status_code,
                    method=request.method,
                    url=origin,
                )
        return decode_response(response, now=self._clock.now())

    def _budget_sleep(self) -> Sleep:
        """The sleep for a budget wait: the client's own, or, before the first call and with
        `patience`, one that refuses a wait longer than it (`BudgetBusy`)."""
        patience = self._patience() if self._patience is not None and self.calls == 0 else None
        if patience is None:
            return self._sleep
        sleep = self._sleep

        def impatient(seconds: float) -> None:
            if seconds > patience:
                raise BudgetBusy(seconds)
            sleep(seconds)

        return impatient

    def _send(self, request: httpx.Request, template: str, attempt: int) -> httpx.Response:
        """One HTTP exchange, paced by the limiter and reported to `on_call`."""
        with self._lock:
            first, self._holding = not self._holding, True
        if first:  # before the call is reserved: no release may drop its headroom meanwhile
            self.limiter.hold(self.priority)
        waited = self.limiter.before_call(sleep=self._budget_sleep(), priority=self.priority)
        with self._lock:
            self.calls += 1
            self.rate_limit_wait_seconds += waited
        started = self._clock.monotonic()
        try:
            response = self._http.send(request, follow_redirects=False)
        except httpx.HTTPError as problem:
            elapsed = self._clock.monotonic() - started
            self._report(CallRecord(request.method, template, None, elapsed, attempt))
            _log.debug("%s %s failed: %s", request.method, redact_url(request.url), problem)
            raise translate_transport_error(
                problem, method=request.method, url=request.url
            ) from problem
        elapsed = self._clock.monotonic() - started
        self.limiter.after_response(response.headers, self._clock.monotonic())
        if response.status_code == 429:
            error = classify_response(response, now=self._clock.now())
            retry_after = error.retry_after if isinstance(error, RateLimited) else None
            self.limiter.on_rate_limited(retry_after)
        self._report(
            CallRecord(
                request.method,
                template,
                response.status_code,
                elapsed,
                attempt,
                parse_call_limit(header_value(response.headers, CALL_LIMIT_HEADER)),
            )
        )
        _log.debug(
            "%s %s -> %d in %.3fs",
            request.method,
            redact_url(request.url),
            response.status_code,
            elapsed,
        )
        return response

    def _report(self, record: CallRecord) -> None:
        if self._on_call is not None:
            self._on_call(record)

    # --- helpers --------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        relative = path.strip()
        if "://" in relative or relative.startswith("//") or ".." in relative.split("/"):
            raise ValueError(f"path must be relative to the API root, got {relative!r}")
        return self.base_url + relative.lstrip("/")

    def _headers(self, *, fresh: bool, has_body: bool) -> dict[str, str]:
        headers = {
            "X-AC-Auth-Token": self._token,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if fresh:
            headers["Cache-Control"] = "no-cache"
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    def _expect_object(
        self, payload: Any, method: str, path: str, *, allow_empty: bool
    ) -> dict[str, Any]:
        if isinstance(payload, dict):
            return payload
        if payload is None and allow_empty:
            return {}
        shape = "an empty body" if payload is None else f"a JSON {type(payload).__name__}"
        raise NotCartcom(
            detail=f"answered with {shape} instead of a JSON object",
            method=method,
            url=self._url(path),
        )


def _default_sleep(clock: Clock) -> Sleep:
    """A fake clock's own sleep (which advances it); real sleep for a real clock."""
    own = getattr(clock, "sleep", None)
    if not isinstance(clock, SystemClock) and callable(own):
        return own  # type: ignore[no-any-return]
    return time.sleep


def _surely_not_applied(error: TransientError) -> bool:
    """Retry a non-idempotent write only if the server cannot have acted on it."""
    if isinstance(error, RateLimited):
        return True
    return isinstance(error, NetworkError) and not error.request_sent


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def _encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(body), default=_json_default, separators=(",", ":")).encode()
