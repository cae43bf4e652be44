"""Open the hub for one command: settings from the environment, schema upgraded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from orderhub.domain import FlowName
from orderhub.errors import UsageError
from orderhub.hub import Hub, build_hub

__all__ = ["open_hub", "parse_flow"]


@contextmanager
def open_hub() -> Iterator[Hub]:
    hub = build_hub()
    try:
        yield hub
    finally:
        hub.close()


def parse_flow(value: str) -> FlowName:
    try:
        return FlowName(value)
    except ValueError:
        names = ", ".join(f.value for f in FlowName)
        raise UsageError(f"Unknown flow {value!r}; use one of: {names}") from None
