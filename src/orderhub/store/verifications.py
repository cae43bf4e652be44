"""Verification history: one row per completeness check of one pull flow.

A row is opened `running` when the check starts and closed with its counts. A process that
dies mid-check leaves it `running`; the next check of that integration closes such rows as
failed (`close_abandoned`), as the runner does with runs. Removing an integration removes its
verifications (foreign key, `ON DELETE CASCADE`). None of these functions commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from orderhub.domain import FlowName, IntegrationStatus, Verification, VerificationStatus
from orderhub.domain.verification import MAX_GAP_TEXT, MAX_GAPS_SHOWN
from orderhub.store.dialect import UtcDateTime, rowcount, utc
from orderhub.store.errors import NotFoundError
from orderhub.store.tables import FlowRow, IntegrationRow, VerificationRow

__all__ = [
    "VerificationCounts",
    "close_abandoned",
    "count_verifications",
    "due_for_verification",
    "finish_verification",
    "get_verification",
    "last_started",
    "latest_per_flow",
    "list_verifications",
    "start_verification",
]

ABANDONED = "abandoned: the process running it stopped before it finished"


def start_verification(
    session: Session,
    *,
    integration_id: str,
    flow: FlowName,
    trigger: str,
    since: datetime | None,
    checked_until: datetime | None,
    now: datetime,
) -> str:
    """Open a verification (`running`) and return its id (16 hex characters)."""
    verification_id = secrets.token_hex(8)
    session.add(
        VerificationRow(
            verification_id=verification_id,
            integration_id=integration_id,
            flow=FlowName(flow).value,
            status=VerificationStatus.RUNNING.value,
            trigger=trigger[:32],
            started_at=utc(now),
            finished_at=None,
            since=utc(since) if since is not None else None,
            checked_until=utc(checked_until) if checked_until is not None else None,
            checked=0,
            missing=0,
            stale=0,
            refetched=0,
            remaining=0,
            api_calls=0,
            gaps=[],
            error=None,
        )
    )
    session.flush()
    return verification_id


@dataclass(frozen=True)
class VerificationCounts:
    """What a finished check found; `gaps` is cut to the first few, each to a short line."""

    checked: int = 0
    missing: int = 0
    stale: int = 0
    refetched: int = 0
    remaining: int = 0
    api_calls: int = 0
    gaps: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        kept = tuple(text[:MAX_GAP_TEXT] for text in self.gaps[:MAX_GAPS_SHOWN])
        object.__setattr__(self, "gaps", kept)


def finish_verification(
    session: Session,
    verification_id: str,
    *,
    status: VerificationStatus,
    counts: VerificationCounts,
    error: str | None,
    now: datetime,
) -> Verification:
    """Close a verification with its outcome and return it."""
    row = _row(session, verification_id)
    row.status = VerificationStatus(status).value
    row.finished_at = utc(now)
    row.checked = counts.checked
    row.missing = counts.missing
    row.stale = counts.stale
    row.refetched = counts.refetched
    row.remaining = counts.remaining
    row.api_calls = counts.api_calls
    row.gaps = list(counts.gaps)
    row.error = error
    session.flush()
    return _verification(row)


def close_abandoned(session: Session, integration_id: str, *, now: datetime) -> int:
    """Mark this integration's `running` verifications failed; call it holding the verify lease."""
    result = session.execute(
        update(VerificationRow)
        .where(
            VerificationRow.integration_id == integration_id,
            VerificationRow.status == VerificationStatus.RUNNING.value,
        )
        .values(status=VerificationStatus.FAILED.value, finished_at=utc(now), error=ABANDONED)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def get_verification(session: Session, verification_id: str) -> Verification | None:
    row = session.scalars(
        select(VerificationRow).where(VerificationRow.verification_id == verification_id)
    ).one_or_none()
    return _verification(row) if row is not None else None


def list_verifications(
    session: Session,
    *,
    integration_id: str,
    flow: FlowName | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Verification]:
    """An integration's verifications, newest first."""
    query = select(VerificationRow).where(VerificationRow.integration_id == integration_id)
    if flow is not None:
        query = query.where(VerificationRow.flow == FlowName(flow).value)
    query = (
        query.order_by(VerificationRow.started_at.desc(), VerificationRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_verification(row) for row in session.scalars(query)]


def count_verifications(
    session: Session, *, integration_id: str, flow: FlowName | None = None
) -> int:
    query = select(func.count()).where(VerificationRow.integration_id == integration_id)
    if flow is not None:
        query = query.where(VerificationRow.flow == FlowName(flow).value)
    return session.scalar(query) or 0


def latest_per_flow(session: Session, integration_id: str) -> dict[FlowName, Verification]:
    """The newest verification of each flow of an integration (one query)."""
    newest = (
        select(func.max(VerificationRow.id))
        .where(VerificationRow.integration_id == integration_id)
        .group_by(VerificationRow.flow)
    )
    rows = session.scalars(select(VerificationRow).where(VerificationRow.id.in_(newest)))
    return {FlowName(row.flow): _verification(row) for row in rows}


def last_started(session: Session, integration_ids: Sequence[str]) -> dict[str, datetime]:
    """When each of these integrations' latest verification started (absent: never)."""
    if not integration_ids:
        return {}
    rows = session.execute(
        select(VerificationRow.integration_id, func.max(VerificationRow.started_at))
        .where(VerificationRow.integration_id.in_(list(integration_ids)))
        .group_by(VerificationRow.integration_id)
    )
    return {integration_id: utc(started) for integration_id, started in rows if started}


def due_for_verification(
    session: Session,
    *,
    cutoff: datetime,
    flows: Sequence[FlowName],
    limit: int,
) -> list[str]:
    """Connected integrations with one of `flows` on, last verified (else connected) at or
    before `cutoff`: the longest-waiting first, at most `limit`. One query."""
    last = (
        select(
            VerificationRow.integration_id.label("integration_id"),
            func.max(VerificationRow.started_at).label("started_at"),
        )
        .group_by(VerificationRow.integration_id)
        .subquery()
    )
    pull_on = (
        select(FlowRow.integration_id)
        .where(
            FlowRow.integration_id == IntegrationRow.integration_id,
            FlowRow.enabled.is_(True),
            FlowRow.flow.in_([FlowName(flow).value for flow in flows]),
        )
        .exists()
    )
    # Typed, so SQLite compares it with `cutoff` as stored (UTC text), not as a raw string.
    reference = func.coalesce(last.c.started_at, IntegrationRow.enabled_at, type_=UtcDateTime)
    rows = session.execute(
        select(IntegrationRow.integration_id)
        .outerjoin(last, last.c.integration_id == IntegrationRow.integration_id)
        .where(
            IntegrationRow.status == IntegrationStatus.CONNECTED.value,
            IntegrationRow.enabled_at.is_not(None),
            pull_on,
            reference <= cutoff,
        )
        .order_by(reference, IntegrationRow.integration_id)
        .limit(limit)
    )
    return [str(integration_id) for (integration_id,) in rows]


def _row(session: Session, verification_id: str) -> VerificationRow:
    row = session.scalars(
        select(VerificationRow).where(VerificationRow.verification_id == verification_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"No verification with id {verification_id!r}")
    return row


def _verification(row: VerificationRow) -> Verification:
    return Verification(
        verification_id=row.verification_id,
        integration=row.integration_id,
        flow=FlowName(row.flow),
        status=VerificationStatus(row.status),
        trigger=row.trigger,
        started_at=row.started_at,
        finished_at=row.finished_at,
        since=row.since,
        checked_until=row.checked_until,
        checked=row.checked,
        missing=row.missing,
        stale=row.stale,
        refetched=row.refetched,
        remaining=row.remaining,
        gaps=list(row.gaps or [])[:MAX_GAPS_SHOWN],
        api_calls=row.api_calls,
        error=row.error,
    )
