"""A retry takes exactly what it names: every open exception of a flow, one reason's, or one
record's; the flow's other open exceptions wait for their own time, as in any run."""

from __future__ import annotations

from orderhub.clock import FakeClock
from orderhub.domain import ExceptionStatus, FlowName
from orderhub.engine import FlowRunner
from orderhub.engine.backoff import flows_with_open_exceptions
from orderhub.secrets import SecretBox
from orderhub.store import Database
from orderhub.store import exceptions as store_exceptions

from .engine_fakes import ENTITY, FLOW, FakeSource, add_integration, location, registry_for


def two_reasons(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> tuple[FlowRunner, str]:
    """L1 and L2 fail as `invalidRecord`, L3 as `missingSku`; each has failed twice, so none
    is due again for 30 s."""
    source.pages = [[location("L1", bad=True), location("L2", bad=True)]]
    integration_id = add_integration(database, box)
    runner = FlowRunner(database, box, registry_for(source), clock=clock, sleep=clock.sleep)
    runner.run_flow(integration_id, FLOW)
    runner.run_flow(integration_id, FLOW)  # the second failure: each now waits 30 s
    with database.session() as session:
        for _ in range(2):
            store_exceptions.raise_exception(
                session,
                integration_id=integration_id,
                flow=FLOW,
                entity_type=ENTITY,
                ext_entity_id="L3",
                exception_type="missingSku",
                message="no SKU",
                raw=None,
                now=clock.now(),
            )
    runner.run_flow(integration_id, FLOW)
    assert source.seen[-1].retry_ext_ids == []  # nothing due: a plain run retries none
    return runner, integration_id


def test_a_retry_of_one_reason_retries_that_reasons_exceptions_only(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    runner, integration_id = two_reasons(database, box, clock, source)

    runs = runner.retry_all(integration_id, flow=FLOW, reason="missingSku")
    assert [(r.flow, r.trigger) for r in runs] == [(FLOW, "retry")]
    assert source.seen[-1].retry_ext_ids == ["L3"]

    runs = runner.retry_all(integration_id, flow=FLOW, reason="invalidRecord")
    assert source.seen[-1].retry_ext_ids == ["L1", "L2"]

    assert runner.retry_all(integration_id, flow=FLOW, reason="noSuchReason") == []

    runner.retry_all(integration_id, flow=FLOW)
    assert source.seen[-1].retry_ext_ids == ["L1", "L2", "L3"]


def test_a_retry_of_one_exception_retries_that_record_only(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    runner, integration_id = two_reasons(database, box, clock, source)
    with database.read_session() as session:
        items = store_exceptions.list_exceptions(
            session, status=ExceptionStatus.OPEN, integration_id=integration_id
        )
    (second,) = [e for e in items if e.ext_entity_id == "L2"]

    runner.retry_exception(second.exception_id)
    assert source.seen[-1].retry_ext_ids == ["L2"]


def test_the_flows_to_retry_are_narrowed_by_integration_flow_and_reason(
    database: Database, box: SecretBox, clock: FakeClock, source: FakeSource
) -> None:
    _runner, integration_id = two_reasons(database, box, clock, source)
    other = add_integration(database, box)
    with database.read_session() as session:
        every = flows_with_open_exceptions(session, None)
        one_reason = flows_with_open_exceptions(session, None, reason="missingSku")
        elsewhere = flows_with_open_exceptions(session, other)
        other_flow = flows_with_open_exceptions(session, None, flow=FlowName.ORDERS_PULL)
    assert every == one_reason == [(integration_id, FLOW)]
    assert elsewhere == other_flow == []
