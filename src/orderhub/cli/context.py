"""Open the hub for one command: settings from the environment, schema upgraded.

The hub (engine, store, connectors) is imported when a command opens it, not when the CLI
starts: `orderhub --help` never needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.domain import FlowName
    from orderhub.hub import Hub

__all__ = ["open_hub", "parse_flow"]


@contextmanager
def open_hub() -> Iterator[Hub]:
    from orderhub.hub import build_hub

    hub = build_hub()
    try:
        yield hub
    finally:
        hub.close()


def parse_flow(value: str) -> FlowName:
    from orderhub.domain import FlowName

    try:
        return FlowName(value)
    except ValueError:
        names = ", ".join(f.value for f in FlowName)
        raise UsageError(f"Unknown flow {value!r}; use one of: {names}") from None
