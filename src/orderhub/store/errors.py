"""Errors the store raises, for callers that need to tell them apart.

A missing row is the hub's one `NotFoundError` (`orderhub.errors`), re-exported here.
"""

from __future__ import annotations

from orderhub.errors import NotFoundError

__all__ = ["NotFoundError", "StoreError"]


class StoreError(Exception):
    """Base of the store's own errors."""
