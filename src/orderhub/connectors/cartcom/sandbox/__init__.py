"""A faithful in-process simulator of the Cart.com (ex-AmeriCommerce) Online Store REST API.

Same paths (`/api/v1/…`, `.json` suffix too), envelopes, query syntax, errors, scopes, rate
limits, response caching and timestamp quirks as a real store, over a seeded store that is
deterministic by seed; plus `/_sandbox/…` controls, a call log, realism switches and fault
injection for tests and benchmarks. See docs/sandbox.md.
"""

from __future__ import annotations

from .config import SandboxConfig
from .live import start_live_activity
from .sandbox import Sandbox
from .server import SandboxServer, run_sandbox, serve_sandbox
from .transport import SandboxTransport

__all__ = [
    "Sandbox",
    "SandboxConfig",
    "SandboxServer",
    "SandboxTransport",
    "run_sandbox",
    "serve_sandbox",
    "start_live_activity",
]
