"""Adding, testing, switching and removing integrations and their flows.

Connecting is "test, then write": `add_integration` and `replace_api_key` run the connection
test with the URL and key they were given before they write anything, and write only what
connected. A failed Connect therefore leaves no integration behind (none in the Error state
that each retry would add to, and that `orderhub demo` used to refuse to start over), and a
new key that does not work never replaces one that does. The CLI, the REST API and the portal
all call these two, and show `ConnectionFailed` in their own way.

Each of these also keeps the store's webhook subscriptions in step
(`orderhub.services.webhooks`): connecting and testing check and repair them, switching a
pull flow subscribes or unsubscribes its events, removing deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import httpx
from sqlalchemy.orm import Session

from orderhub.connectors.base import Connector, StoreAccess
from orderhub.domain import (
    ConnectionReport,
    FlowName,
    FlowSetting,
    Integration,
    IntegrationStatus,
)
from orderhub.domain.bounds import InvalidValue, Name, check
from orderhub.errors import NotFoundError, UsageError
from orderhub.hub import Hub
from orderhub.secrets import SecretDecryptError
from orderhub.services.webhooks import sync_subscriptions, unsubscribe_all
from orderhub.store import integrations as store

__all__ = [
    "CONNECTION_REPORT_SETTING",
    "AddResult",
    "ConnectionFailed",
    "add_integration",
    "disable_flow",
    "disable_integration",
    "enable_flow",
    "keep_connection_report",
    "remove_integration",
    "replace_api_key",
    "require_integration",
    "retest_integration",
    "set_flow_interval",
]

CONNECTION_REPORT_SETTING = "lastConnectionTest"
"""The integration setting that keeps the last connection test: `{"at": ISO time, "report"}`."""


@dataclass(frozen=True)
class AddResult:
    integration: Integration
    report: ConnectionReport


class ConnectionFailed(UsageError):
    """The connection test failed, so nothing was written; the message is the test's summary."""

    def __init__(self, report: ConnectionReport, *, key_refused: bool = False) -> None:
        super().__init__(report.summary)
        self.report = report
        self.field: Literal["api_url", "api_key"] = "api_key" if key_refused else "api_url"
        """The input the merchant should fix: the key when the store refused it, else the URL."""


def add_integration(
    hub: Hub,
    *,
    api_url: str,
    api_key: str,
    name: str | None = None,
    connector: str | None = None,
    http: httpx.Client | None = None,
) -> AddResult:
    """Test the connection, then create the integration (connected, all flows off).

    `connector`: its kind (`hub.connectors`); None: the hub's first connector. Raises
    `ConnectionFailed` and creates nothing when the store cannot be reached or refuses the
    key. A store that connects with permissions missing is created: the report says which.
    """
    kind = connector if connector is not None else hub.connectors.kinds()[0]
    chosen = hub.connectors.get(kind)
    api_url = api_url.strip()
    if not api_url:
        raise UsageError(f"The API URL is empty; enter your store's URL, e.g. {chosen.url_example}")
    api_key = _given_key(chosen, api_key)
    name = _given_name(name) or chosen.default_name(api_url)
    report = _test(hub, chosen, api_url, api_key, http)
    now = hub.clock.now()
    with hub.db.session() as session:
        created = store.create_integration(
            session,
            connector=chosen.kind,
            name=name,
            api_url=api_url.rstrip("/"),
            api_token=api_key,
            box=hub.box,
            now=now,
        )
        integration = store.mark_connected(session, created.integration_id, now=now)
    report = _with_webhooks(hub, integration, report, http)
    return AddResult(integration=integration, report=report)


def replace_api_key(
    hub: Hub, integration_id: str, api_key: str, *, http: httpx.Client | None = None
) -> AddResult:
    """Test `api_key` against the integration's store, then store it in place of the old one.

    Raises `ConnectionFailed` when the new key does not connect: the stored key, which may be
    the one that works, and the integration's status stay as they were.
    """
    with hub.db.read_session() as session:
        integration = require_integration(session, integration_id)
    connector = hub.connectors.of(integration)
    api_key = _given_key(connector, api_key)
    report = _test(hub, connector, integration.api_url, api_key, http)
    with hub.db.session() as session:
        require_integration(session, integration_id)  # removed meanwhile: say so, store nothing
        store.set_api_token(session, integration_id, api_key, hub.box)
        integration = store.mark_connected(session, integration_id, now=hub.clock.now())
    report = _with_webhooks(hub, integration, report, http)
    return AddResult(integration=integration, report=report)


def retest_integration(
    hub: Hub, integration_id: str, *, http: httpx.Client | None = None
) -> AddResult:
    with hub.db.session() as session:
        integration = require_integration(session, integration_id)
        try:
            token = store.get_api_token(session, integration_id, hub.box)
        except SecretDecryptError as problem:
            # Nothing can be tested without the token: the reason is the test's answer.
            report = ConnectionReport(ok=False, summary=str(problem), checks=[])
            integration = _apply_report(session, integration_id, report, hub.clock.now())
            return AddResult(integration=integration, report=report)
    access = StoreAccess.for_hub(
        hub, integration.api_url, token, integration=integration, http=http
    )
    report = hub.connectors.of(integration).check_connection(access)
    http = access.http
    with hub.db.session() as session:
        integration = _apply_report(session, integration_id, report, hub.clock.now())
    report = _with_webhooks(hub, integration, report, http)
    return AddResult(integration=integration, report=report)


