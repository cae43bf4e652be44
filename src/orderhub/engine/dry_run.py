"""What a dry run is: which flows may plan, the trigger its run is recorded with, what it plans.

The runner, the flow context and the CLI each need one part of it; here they share one
definition, and the CLI reads it without importing the runner (`orderhub sync --dry-run`
checks a flow and prints its plan long before any run starts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orderhub.engine.registry import FlowFactory

__all__ = ["DRY_RUN_TRIGGER", "PlannedChange", "supports_dry_run"]

DRY_RUN_TRIGGER = "dry-run"
"""The trigger a dry run is recorded with in the run history."""


@dataclass(frozen=True)
class PlannedChange:
    """One write a dry run would have made: `action` on `entity` `ext_id`, in a few words.

    `action` is a verb ("set", "create", "update", "fail"); `summary` is what a person reads
    ("96 -> 40"); `data` carries the figures for a program (the CLI's `--json`, tests).
    """

    action: str
    entity: str
    ext_id: str
    summary: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        """`would set inventory BLK-1002: 96 -> 40`."""
        text = f"would {self.action} {self.entity} {self.ext_id}"
        return f"{text}: {self.summary}" if self.summary else text


def supports_dry_run(factory: FlowFactory) -> bool:
    """True when the flow a factory builds declares `supports_dry_run = True`.

    Looked up on the factory itself (a flow class registered as its own factory) and on the
    object a bound method belongs to (`Flow.from_context`); anything else cannot dry-run.
    """
    owner = getattr(factory, "__self__", None)
    return bool(getattr(factory, "supports_dry_run", False)) or bool(
        getattr(owner, "supports_dry_run", False)
    )
