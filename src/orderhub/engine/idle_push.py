"""A scheduled push with nothing to do starts nothing: no lease, no run row, no remote call.

Before a scheduler's push run takes its lease, the runner asks the flow's class whether its
feed holds work for it (`cadence.work_check`). When it does not, the flow's next look is set
here and its position moved past the changes it need not read (its own), so the next look
does not ask again about the same changes. A push that was asked for (Sync now, a settings
change) or has records due for a retry always runs.
"""

from __future__ import annotations

from datetime import timedelta

from orderhub.clock import Clock
from orderhub.domain import FlowName
from orderhub.engine.backoff import earliest_retry, records_to_retry
from orderhub.engine.cadence import WorkCheck, next_push_wait
from orderhub.engine.errors import IntegrationNotFound
from orderhub.engine.hub_view import HubView
from orderhub.engine.lease import flow_lease_key, locked_flow_state
from orderhub.store import integrations as store_integrations
from orderhub.store import leases as store_leases
from orderhub.store.database import Database

__all__ = ["worth_running"]


def worth_running(
    db: Database, clock: Clock, integration_id: str, flow: FlowName, check: WorkCheck
) -> bool:
    """Whether a scheduled push would find work; if not, set its next look, skip it past
    what it need not read, and start nothing (no lease, no run row, no call)."""
    now = clock.now()
    with db.read_session() as session:
        integration = store_integrations.get_integration(session, integration_id)
        if integration is None:
            raise IntegrationNotFound(f"No integration with id {integration_id!r}")
        state = store_integrations.get_flow_state(session, integration_id, flow)
        if state.requested:  # Sync now, a settings change: asked for, so it runs
            return True
        retries, _open = records_to_retry(session, integration_id, flow, now=now)
        if retries:
            return True
        work, skip_to = check(HubView(session), integration, state.cursor, now)
    if work:
        return True
    with (
        db.session() as session,
        locked_flow_state(session, integration_id, flow, now=now) as locked,
    ):
        if locked.next_run_at is None or locked.next_run_at <= now:
            retry = earliest_retry(session, integration_id, flow)
            interval = timedelta(seconds=locked.interval_seconds)
            store_integrations.set_flow_schedule(
                session,
                integration_id,
                flow,
                last_run_at=locked.last_run_at,
                next_run_at=now + next_push_wait(interval, retry, now),
                last_error=locked.last_error,
            )
        cursor = locked.cursor
        seq = cursor.get("seq") if cursor else None
        # Past changes it need not read (its own), but only while no run holds the flow:
        # a run takes this mutex after its lease, so it then reads the moved cursor.
        key = flow_lease_key(integration_id, flow)
        if (
            cursor is not None
            and isinstance(seq, int)
            and skip_to is not None
            and skip_to > seq
            and store_leases.holder(session, key=key) is None
        ):
            store_integrations.save_cursor(
                session, integration_id, flow, {**cursor, "seq": skip_to}
            )
    return False
