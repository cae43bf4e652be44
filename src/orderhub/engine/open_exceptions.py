"""A run's open exceptions: which records may hold one, opening one, clearing them.

Its own module because the bookkeeping has a rule of its own, apart from what `FlowContext`
writes: clearing costs a statement only for records that may have an open exception — the ones
the run started with and the ones it failed itself — so a page of healthy records spends none.
The context keeps one `OpenExceptions` per run and calls it where a record fails or goes through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from orderhub.domain import FlowName
from orderhub.store import exceptions as store_exceptions

__all__ = ["OpenExceptions"]


@dataclass(eq=False)
class OpenExceptions:
    """The open exceptions one run of one flow of one integration may touch."""

    integration_id: str
    flow: FlowName
    maybe_open: set[str] = field(default_factory=set)
    """External ids that may have an open exception: the run started with one, or opened it."""

    def open(
        self,
        session: Session,
        *,
        entity_type: str,
        ext_id: str,
        exception_type: str,
        message: str,
        raw: dict[str, Any] | None,
        now: datetime,
    ) -> None:
        """Keep one bad record as an open exception (retried next run)."""
        store_exceptions.raise_exception(
            session,
            integration_id=self.integration_id,
            flow=self.flow,
            entity_type=entity_type,
            ext_entity_id=ext_id,
            exception_type=exception_type,
            message=message,
            raw=raw,
            now=now,
        )
        self.maybe_open.add(ext_id)

    def resolve_all(
        self, session: Session, entity_type: str, ext_ids: Sequence[str], now: datetime
    ) -> None:
        """Clear these records' open exceptions, whether or not the run knew of one."""
        self.maybe_open.update(ext_ids)
        self.resolve(session, entity_type, ext_ids, now)

    def resolve(
        self, session: Session, entity_type: str, ext_ids: Sequence[str], now: datetime
    ) -> None:
        """Clear the open exceptions of those of these records that may have one."""
        # Only records that may have an open exception cost a statement: the ones the run
        # started with (retry_ext_ids) and the ones it failed itself. The lease guarantees no
        # other run of this flow opens one meanwhile. A page's records share one statement.
        maybe = [ext_id for ext_id in ext_ids if ext_id in self.maybe_open]
        if not maybe:
            return
        store_exceptions.resolve_exceptions(
            session,
            integration_id=self.integration_id,
            flow=self.flow,
            entity_type=entity_type,
            ext_entity_ids=maybe,
            now=now,
        )
