"""The Alerts page: open problems, cleared ones, and where messages go."""

from __future__ import annotations

from datetime import timedelta

from portal_helpers import Portal

from orderhub.alert_settings import AlertSettings
from orderhub.alerts.monitor import AlertMonitor
from orderhub.store import exceptions as exception_store
from orderhub.store import integrations as integration_store


def pile_up(portal: Portal, count: int) -> str:
    hub = portal.hub
    now = hub.clock.now()
    with hub.db.session() as session:
        made = integration_store.create_integration(
            session,
            connector="cartcom",
            name="Cap Store",
            api_url="https://caps.example.com",
            api_token="tok_0123456789abcdef",
            box=hub.box,
            now=now,
        )
        integration_store.mark_connected(session, made.integration_id, now=now)
        for number in range(count):
            exception_store.raise_exception(
                session,
                integration_id=made.integration_id,
                flow=made.flows[0].flow,
                entity_type="order",
                ext_entity_id=str(number),
                exception_type="mappingFailed",
                message="no lines",
                raw=None,
                now=now,
            )
    return made.integration_id


def test_the_alerts_page_shows_open_and_cleared_problems(portal: Portal) -> None:
    client = portal.signed_in()
    empty = client.get("/alerts")
    assert empty.status_code == 200
    assert "No problem right now." in empty.text
    assert "No alert channel is set up" in empty.text
    assert 'href="/alerts"' in empty.text  # in the main navigation

    pile_up(portal, 3)
    monitor = AlertMonitor(
        portal.hub.db,
        AlertSettings(exceptions=2),
        clock=portal.hub.clock,
        channels=[],
        settle=timedelta(0),
    )
    assert len(monitor.look().opened) == 1
    shown = client.get("/alerts").text
    open_part = shown[shown.index("<h2>Open</h2>") : shown.index("<h2>Cleared</h2>")]
    assert "Cap Store: 3 open exceptions (more than 2)" in open_part
    assert "nobody yet" in open_part

    with portal.hub.db.session() as session:
        for item in exception_store.list_exceptions(session, limit=10):
            exception_store.resolve_exception(
                session, item.exception_id, now=portal.hub.clock.now()
            )
    assert len(monitor.look().cleared) == 1
    after = client.get("/alerts").text
    assert "No problem right now." in after
    cleared_part = after[after.index("<h2>Cleared</h2>") :]
    assert "Cap Store: 3 open exceptions (more than 2)" in cleared_part


def test_the_page_names_the_channels_without_the_webhook_path(portal: Portal) -> None:
    portal.hub.settings = portal.hub.settings.replace(
        alerts=AlertSettings(
            email_to=("ops@example.com",),
            webhook_url="https://ops.example.com/hooks/s3cr3t-path",
            webhook_secret="x",
        ),
    )
    page = portal.signed_in().get("/alerts").text
    assert "by e-mail to ops@example.com and a signed webhook to ops.example.com." in page
    assert "s3cr3t-path" not in page
