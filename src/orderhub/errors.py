"""Errors the hub raises for people: each prints as one clear line (the CLI exits non-zero)."""

from __future__ import annotations

__all__ = ["HubError", "NotFoundError", "UsageError"]


class HubError(Exception):
    """An error whose message is meant for the merchant, as is."""


class UsageError(HubError):
    """The request cannot be done as asked (bad argument, flow not available, …)."""


class NotFoundError(HubError, LookupError):
    """The named integration, flow, run, record or exception does not exist (the store, the
    services and the engine all raise this one; the API answers it with 404)."""
