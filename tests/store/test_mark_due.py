"""A trigger makes flows due now, coalesced: only enabled flows, only forward in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderhub.domain import FlowName
from orderhub.secrets import SecretBox
from orderhub.store import integrations as store
from orderhub.store.database import Database

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _integration(database: Database) -> str:
    with database.session() as session:
        made = store.create_integration(
            session,
            connector="cartcom",
            name="Shop",
            api_url="https://shop.example.com",
            api_token="token",
            box=SecretBox("mark-due-test-key"),
            now=NOW,
        )
    return made.integration_id


def _schedule(database: Database, integration_id: str, flow: FlowName, at: datetime) -> None:
    with database.session() as session:
        store.set_flow_enabled(session, integration_id, flow, True, now=NOW)
        store.set_flow_schedule(
            session, integration_id, flow, last_run_at=None, next_run_at=at, last_error=None
        )


def test_only_enabled_flows_scheduled_later_move_to_now(database: Database) -> None:
    integration_id = _integration(database)
    _schedule(database, integration_id, FlowName.ORDERS_PULL, NOW + timedelta(minutes=5))
    _schedule(database, integration_id, FlowName.PRODUCTS_PULL, NOW - timedelta(seconds=1))

    with database.session() as session:
        moved = store.mark_due(
            session,
            integration_id,
            [FlowName.ORDERS_PULL, FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL],
            now=NOW,
        )
        again = store.mark_due(session, integration_id, [FlowName.ORDERS_PULL], now=NOW)

    assert moved == [FlowName.ORDERS_PULL]  # products.pull was due already; locations is off
    assert again == []  # a burst of triggers is one run
    with database.read_session() as session:
        orders = store.get_flow_state(session, integration_id, FlowName.ORDERS_PULL)
        products = store.get_flow_state(session, integration_id, FlowName.PRODUCTS_PULL)
    assert orders.next_run_at == NOW
    assert products.next_run_at == NOW - timedelta(seconds=1)
