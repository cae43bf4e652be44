"""The REST API under /api/v3, shaped after Pipe17's conventions."""

from orderhub.api.app import API_PREFIX, api_state, attach_scheduler, create_app

__all__ = ["API_PREFIX", "api_state", "attach_scheduler", "create_app"]
