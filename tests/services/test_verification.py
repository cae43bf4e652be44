"""Verify finds the gaps made on purpose, re-fetches them through the flow, and then says 0.

Each gap is forged in the sandbox so that the pull's cursor has already passed it: a record
whose `updated_at` is set to before the cursor is never read by the next run, as a record
lost by a dropped webhook with the safety poll off would never be.
"""

from __future__ import annotations

from datetime import timedelta

from orderhub.domain import ExceptionStatus, FlowName, VerificationStatus
from orderhub.store import exceptions as exception_store
from orderhub.store import verifications as verification_store
from orderhub.store.records import EntityKind, count_records
from support.verify_world import VerifyWorld, minutes_ago

ORDERS = FlowName.ORDERS_PULL


def held_orders(world: VerifyWorld) -> int:
    with world.hub.db.read_session() as session:
        return count_records(session, EntityKind.ORDER, integration_id=world.integration_id)


def order_label(world: VerifyWorld, order_id: int) -> str:
    """How verify names an order: its number, or its id when Cart.com gives it none."""
    order = world.sandbox.store.get_order(order_id, expand=False)
    assert order is not None
    number = str(order.get("order_number") or "").strip()
    return f"order {number}" if number else f"order id {order_id}"


def first_order(world: VerifyWorld) -> int:
    return int(world.sandbox.store.tables["orders"].ids[0])


def test_a_complete_hub_verifies_clean(world: VerifyWorld) -> None:
    result = world.verify()[ORDERS]

    assert result.status is VerificationStatus.COMPLETE
    assert (result.missing, result.stale, result.refetched) == (0, 0, 0)
    assert result.checked == held_orders(world)
    assert result.summary.startswith("orders.pull: 0 missing, 0 stale since 2000-01-01 00:00 UTC")


def test_orders_the_cursor_passed_are_found_refetched_and_then_verify_says_zero(
    world: VerifyWorld,
) -> None:
    behind = world.cursor_time(ORDERS) - timedelta(minutes=5)
    forged = world.sandbox.store.burst_orders(3, updated_at=behind)
    world.run(ORDERS)  # the pull reads from its cursor: it never sees them
    before = held_orders(world)
    labels = {order_label(world, order_id) for order_id in forged}

    first = world.verify()[ORDERS]

    assert (first.missing, first.stale) == (3, 0)
    assert first.status is VerificationStatus.REPAIRED
    assert first.refetched == 3
    assert first.remaining == 0
    assert {line.split(":")[0] for line in first.gaps} == labels
    assert first.summary.endswith(f"({first.checked} checked); re-fetched 3, now 0 missing")
    assert held_orders(world) == before + 3
    with world.hub.db.read_session() as session:
        opened = exception_store.list_exceptions(session, integration_id=world.integration_id)
        history = verification_store.list_verifications(
            session, integration_id=world.integration_id
        )
    assert {e.ext_entity_id for e in opened} == {str(i) for i in forged}
    assert {e.exception_type for e in opened} == {"missingInHub"}
    assert all(e.status is ExceptionStatus.RESOLVED for e in opened)
    assert history[0].verification_id == first.verification_id

    second = world.verify()[ORDERS]
    assert (second.missing, second.stale, second.status) == (0, 0, VerificationStatus.COMPLETE)
    assert second.checked == first.checked


def test_an_order_changed_behind_the_cursor_is_stale_until_refetched(world: VerifyWorld) -> None:
    order_id = first_order(world)
    world.sandbox.store.update_order(order_id, gift_message="Happy birthday")
    world.touch("orders", order_id, world.cursor_time(ORDERS) - timedelta(minutes=5))

    first = world.verify()[ORDERS]

    assert (first.missing, first.stale, first.status) == (0, 1, VerificationStatus.REPAIRED)
    assert first.gaps[0].startswith(f"{order_label(world, order_id)}: stale (updated in Cart.com")
    assert "the hub's copy is from" in first.gaps[0]
    assert world.verify()[ORDERS].status is VerificationStatus.COMPLETE


def test_a_gap_the_flow_cannot_map_stays_open_with_the_flows_reason(world: VerifyWorld) -> None:
    order_id = first_order(world)
    world.sandbox.store.update_order(order_id, order_status_id=999)  # no such status
    world.touch("orders", order_id, world.cursor_time(ORDERS) - timedelta(minutes=5))

    result = world.verify()[ORDERS]

    assert (result.stale, result.refetched, result.remaining) == (1, 0, 1)
    assert result.status is VerificationStatus.GAPS
    assert result.summary.endswith("; 1 still open")
    with world.hub.db.read_session() as session:
        [still] = exception_store.list_exceptions(session, status=ExceptionStatus.OPEN)
    assert (still.ext_entity_id, still.exception_type) == (str(order_id), "unknownStatus")


def test_an_order_updated_just_now_is_left_to_the_pull(world: VerifyWorld) -> None:
    order_id = first_order(world)
    world.sandbox.store.update_order(order_id, gift_message="Just now")  # updated_at: now

    result = world.verify(repair=False)[ORDERS]

    assert (result.missing, result.stale) == (0, 0)
    assert result.checked_until is not None
    assert result.checked_until < minutes_ago(1)
