"""A record the store fails to give never blocks a pull: the page is taken apart around it."""

from __future__ import annotations

from orderhub.domain import FlowName, RunStatus
from orderhub.engine.pull import UNREADABLE
from orderhub.store.records import EntityKind, list_records

from .conftest import World


def _held(world: World) -> set[str]:
    with world.hub.db.read_session() as session:
        return {r.ext_id for r in list_records(session, EntityKind.ORDER, limit=10_000)}


def test_an_order_the_store_cannot_give_is_one_exception_and_the_others_land(
    world: World,
) -> None:
    made = [world.sandbox.store.create_order()["id"] for _ in range(250)]
    poisoned = made[130]
    world.sandbox.faults.poison(poisoned)  # every call whose answer holds it in full: 500

    run = world.must_run(FlowName.ORDERS_PULL)

    held = _held(world)
    assert {str(i) for i in made} - held == {str(poisoned)}
    [exception] = world.open_exceptions(FlowName.ORDERS_PULL)
    assert (exception.ext_entity_id, exception.exception_type) == (str(poisoned), UNREADABLE)
    assert run.counts.failed == 1

    again = world.must_run(FlowName.ORDERS_PULL, trigger="retry")  # still broken: still one
    assert again.counts.failed == 1
    assert len(world.open_exceptions(FlowName.ORDERS_PULL)) == 1

    world.sandbox.faults.clear()
    healed = world.must_run(FlowName.ORDERS_PULL, trigger="retry")

    assert str(poisoned) in _held(world)
    assert world.open_exceptions(FlowName.ORDERS_PULL) == []
    assert healed.counts.created == 1


def test_a_store_failing_every_order_fails_the_run(world: World) -> None:
    made = [world.sandbox.store.create_order()["id"] for _ in range(20)]
    for order_id in made:
        world.sandbox.faults.poison(order_id)

    down = world.run(FlowName.ORDERS_PULL)

    assert down.status is RunStatus.FAILED
    assert "different records failed in a row" in (down.error or "")
    world.sandbox.faults.clear()
    world.must_run(FlowName.ORDERS_PULL)
    assert {str(i) for i in made} <= _held(world)
