"""`FlowContext.upsert_many`: a page's upserts counted, planned and resolved like `upsert`'s."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from orderhub.clock import FakeClock
from orderhub.domain import ExceptionStatus, FlowName, Integration
from orderhub.engine import FlowContext
from orderhub.secrets import SecretBox
from orderhub.store import Database, EntityKind
from orderhub.store import integrations as store_integrations
from orderhub.store.exceptions import list_exceptions
from orderhub.store.feed import changes_since
from orderhub.store.records import UpsertItem, get_record_by_ext

from .engine_fakes import T0, TOKEN

FLOW = FlowName.ORDERS_PULL


@pytest.fixture
def integration(database: Database, box: SecretBox) -> Integration:
    with database.session() as session:
        return store_integrations.create_integration(
            session,
            connector="cartcom",
            name="Test store",
            api_url="https://store.example.com",
            api_token=TOKEN,
            box=box,
            now=T0,
        )


def context(
    database: Database, integration: Integration, clock: FakeClock, **extra: Any
) -> FlowContext:
    return FlowContext(
        db=database,
        integration=integration,
        api_token=TOKEN,
        flow=FLOW,
        run_id="run_1",
        clock=clock,
        **extra,
    )


def page(ctx: FlowContext, *statuses: tuple[str, str]) -> list[UpsertItem]:
    return [
        UpsertItem(ctx.integration_id, ext_id, {"extOrderId": ext_id, "status": status}, None)
        for ext_id, status in statuses
    ]


def fail(ctx: FlowContext, ext_id: str) -> None:
    with ctx.unit_of_work() as session:
        ctx.fail_record(
            session,
            entity_type="order",
            ext_id=ext_id,
            exception_type="invalidRecord",
            message="no lines",
            raw={"id": ext_id},
        )


def open_ids(database: Database, integration_id: str) -> set[str]:
    with database.read_session() as session:
        found = list_exceptions(session, status=ExceptionStatus.OPEN, integration_id=integration_id)
    return {e.ext_entity_id for e in found if e.ext_entity_id is not None}


def test_counts_results_and_stamps_every_change_with_the_run(
    database: Database, integration: Integration, clock: FakeClock
) -> None:
    ctx = context(database, integration, clock)
    with ctx.unit_of_work() as session:
        first = ctx.upsert_many(session, EntityKind.ORDER, page(ctx, ("1", "new"), ("2", "new")))
    with ctx.unit_of_work() as session:
        second = ctx.upsert_many(
            session,
            EntityKind.ORDER,
            page(ctx, ("1", "new"), ("2", "shipped"), ("3", "new")),
            entity_type="order",
        )
    assert [r.outcome for r in first + second] == [
        "created",
        "created",
        "unchanged",
        "updated",
        "created",
    ]
    assert (ctx.counts.created, ctx.counts.updated, ctx.counts.unchanged) == (3, 1, 1)
    with database.read_session() as session:
        feed = changes_since(session, EntityKind.ORDER, 0)
        stored = get_record_by_ext(session, EntityKind.ORDER, ctx.integration_id, "2")
    assert len(feed) == 4
    assert {(c.run_id, c.flow, c.integration_id) for c in feed} == {
        ("run_1", FLOW.value, ctx.integration_id)
    }
    assert stored is not None
    assert stored.data["status"] == "shipped"


def test_resolves_the_pages_open_exceptions_in_one_statement(
    database: Database, integration: Integration, clock: FakeClock
) -> None:
    earlier = context(database, integration, clock)
    for ext_id in ("1", "2", "3"):
        fail(earlier, ext_id)
    assert open_ids(database, earlier.integration_id) == {"1", "2", "3"}

    ctx = context(database, integration, clock, retry_ext_ids=["1", "2", "3"])
    updates: list[str] = []

    def watch(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("UPDATE") and "exceptions" in sql:
            updates.append(sql)

    event.listen(database.engine, "before_cursor_execute", watch)
    try:
        with ctx.unit_of_work() as session:
            ctx.upsert_many(
                session,
                EntityKind.ORDER,
                page(ctx, ("1", "new"), ("2", "new"), ("9", "new")),
                entity_type="order",
            )
    finally:
        event.remove(database.engine, "before_cursor_execute", watch)
    assert len(updates) == 1
    assert open_ids(database, ctx.integration_id) == {"3"}


def test_a_rolled_back_page_takes_its_counts_back(
    database: Database, integration: Integration, clock: FakeClock
) -> None:
    ctx = context(database, integration, clock)
    created_inside: list[int] = []

    def failing_page() -> None:
        with ctx.unit_of_work() as session:
            ctx.upsert_many(session, EntityKind.ORDER, page(ctx, ("1", "new"), ("2", "new")))
            created_inside.append(ctx.counts.created)
            raise RuntimeError("the page failed after its upserts")

    with pytest.raises(RuntimeError, match="after its upserts"):
        failing_page()
    assert created_inside == [2]
    assert ctx.counts.created == 0
    with database.read_session() as session:
        assert get_record_by_ext(session, EntityKind.ORDER, ctx.integration_id, "1") is None


def test_a_dry_run_plans_each_write_in_order_and_keeps_nothing(
    database: Database, integration: Integration, clock: FakeClock
) -> None:
    ctx = context(database, integration, clock)
    with ctx.unit_of_work() as session:
        ctx.upsert_many(session, EntityKind.ORDER, page(ctx, ("1", "new")))
    dry = context(database, integration, clock, dry_run=True)
    with dry.unit_of_work() as session:
        dry.upsert_many(
            session,
            EntityKind.ORDER,
            page(dry, ("2", "new"), ("1", "shipped"), ("1", "shipped")),
            entity_type="order",
        )
    assert [change.line() for change in dry.planned] == [
        "would create order 2: extOrderId, status",
        "would update order 1: status",
    ]
    assert (dry.counts.created, dry.counts.updated, dry.counts.unchanged) == (1, 1, 1)
    with database.read_session() as session:
        assert get_record_by_ext(session, EntityKind.ORDER, dry.integration_id, "2") is None


def test_items_of_another_integration_are_refused(
    database: Database, integration: Integration, clock: FakeClock
) -> None:
    ctx = context(database, integration, clock)
    stranger = [UpsertItem("int_other", "1", {"extOrderId": "1"}, None)]
    with pytest.raises(ValueError, match="int_other"), ctx.unit_of_work() as session:
        ctx.upsert_many(session, EntityKind.ORDER, stranger)
    assert ctx.counts.created == 0
