"""Verify at its edges: one at a time, a store that fails, a busy flow, bounded repairs."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderhub.connectors.cartcom.verify import Gap
from orderhub.domain import FlowName, Run, RunStatus, VerificationStatus
from orderhub.engine.errors import FlowBusy
from orderhub.services import verification_gaps
from orderhub.services.daily_verification import daily_verifications
from orderhub.services.verification import VERIFY_LEASE, Verifier, VerifyBusy
from orderhub.services.verification_gaps import MAX_REFETCH, record_gaps, refetch
from orderhub.store import exceptions as exception_store
from orderhub.store import leases as lease_store
from support.verify_world import VerifyWorld

ORDERS = FlowName.ORDERS_PULL


def test_one_verification_of_an_integration_at_a_time(world: VerifyWorld) -> None:
    key = lease_store.flow_lease_key(world.integration_id, VERIFY_LEASE)
    with world.hub.db.session() as session:
        assert lease_store.try_acquire(
            session, key=key, owner="elsewhere:1:x", ttl_seconds=60, now=datetime.now(UTC)
        )

    with pytest.raises(VerifyBusy, match="running already"):
        world.verify()


def test_a_store_that_keeps_failing_is_a_failed_verification_without_the_token(
    world: VerifyWorld,
) -> None:
    down = httpx.Client(transport=httpx.MockTransport(lambda _request: httpx.Response(503)))
    verifier = Verifier.for_hub(
        world.hub, runner=world.runner, http_factory=lambda _i: down, sleep=lambda _s: None
    )

    [result] = verifier.verify(world.integration_id)

    assert result.status is VerificationStatus.FAILED
    assert result.summary.startswith("orders.pull: verification failed: ")
    assert "503" in result.summary
    assert world.sandbox.full_token not in result.summary
    assert not result.complete


def test_a_stop_ends_the_check_at_a_page_and_says_so(world: VerifyWorld) -> None:
    stop = threading.Event()
    stop.set()

    [result] = world.verifier.verify(world.integration_id, stop=stop)

    assert result.status is VerificationStatus.FAILED
    assert result.summary == (
        "orders.pull: verification failed: stopped before the end: OrderHub was stopping"
    )


class BusyRunner:
    """A runner whose flow is busy `busy` times, then runs."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.calls = 0

    def run_flow(self, integration_id: str, flow: FlowName, **_options: Any) -> Run:
        self.calls += 1
        if self.calls <= self.busy:
            raise FlowBusy("busy")
        return Run(
            run_id="r",
            integration=integration_id,
            flow=flow,
            status=RunStatus.SUCCEEDED,
            started_at=datetime.now(UTC),
        )


def test_the_refetch_waits_for_a_running_flow_then_leaves_it_to_the_next_run() -> None:
    slept: list[float] = []
    waited = BusyRunner(busy=2)
    assert (
        refetch(waited, "i", ORDERS, stop=None, sleep=slept.append, tries=3, wait_seconds=5)  # type: ignore[arg-type]
        is None
    )
    assert (waited.calls, slept) == (3, [5, 5])

    always = BusyRunner(busy=99)
    message = refetch(always, "i", ORDERS, stop=None, sleep=slept.append, tries=3, wait_seconds=5)  # type: ignore[arg-type]
    assert message is not None
    assert "next run picks them up" in message
    assert always.calls == 3


def test_at_most_a_thousand_gaps_are_recorded_per_flow(
    world: VerifyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cap is read at each call: checked at 20, a thousand exception rows (5-10 s, a
    # slow test) would show nothing more.
    assert MAX_REFETCH == 1_000
    cap = 20
    monkeypatch.setattr(verification_gaps, "MAX_REFETCH", cap)
    gaps = [
        Gap("missing", "order", str(900_000 + n), str(900_000 + n), f"order X{n}")
        for n in range(cap + 5)
    ]

    covered = record_gaps(
        world.hub.db, world.integration_id, ORDERS, gaps, "v", now=datetime.now(UTC)
    )

    assert len(covered) == cap
    with world.hub.db.read_session() as session:
        opened = exception_store.open_exception_ids(session, world.integration_id, ORDERS, "order")
    assert len(opened) == cap


def test_the_daily_schedule_follows_the_setting(world: VerifyWorld) -> None:
    assert daily_verifications(world.hub) is not None
    never = replace(world.hub, settings=world.hub.settings.replace(verify_every_hours=0.0))
    assert daily_verifications(never) is None
