"""How a verification is recorded: its counts, its status, and the gaps it shows.

A check's gaps are `missing + stale`; what the re-fetch did not land is `remaining`. The status
is `complete` (no gaps), `repaired` (none left), `gaps` (some left) or `failed` (the check or
the re-fetch raised); at most `MAX_GAPS_SHOWN` gaps are kept, each with the type of the
exception still open for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orderhub.connectors.completeness import FlowCheck, Gap
from orderhub.domain import FlowName, Verification, VerificationStatus
from orderhub.domain.verification import MAX_GAPS_SHOWN
from orderhub.store import verifications as store_verifications
from orderhub.store.database import Database
from orderhub.store.verifications import VerificationCounts

__all__ = ["Repair", "record_failure", "record_outcome"]


@dataclass(frozen=True)
class Repair:
    """What the re-fetch of a flow's gaps left."""

    remaining: int
    open_now: dict[tuple[str, str], str]
    """`(entity type, id) -> exception type` of the exceptions still open after the re-fetch."""
    error: str | None


def _shown(gap: Gap, open_now: dict[tuple[str, str], str], source: str) -> str:
    """A gap's line; after a re-fetch that did not land it, with its exception's type."""
    still = open_now.get((gap.entity_type, gap.ext_id))
    line = gap.describe(source)
    return f"{line} — still open: {still}" if still else line


def record_outcome(
    db: Database,
    verification_id: str,
    found: FlowCheck,
    calls: int,
    repaired: Repair | None,
    error: str | None,
    *,
    source: str,
    now: datetime,
) -> Verification:
    """Close a verification with what its check found and what the re-fetch left open
    (`source`: the store platform's name, as the gaps name it)."""
    gaps = found.missing + found.stale
    left = gaps if repaired is None else repaired.remaining
    if error is not None:
        status = VerificationStatus.FAILED
    elif gaps == 0:
        status = VerificationStatus.COMPLETE
    elif left == 0:
        status = VerificationStatus.REPAIRED
    else:
        status = VerificationStatus.GAPS
    open_now = repaired.open_now if repaired is not None else {}
    counts = VerificationCounts(
        checked=found.checked,
        missing=found.missing,
        stale=found.stale,
        refetched=gaps - left,
        remaining=left,
        api_calls=calls,
        gaps=tuple(_shown(gap, open_now, source) for gap in found.gaps[:MAX_GAPS_SHOWN]),
    )
    with db.session() as session:
        return store_verifications.finish_verification(
            session,
            verification_id,
            status=status,
            counts=counts,
            error=error if error is not None else (repaired.error if repaired else None),
            now=now,
        )


def record_failure(
    db: Database, integration_id: str, flow: FlowName, trigger: str, error: str, *, now: datetime
) -> Verification:
    """A verification that could not check anything, recorded as failed at once."""
    with db.session() as session:
        verification_id = store_verifications.start_verification(
            session,
            integration_id=integration_id,
            flow=flow,
            trigger=trigger,
            since=None,
            checked_until=None,
            now=now,
        )
        return store_verifications.finish_verification(
            session,
            verification_id,
            status=VerificationStatus.FAILED,
            counts=VerificationCounts(),
            error=error,
            now=now,
        )
