"""A flow: a small object that moves one kind of record one way for one integration.

A flow does its work through its `FlowContext` (records, exceptions, cursor, progress) and never
commits on its own, runs a transaction per page through `ctx.unit_of_work()`, checks
`ctx.should_stop()` at each page boundary and calls `ctx.heartbeat()` per page. That is all the
engine needs to run the same flow code under the embedded scheduler today and under distributed
workers later: leases, run history and scheduling live outside the flow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from orderhub.domain import FlowName

if TYPE_CHECKING:
    from orderhub.engine.context import FlowContext

__all__ = ["Flow"]


class Flow(Protocol):
    """What the runner calls: raise to fail the run; per-record problems go to `ctx.fail_record`."""

    name: FlowName

    def run(self, ctx: FlowContext) -> None: ...
