"""The REST API under /api/v3, shaped after Pipe17's conventions."""

from orderhub.api.app import create_app

__all__ = ["create_app"]
