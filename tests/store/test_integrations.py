"""Integrations: creation with six flows off, the token at rest, status and enabled_at."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from orderhub.domain import ExceptionStatus, FlowName, IntegrationStatus, RunCounts, RunStatus
from orderhub.secrets import SecretBox, SecretDecryptError
from orderhub.store import Database, EntityKind, NotFoundError, Origin
from orderhub.store.exceptions import list_exceptions, raise_exception
from orderhub.store.integrations import (
    create_integration,
    delete_integration,
    disable_integration,
    get_api_token,
    get_integration,
    list_integrations,
    mark_connected,
    mark_error,
    set_api_token,
    update_integration_settings,
)
from orderhub.store.leases import flow_lease_key, holder, try_acquire
from orderhub.store.records import get_record, upsert_record
from orderhub.store.runs import finish_run, list_runs, start_run
from orderhub.store.tables import FlowRow, IntegrationRow

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
TOKEN = "tok_0123456789abcdef"


def test_a_new_integration_has_six_flows_all_off(database: Database, box: SecretBox) -> None:
    with database.session() as session:
        created = create_integration(
            session,
            connector="cartcom",
            name="My store",
            api_url="https://shop.example.com",
            api_token="secret-token-9876",
            box=box,
            now=T0,
        )
    assert re.fullmatch(r"[0-9a-f]{16}", created.integration_id)
    with database.read_session() as session:
        integration = get_integration(session, created.integration_id)
    assert integration == created
    assert integration.status is IntegrationStatus.NOT_CONFIGURED
    assert integration.connector == "cartcom"
    assert integration.enabled_at is None
    assert integration.api_key_hint == "\u2022" * 8 + "9876"
    assert [flow.flow for flow in integration.flows] == list(FlowName)
    assert not any(flow.enabled for flow in integration.flows)
    assert {flow.interval_seconds for flow in integration.flows} == {60}
    assert integration.created_at == integration.updated_at == T0


def test_the_token_is_encrypted_at_rest(
    database: Database, box: SecretBox, integration_id: str
) -> None:
    with database.read_session() as session:
        stored = session.scalar(
            select(IntegrationRow.api_token_encrypted).where(
                IntegrationRow.integration_id == integration_id
            )
        )
        assert stored is not None
        assert TOKEN not in stored
        assert get_api_token(session, integration_id, box) == TOKEN
        # The domain model never carries the token.
        integration = get_integration(session, integration_id)
        assert integration is not None
        assert TOKEN not in integration.model_dump_json()


def test_a_wrong_secret_key_gives_a_clear_error(database: Database, integration_id: str) -> None:
    with (
        database.read_session() as session,
        pytest.raises(SecretDecryptError, match="ORDERHUB_SECRET_KEY"),
    ):
        get_api_token(session, integration_id, SecretBox("another key"))


def test_set_api_token_replaces_token_and_hint(
    database: Database, box: SecretBox, integration_id: str
) -> None:
    with database.session() as session:
        set_api_token(session, integration_id, "new-token-abcdef-WXYZ", box)
    with database.read_session() as session:
        assert get_api_token(session, integration_id, box) == "new-token-abcdef-WXYZ"
        integration = get_integration(session, integration_id)
    assert integration is not None
    assert integration.api_key_hint is not None
    assert integration.api_key_hint.endswith("WXYZ")


def test_unknown_integrations(database: Database, box: SecretBox) -> None:
    with database.session() as session:
        assert get_integration(session, "missing") is None
        assert delete_integration(session, "missing") is False
        with pytest.raises(NotFoundError):
            get_api_token(session, "missing", box)
        with pytest.raises(NotFoundError):
            mark_connected(session, "missing", now=T0)


def test_list_integrations_oldest_first(database: Database, box: SecretBox) -> None:
    with database.session() as session:
        first = create_integration(
            session, connector="cartcom", name="A", api_url="u", api_token="t", box=box, now=T0
        )
        later = T0 + timedelta(minutes=1)
        second = create_integration(
            session, connector="cartcom", name="B", api_url="u", api_token="t", box=box, now=later
        )
    with database.read_session() as session:
        listed = list_integrations(session)
    assert [i.integration_id for i in listed] == [first.integration_id, second.integration_id]
    assert all(len(i.flows) == len(FlowName) for i in listed)


def test_enabled_at_is_set_by_the_first_successful_connection(
    database: Database, integration_id: str
) -> None:
    connect = T0 + timedelta(hours=1)
    with database.session() as session:
        integration = mark_connected(session, integration_id, now=connect)
    assert integration.status is IntegrationStatus.CONNECTED
    assert integration.enabled_at == connect
    # Re-testing a connected integration keeps its start point.
    with database.session() as session:
        retested = mark_connected(session, integration_id, now=connect + timedelta(days=2))
    assert retested.enabled_at == connect
    assert retested.updated_at == connect + timedelta(days=2)


def test_an_error_keeps_enabled_at_and_recovery_keeps_it_too(
    database: Database, integration_id: str
) -> None:
    connect = T0 + timedelta(hours=1)
    with database.session() as session:
        mark_connected(session, integration_id, now=connect)
        mark_error(session, integration_id, "401 Unauthorized", now=connect + timedelta(hours=1))
    with database.read_session() as session:
        failed = get_integration(session, integration_id)
    assert failed is not None
    assert (failed.status, failed.status_message, failed.enabled_at) == (
        IntegrationStatus.ERROR,
        "401 Unauthorized",
        connect,
    )
    with database.session() as session:
        recovered = mark_connected(session, integration_id, now=connect + timedelta(hours=2))
    assert recovered.status is IntegrationStatus.CONNECTED
    assert recovered.status_message is None
    assert recovered.enabled_at == connect


def test_connecting_again_after_disable_moves_enabled_at(
    database: Database, integration_id: str
) -> None:
    connect, disable, reconnect = T0, T0 + timedelta(days=1), T0 + timedelta(days=3)
    with database.session() as session:
        mark_connected(session, integration_id, now=connect)
        disable_integration(session, integration_id, now=disable)
    with database.read_session() as session:
        disabled = get_integration(session, integration_id)
    assert disabled is not None
    assert disabled.status is IntegrationStatus.DISABLED
    assert disabled.enabled_at == connect
    with database.session() as session:
        # A failed test in between does not make the reconnection a mere recovery.
        mark_error(session, integration_id, "timeout", now=reconnect - timedelta(hours=1))
        again = mark_connected(session, integration_id, now=reconnect)
    assert again.status is IntegrationStatus.CONNECTED
    assert again.enabled_at == reconnect
    with database.session() as session:
        retested = mark_connected(session, integration_id, now=reconnect + timedelta(hours=1))
    assert retested.enabled_at == reconnect


def test_delete_removes_flows_runs_exceptions_and_leases_but_keeps_records(
    database: Database, box: SecretBox, integration_id: str
) -> None:
    with database.session() as session:
        other = create_integration(
            session, connector="cartcom", name="B", api_url="u", api_token="t", box=box, now=T0
        )
        for owner in (integration_id, other.integration_id):
            run_id = start_run(
                session, integration_id=owner, flow=FlowName.ORDERS_PULL, trigger="schedule", now=T0
            )
            finish_run(
                session,
                run_id,
                status=RunStatus.SUCCEEDED,
                counts=RunCounts(),
                api_calls=1,
                rate_limit_wait_seconds=0,
                error=None,
                now=T0,
            )
            raise_exception(
                session,
                integration_id=owner,
                flow=FlowName.ORDERS_PULL,
                entity_type="order",
                ext_entity_id="1",
                exception_type="mapping",
                message="bad",
                raw=None,
                now=T0,
            )
            assert try_acquire(
                session,
                key=flow_lease_key(owner, FlowName.ORDERS_PULL),
                owner="h:1:n",
                ttl_seconds=60,
                now=T0,
            )
        record = upsert_record(
            session,
            EntityKind.ORDER,
            integration_id=integration_id,
            ext_id="1",
            data={"extOrderId": "1"},
            source_doc=None,
            origin=Origin(integration_id),
            now=T0,
        )
    with database.session() as session:
        assert delete_integration(session, integration_id) is True
    with database.read_session() as session:
        assert get_integration(session, integration_id) is None
        assert (
            session.scalar(
                select(func.count())
                .select_from(FlowRow)
                .where(FlowRow.integration_id == integration_id)
            )
            == 0
        )
        assert list_runs(session, integration_id=integration_id) == []
        assert list_exceptions(session, integration_id=integration_id) == []
        assert holder(session, key=flow_lease_key(integration_id, FlowName.ORDERS_PULL)) is None
        kept = get_record(session, EntityKind.ORDER, record.hub_id)
        assert kept is not None
        assert kept.integration_id == integration_id
        # The other integration is untouched.
        assert get_integration(session, other.integration_id) is not None
        assert len(list_runs(session, integration_id=other.integration_id)) == 1
        assert (
            len(
                list_exceptions(
                    session, integration_id=other.integration_id, status=ExceptionStatus.OPEN
                )
            )
            == 1
        )
        assert (
            holder(session, key=flow_lease_key(other.integration_id, FlowName.ORDERS_PULL))
            == "h:1:n"
        )


def test_integration_settings_merge_and_survive_a_reload(
    database: Database, box: SecretBox
) -> None:
    with database.session() as session:
        created = create_integration(
            session,
            connector="cartcom",
            name="s",
            api_url="https://s.example",
            api_token=TOKEN,
            box=box,
            now=T0,
        )
        assert created.settings == {}
        update_integration_settings(session, created.integration_id, {"buffer": 2, "x": 1}, now=T0)
        update_integration_settings(session, created.integration_id, {"x": None}, now=T0)
    with database.session() as session:
        reloaded = get_integration(session, created.integration_id)
    assert reloaded is not None
    assert reloaded.settings == {"buffer": 2}