def enable_flow(
    hub: Hub,
    integration_id: str,
    flow: FlowName,
    *,
    since: datetime | None = None,
    http: httpx.Client | None = None,
) -> FlowSetting:
    """Switch a flow on; a pull flow webhooks can wake subscribes its events."""
    with hub.db.session() as session:
        integration = require_integration(session, integration_id)
        if flow not in hub.registry.available(integration.connector):
            raise UsageError(f"{flow.value} is not available yet in this version of OrderHub")
        setting = store.set_flow_enabled(
            session, integration_id, flow, True, now=hub.clock.now(), since=since
        )
    _flow_switched(hub, integration_id, flow, http)
    return setting


def disable_flow(
    hub: Hub, integration_id: str, flow: FlowName, *, http: httpx.Client | None = None
) -> FlowSetting:
    """Switch a flow off; a pull flow's webhook subscriptions are deleted."""
    with hub.db.session() as session:
        require_integration(session, integration_id)
        setting = store.set_flow_enabled(session, integration_id, flow, False, now=hub.clock.now())
    _flow_switched(hub, integration_id, flow, http)
    return setting


def remove_integration(
    hub: Hub, integration_id: str, *, http: httpx.Client | None = None
) -> str | None:
    """Delete the integration's webhooks in its store, then the integration (records stay).

    Returns one line when some webhooks could not be deleted (the removal goes on: they
    deliver to a URL that now answers 404).
    """
    with hub.db.read_session() as session:
        integration = require_integration(session, integration_id)
    problem = unsubscribe_all(hub, integration, http=http)
    with hub.db.session() as session:
        store.delete_integration(session, integration_id)
    return problem


def disable_integration(hub: Hub, integration_id: str) -> Integration:
    """Switch the whole integration off: no flow runs until it is enabled again (which starts
    from that moment; changes made meanwhile come only with a backfill)."""
    with hub.db.session() as session:
        require_integration(session, integration_id)
        store.disable_integration(session, integration_id, now=hub.clock.now())
        return require_integration(session, integration_id)


def set_flow_interval(hub: Hub, integration_id: str, flow: FlowName, interval_seconds: int) -> None:
    """How often the scheduler runs the flow, in seconds (at least 1)."""
    with hub.db.session() as session:
        require_integration(session, integration_id)
        store.set_flow_interval(session, integration_id, flow, interval_seconds)


def keep_connection_report(hub: Hub, integration_id: str, report: ConnectionReport) -> None:
    """Keep a connection test's report with the integration (`CONNECTION_REPORT_SETTING`),
    for the integration page to show when it was last tested and what it found."""
    now = hub.clock.now()
    kept = {"at": now.isoformat(), "report": report.to_wire()}
    with hub.db.session() as session:
        store.update_integration_settings(
            session, integration_id, {CONNECTION_REPORT_SETTING: kept}, now=now
        )


def require_integration(session: Session, integration_id: str) -> Integration:
    integration = store.get_integration(session, integration_id)
    if integration is None:
        raise NotFoundError(
            f"No integration with id {integration_id!r} (see `orderhub integrations list`)"
        )
    return integration


def _apply_report(
    session: Session, integration_id: str, report: ConnectionReport, now: datetime
) -> Integration:
    if report.connected:
        return store.mark_connected(session, integration_id, now=now)
    store.mark_error(session, integration_id, report.summary, now=now)
    return require_integration(session, integration_id)


def _given_key(connector: Connector, api_key: str) -> str:
    key = api_key.strip()
    if not key:
        raise UsageError(f"The API key is empty; paste {connector.key_help}")
    return key


def _given_name(name: str | None) -> str | None:
    if name is None or not name.strip():
        return None
    try:
        checked: str = check(Name, name.strip(), "name")
    except InvalidValue as invalid:
        raise UsageError(str(invalid)) from None
    return checked


def _test(
    hub: Hub, connector: Connector, api_url: str, api_key: str, http: httpx.Client | None
) -> ConnectionReport:
    report = connector.check_connection(StoreAccess.for_hub(hub, api_url, api_key, http=http))
    if not report.connected:
        raise ConnectionFailed(report, key_refused=connector.key_refused(report))
    return report


def _with_webhooks(
    hub: Hub, integration: Integration, report: ConnectionReport, http: httpx.Client | None
) -> ConnectionReport:
    """The report with the webhook subscriptions checked and repaired (when connected)."""
    if not report.connected:
        return report
    hooks = sync_subscriptions(hub, integration.integration_id, http=http, report=report)
    return report.model_copy(update={"webhooks": hooks})


def _flow_switched(
    hub: Hub, integration_id: str, flow: FlowName, http: httpx.Client | None
) -> None:
    with hub.db.read_session() as session:
        integration = require_integration(session, integration_id)
    hooks = hub.connectors.of(integration).webhooks
    if hooks is None or flow not in hooks.watched_flows:
        return
    if integration.status is IntegrationStatus.CONNECTED:
        # Not connected: the connection test that connects it subscribes.
        sync_subscriptions(hub, integration_id, http=http)
