"""Whose failure is it: one record's, or the whole store's? The rule every flow follows.

A record whose read or write keeps failing (after the client's own retries) becomes that
record's exception, retried later with backoff, and the run goes on with the others: one bad
record never blocks a flow. Only a failure of the whole store fails the run:

- an error whose `failure_scope` is `"store"` (the token was refused, a permission is missing,
  the call budget ran out, the address is not the store) — raised again at once;
- the store down for everyone: `limit` *different* records failing in a row with errors that
  are not the record's own fault (5xx, timeouts, resets) and no success in between —
  `StoreUnavailable`.

A refusal of the record's data (`failure_scope == "record"`: a 4xx, a mapping problem) never
counts toward that streak: ten invalid products in a row are ten exceptions, not an outage.

Connectors declare the scope on their error classes (`failure_scope` class attribute). An
exception that declares none is not a remote system's answer but OrderHub's own trouble (a bug,
the process being stopped): it is raised again and fails the run, loudly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from orderhub.engine.errors import FlowError

__all__ = ["FailureScope", "FailureStreak", "StoreUnavailable", "failure_scope"]

FailureScope = Literal["store", "record", "transient", "unknown"]


class StoreUnavailable(FlowError):
    """Several different records failed in a row: the store is down, not one record."""


def failure_scope(error: BaseException) -> FailureScope:
    """What `error` declares: `"store"`, `"record"`, `"transient"`, or `"unknown"`."""
    scope = getattr(error, "failure_scope", None)
    if scope == "store":
        return "store"
    if scope == "record":
        return "record"
    if scope == "transient":
        return "transient"
    return "unknown"


@dataclass
class FailureStreak:
    """Counts different records failing in a row for reasons that may be the store's."""

    limit: int = 3
    _keys: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("limit must be at least 1")

    def failed(self, key: str, error: BaseException) -> None:
        """Note that `key` failed with `error`; raise if the run must stop.

        Re-raises `error` when it concerns the whole store or is not a remote system's answer
        (scope `"unknown"`: OrderHub's own trouble); raises `StoreUnavailable` when
        this is the `limit`-th different record in a row failing without a success between.
        Otherwise returns: the caller keeps the failure on the record and goes on.
        """
        scope = failure_scope(error)
        if scope in ("store", "unknown"):
            raise error
        if scope == "record":
            return
        if key not in self._keys:
            self._keys.append(key)
        if len(self._keys) >= self.limit:
            raise StoreUnavailable(
                f"{len(self._keys)} different records failed in a row, so the store itself "
                f"looks unavailable; the last error: {error}"
            ) from error

    def succeeded(self) -> None:
        """A record went through: the store answers, so the streak starts again."""
        self._keys.clear()
