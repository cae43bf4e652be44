"""Disabling, re-timing and keeping the connection report of an integration, and resolving
an exception by hand: the writes the portal, the API and the CLI make only through services."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from orderhub.clock import FakeClock
from orderhub.domain import (
    ConnectionReport,
    ExceptionStatus,
    FlowName,
    IntegrationStatus,
)
from orderhub.errors import NotFoundError
from orderhub.hub import Hub, default_registry
from orderhub.secrets import SecretBox
from orderhub.services.exceptions import resolve_exception
from orderhub.services.integrations import (
    CONNECTION_REPORT_SETTING,
    disable_integration,
    keep_connection_report,
    set_flow_interval,
)
from orderhub.settings import Settings
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store
from orderhub.store.database import Database
from orderhub.store.records import EntityKind, Origin, upsert_record
from orderhub.store.timeline import timeline

KEY = "integration-controls-test-secret-key"
NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def hub(database: Database, tmp_path: Path) -> Hub:
    settings = Settings(home=tmp_path, database_url="unused://", secret_key=KEY)
    return Hub(
        settings=settings,
        db=database,
        box=SecretBox(KEY),
        registry=default_registry(),
        clock=FakeClock(NOW),
    )


@pytest.fixture
def integration_id(hub: Hub) -> str:
    with hub.db.session() as session:
        made = integration_store.create_integration(
            session,
            connector="cartcom",
            name="Shop",
            api_url="http://127.0.0.1:9",
            api_token="token-0000000000000000",
            box=hub.box,
            now=NOW,
        )
        integration_store.mark_connected(session, made.integration_id, now=NOW)
    return made.integration_id


def test_disable_switches_the_integration_off_and_names_an_unknown_one(
    hub: Hub, integration_id: str
) -> None:
    assert disable_integration(hub, integration_id).status is IntegrationStatus.DISABLED
    with pytest.raises(NotFoundError):
        disable_integration(hub, "nope")


def test_flow_interval_and_connection_report_are_kept(hub: Hub, integration_id: str) -> None:
    set_flow_interval(hub, integration_id, FlowName.ORDERS_PULL, 300)
    report = ConnectionReport(ok=True, connected=True, summary="All permissions granted")
    keep_connection_report(hub, integration_id, report)
    with hub.db.read_session() as session:
        held = integration_store.get_integration(session, integration_id)
    assert held is not None
    [orders] = [f for f in held.flows if f.flow is FlowName.ORDERS_PULL]
    assert orders.interval_seconds == 300
    kept = held.settings[CONNECTION_REPORT_SETTING]
    assert kept["at"] == NOW.isoformat()
    assert ConnectionReport.model_validate(kept["report"]) == report
    with pytest.raises(NotFoundError):
        set_flow_interval(hub, "nope", FlowName.ORDERS_PULL, 300)


def test_resolving_by_hand_notes_who_did_it_on_the_record_once(
    hub: Hub, integration_id: str
) -> None:
    with hub.db.session() as session:
        order = upsert_record(
            session,
            EntityKind.ORDER,
            integration_id=integration_id,
            ext_id="1001",
            data={"extOrderId": "#1001", "status": "new", "lineItems": []},
            source_doc=None,
            origin=Origin(integration_id=integration_id),
            now=NOW,
        )
        raised = exception_store.raise_exception(
            session,
            integration_id=integration_id,
            flow=FlowName.ORDERS_PULL,
            entity_type="order",
            ext_entity_id="1001",
            exception_type="mappingFailed",
            message="bad order",
            raw={},
            now=NOW,
        )
    exception_id = raised.exception_id
    first = resolve_exception(hub, exception_id, actor="portal", by="ada@example.com")
    again = resolve_exception(hub, exception_id, actor="portal", by="ada@example.com")
    assert first.resolved_now
    assert first.exception.status is ExceptionStatus.RESOLVED
    assert not again.resolved_now
    with hub.db.read_session() as session:
        notes = [e for e in timeline(session, EntityKind.ORDER, order.hub_id) if e.note]
    assert [n.note for n in notes] == [
        "Exception mappingFailed marked resolved by ada@example.com in the portal "
        "(not fixed by a sync)"
    ]
    with pytest.raises(NotFoundError):
        resolve_exception(hub, "nope", actor="api")
