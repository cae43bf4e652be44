"""The hub's web application: the REST API under /api/v3 and the portal at /.

Built per process from a `Hub` (no import-time app), served by `orderhub serve` and `orderhub demo`.
"""

from __future__ import annotations

from starlette.applications import Starlette

from orderhub.api import create_app as create_api_app
from orderhub.hub import Hub

__all__ = ["create_web_app"]


def create_web_app(hub: Hub) -> Starlette:
    return create_api_app(hub)
