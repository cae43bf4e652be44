"""Integration settings: changed through the API, the CLI and the portal, each change recorded."""

from __future__ import annotations

from typer.testing import CliRunner

from orderhub.cli.main import app as cli_app
from orderhub.domain import FlowName
from orderhub.hub import Hub
from orderhub.services.integration_settings import (
    change_settings,
    integration_history,
    integration_settings,
)
from orderhub.store import flows as flow_store
from orderhub.store import integrations as integration_store
from orderhub.store.flows import FlowState

from .conftest import Api, add_integration_row


def settings_of(hub: Hub, integration_id: str) -> dict[str, object]:
    with hub.db.read_session() as session:
        integration = integration_store.get_integration(session, integration_id)
    assert integration is not None
    return dict(integration.settings)


def test_settings_change_through_the_api_and_each_change_is_in_the_history(api: Api) -> None:
    integration = add_integration_row(api.hub)
    path = f"/api/v3/integrations/{integration.integration_id}"

    answer = api.writer.put(
        path, json={"settings": {"productsPushCatalogs": "shared", "productsDefaultStatusId": 3}}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["integration"]["settings"]["productsPushCatalogs"] == "shared"
    assert settings_of(api.hub, integration.integration_id) == {
        "productsPushCatalogs": "shared",
        "productsDefaultStatusId": 3,
    }
    notes = [e.note for e in integration_history(api.hub, integration.integration_id)]
    assert "productsPushCatalogs: (not set) → shared" in notes
    assert "productsDefaultStatusId: (not set) → 3" in notes
    assert {e.actor for e in integration_history(api.hub, integration.integration_id)} == {"api"}


def test_one_bad_value_changes_nothing_and_is_named(api: Api) -> None:
    integration = add_integration_row(api.hub)
    path = f"/api/v3/integrations/{integration.integration_id}"

    answer = api.writer.put(
        path, json={"settings": {"productsPushCatalogs": "shared", "productsDefaultStatusId": "-1"}}
    )

    assert answer.status_code == 422
    assert "productsDefaultStatusId: must be a Cart.com id" in answer.json()["message"]
    assert settings_of(api.hub, integration.integration_id) == {}
    unknown = api.writer.put(path, json={"settings": {"colour": "blue"}})
    assert unknown.status_code == 422
    assert "'colour' is not a setting" in unknown.json()["message"]
    assert (
        api.reader.put(path, json={"settings": {"productsPushCatalogs": "own"}}).status_code == 403
    )


def test_a_reset_returns_to_the_default_and_an_unchanged_value_records_nothing(hub: Hub) -> None:
    integration = add_integration_row(hub)
    integration_id = integration.integration_id
    assert change_settings(
        hub, integration_id, {"productsPushCatalogs": "SHARED"}, actor="cli"
    ) == ["productsPushCatalogs: (not set) → shared"]
    assert (
        change_settings(hub, integration_id, {"productsPushCatalogs": "shared"}, actor="cli") == []
    )
    assert change_settings(hub, integration_id, {"productsPushCatalogs": None}, actor="cli") == [
        "productsPushCatalogs: shared → the default (own)"
    ]
    [catalogs, *_] = integration_settings(hub, integration_id)
    assert (catalogs.value, catalogs.effective, catalogs.is_default) == (None, "own", True)
    assert len(integration_history(hub, integration_id)) == 2


def test_the_cli_shows_and_changes_settings(hub: Hub) -> None:
    integration = add_integration_row(hub)
    env = {
        "ORDERHUB_HOME": str(hub.settings.home),
        "ORDERHUB_DATABASE_URL": hub.settings.database_url,
        "COLUMNS": "200",
    }
    runner = CliRunner()
    integration_id = integration.integration_id

    changed = runner.invoke(
        cli_app,
        ["integrations", "settings", integration_id, "productsDefaultCategoryId=12"],
        env=env,
    )

    assert changed.exit_code == 0, changed.output
    assert "Changed productsDefaultCategoryId: (not set) → 12" in changed.stdout
    assert "own (default)" in changed.stdout
    assert settings_of(hub, integration_id) == {"productsDefaultCategoryId": 12}
    bad = runner.invoke(
        cli_app, ["integrations", "settings", integration_id, "productsPushCatalogs"], env=env
    )
    assert bad.exit_code == 1
    assert "KEY=VALUE" in bad.stderr


def flow_of(hub: Hub, integration_id: str, flow: FlowName) -> FlowState:
    with hub.db.read_session() as session:
        return flow_store.get_flow_state(session, integration_id, flow)


def test_a_pull_flows_polling_is_a_setting_its_schedule_follows(api: Api) -> None:
    integration = add_integration_row(api.hub)
    integration_id = integration.integration_id
    path = f"/api/v3/integrations/{integration_id}"
    assert flow_of(api.hub, integration_id, FlowName.ORDERS_PULL).max_interval_seconds == 900

    answer = api.writer.put(
        path, json={"settings": {"ordersPullPollMinutes": 60, "locationsPullPollMinutes": "0"}}
    )
    assert answer.status_code == 422
    assert "locationsPullPollMinutes: must be whole minutes from 1 to 1440" in answer.text
    answer = api.writer.put(path, json={"settings": {"ordersPullPollMinutes": 60}})

    assert answer.status_code == 200, answer.text
    flows = {f["flow"]: f for f in answer.json()["integration"]["flows"]}
    assert flows["orders.pull"]["maxIntervalSeconds"] == 3600
    assert flows["products.pull"]["maxIntervalSeconds"] == 900
    orders = flow_of(api.hub, integration_id, FlowName.ORDERS_PULL)
    assert (orders.interval_seconds, orders.max_interval_seconds) == (60, 3600)
    notes = [e.note for e in integration_history(api.hub, integration_id)]
    assert "ordersPullPollMinutes: (not set) → 60" in notes

    # Shorter than the flow's busy interval: that comes down with it. A reset: the default.
    change_settings(api.hub, integration_id, {"ordersPullPollMinutes": "1"}, actor="cli")
    orders = flow_of(api.hub, integration_id, FlowName.ORDERS_PULL)
    assert (orders.interval_seconds, orders.max_interval_seconds) == (60, 60)
    change_settings(api.hub, integration_id, {"ordersPullPollMinutes": None}, actor="cli")
    assert flow_of(api.hub, integration_id, FlowName.ORDERS_PULL).max_interval_seconds == 900
    notes = [e.note for e in integration_history(api.hub, integration_id)]
    assert "ordersPullPollMinutes: 1 → the default (15)" in notes


def test_order_status_settings_are_written_as_text_and_kept_as_json(api: Api) -> None:
    integration = add_integration_row(api.hub)
    integration_id = integration.integration_id
    path = f"/api/v3/integrations/{integration_id}"

    answer = api.writer.put(
        path,
        json={
            "settings": {
                "ordersPullSkipStatuses": "Quote, declined",
                "orderStatusMap": "Backordered=onHold, Awaiting Pickup=readyForFulfillment",
            }
        },
    )

    assert answer.status_code == 200, answer.text
    kept = {
        "ordersPullSkipStatuses": ["Quote", "declined"],
        "orderStatusMap": {"Backordered": "onHold", "Awaiting Pickup": "readyForFulfillment"},
    }
    assert {k: answer.json()["integration"]["settings"][k] for k in kept} == kept
    assert settings_of(api.hub, integration_id) == kept
    notes = [e.note for e in integration_history(api.hub, integration_id)]
    assert "ordersPullSkipStatuses: (every status is pulled) → Quote, declined" in notes
    bad = api.writer.put(
        path, json={"settings": {"ordersPullSkipStatuses": "Quote", "orderStatusMap": "X=held"}}
    )
    assert bad.status_code == 422
    assert "orderStatusMap: maps 'X' to 'held', which is not a hub status" in bad.text
    assert settings_of(api.hub, integration_id) == kept  # one bad value changes nothing

    env = {
        "ORDERHUB_HOME": str(api.hub.settings.home),
        "ORDERHUB_DATABASE_URL": api.hub.settings.database_url,
        "COLUMNS": "250",
    }
    shown = CliRunner().invoke(
        cli_app,
        ["integrations", "settings", integration_id, "ordersPullSkipStatuses="],
        env=env,
    )
    assert shown.exit_code == 0, shown.output
    assert (
        "Changed ordersPullSkipStatuses: Quote, declined → the default (every status is pulled)"
        in shown.stdout
    )
    assert "Backordered=onHold, Awaiting Pickup=readyForFulfillment" in shown.stdout
