"""One transaction starts a run: lease, flow state, integration and token, run row, next slot.

Its own module because the start is a unit with a rule of its own — everything in one
transaction, so a start that is refused (busy, not due, gone) leaves nothing behind — and
`FlowRunner` reads better as lease, start, flow, settle. `start_run` hands the runner what
the run needs as a `RunStart`; the runner keeps the lease, the context and the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orderhub.clock import Clock
from orderhub.domain import FlowName, Integration
from orderhub.engine.backoff import RetryChoice, records_to_retry
from orderhub.engine.cadence import PUSH_SAFETY, work_check
from orderhub.engine.errors import FlowBusy, FlowNotDue, IntegrationNotFound
from orderhub.engine.lease import RunLease, locked_flow_state
from orderhub.engine.registry import FlowFactory
from orderhub.engine.settle import close_abandoned_runs
from orderhub.logs import bind_run_id
from orderhub.secrets import SecretBox
from orderhub.store import integrations as store_integrations
from orderhub.store import runs as store_runs
from orderhub.store.database import Database
from orderhub.store.flows import FlowState

__all__ = ["RunStart", "start_run"]


@dataclass(frozen=True)
class RunStart:
    """What the start read and wrote, for the rest of the run."""

    started_at: datetime
    run_id: str
    integration: Integration
    token: str
    token_problem: Exception | None
    """Why the token could not be read: the run fails with it (it was not refused)."""
    state: FlowState
    """The flow's state before the start (a run given back restores its schedule)."""
    retry_ids: list[str]
    open_ids: frozenset[str]
    claimed_next: datetime
    interval: timedelta
    is_push: bool


def start_run(
    db: Database,
    box: SecretBox,
    clock: Clock,
    integration_id: str,
    flow: FlowName,
    factory: FlowFactory,
    lease: RunLease,
    busy: FlowBusy,
    *,
    trigger: str,
    only_if_due: bool,
    dry_run: bool,
    retry: RetryChoice | None,
) -> RunStart:
    """Start the run in one transaction, or raise (`busy`, `FlowNotDue`) leaving nothing."""
    started_at = clock.now()
    # One transaction starts the run: the lease (first: the finish gives it up first
    # too), the schedule, the run row. If anything refuses, nothing of it is left.
    with db.session() as session:
        if not lease.acquire_in(session):
            raise busy
        with locked_flow_state(session, integration_id, flow, now=started_at) as state:
            # Read under the lease: the previous run may have moved the cursor since.
            found = store_integrations.get_integration_for_run(session, integration_id, box)
            if found is None:  # pragma: no cover - the state above was just read
                raise IntegrationNotFound(f"No integration with id {integration_id!r}")
            integration, decrypt_token = found
            if only_if_due and state.next_run_at is not None and state.next_run_at > started_at:
                raise FlowNotDue(f"{flow.value} of integration {integration_id} has just run")
            retry_ids, open_ids = records_to_retry(
                session, integration_id, flow, now=started_at, chosen=retry
            )
            # Read with the start, in its transaction; a key that cannot decrypt the
            # token fails the run (recorded below), it does not refuse it.
            token_problem: Exception | None = None
            try:
                token = decrypt_token()
            except Exception as problem:
                token, token_problem = "", problem
            close_abandoned_runs(session, integration_id, flow, now=started_at)
            run_id = store_runs.start_run(
                session,
                integration_id=integration_id,
                flow=flow,
                trigger=trigger,
                now=started_at,
            )
            bind_run_id(run_id)
            interval = timedelta(seconds=state.interval_seconds)
            is_push = work_check(factory) is not None
            # Claim the next slot now; a trigger during the run moves it earlier, and the
            # finish keeps that earlier time (a webhook during a run is not lost).
            claimed_next = started_at + (max(interval, PUSH_SAFETY) if is_push else interval)
            if not dry_run:
                store_integrations.set_flow_schedule(
                    session,
                    integration_id,
                    flow,
                    last_run_at=state.last_run_at,
                    next_run_at=claimed_next,
                    last_error=state.last_error,
                    requested=False,  # this run answers the request
                )
    return RunStart(
        started_at=started_at,
        run_id=run_id,
        integration=integration,
        token=token,
        token_problem=token_problem,
        state=state,
        retry_ids=retry_ids,
        open_ids=open_ids,
        claimed_next=claimed_next,
        interval=interval,
        is_push=is_push,
    )
