"""Errors the store raises, for callers that need to tell them apart."""

from __future__ import annotations

__all__ = ["NotFoundError", "StoreError"]


class StoreError(Exception):
    """Base of the store's own errors."""


class NotFoundError(StoreError, LookupError):
    """The integration, flow, run, exception or record named does not exist."""
