"""A store's webhook subscriptions, kept in step with the integration's flows.

With a public URL (`ORDERHUB_PUBLIC_URL`, `serve --public-url`), the integration's enabled
pull flows each subscribe their events (the connector's `WebhookSupport.events_of`) to the
integration's delivery URL.
`sync_subscriptions` makes the store's subscriptions match: it creates the missing ones and
deletes the hub's others — events of flows switched off, duplicates, and foreign ones (this
integration's path with a stale secret or under an old public URL). It runs when the
integration connects, when its connection is tested, and when a pull flow is switched on or
off; removing the integration deletes them all (`unsubscribe_all`).

Without a public URL nothing is touched: the flows poll, and a process that merely lacks the
setting (a one-off CLI command) never undoes what the served hub subscribed. Without the
permissions webhooks need, the check says which ones in the store's words; the flows still
work by polling. A failure here never fails the action that called it: it is the check's
answer, kept with the endpoint and shown on the integration's page.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from orderhub.connectors.base import AccessRefused, ConnectorError, StoreAccess
from orderhub.connectors.webhooks import WebhookSupport
from orderhub.domain import ConnectionReport, FlowName, Integration, SubscriptionCheck
from orderhub.hub import Hub
from orderhub.secrets import SecretDecryptError
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store

__all__ = [
    "NO_WEBHOOKS",
    "POLLING_ONLY",
    "last_check",
    "sync_subscriptions",
    "unsubscribe_all",
    "wanted_flows",
]

POLLING_ONLY = (
    "Webhooks are off: this hub has no public URL (ORDERHUB_PUBLIC_URL or "
    "`orderhub serve --public-url`), so the store cannot reach it and the flows poll."
)

NO_WEBHOOKS = "This store has no webhooks: its flows poll."


def wanted_flows(hub: Hub, integration: Integration) -> list[FlowName]:
    """The integration's pull flows that are on (and available) and webhooks can wake."""
    hooks = hub.connectors.of(integration).webhooks
    if hooks is None:
        return []
    available = hub.registry.available(integration.connector)
    on = {setting.flow for setting in integration.flows if setting.enabled}
    return [flow for flow in hooks.watched_flows if flow in on and flow in available]


def sync_subscriptions(
    hub: Hub,
    integration_id: str,
    *,
    http: httpx.Client | None = None,
    report: ConnectionReport | None = None,
) -> SubscriptionCheck:
    """Make the store's subscriptions match the enabled pull flows; the check, also kept.

    `report`: the connection test just made, so a refusal can name only the permissions that
    test found missing.
    """
    now = hub.clock.now()
    public_url = hub.settings.public_url
    if public_url is None:
        return SubscriptionCheck(checked_at=now, ok=True, message=POLLING_ONLY)
    with hub.db.session() as session:
        integration = integration_store.get_integration(session, integration_id)
        if integration is None:
            return SubscriptionCheck(checked_at=now, ok=False, message="No such integration")
        hooks = hub.connectors.of(integration).webhooks
        if hooks is None:
            return SubscriptionCheck(checked_at=now, ok=True, message=NO_WEBHOOKS)
        try:
            token = integration_store.get_api_token(session, integration_id, hub.box)
            secret = webhook_store.ensure_secret(session, integration_id, hub.box, now=now)
        except SecretDecryptError as problem:
            return SubscriptionCheck(checked_at=now, ok=False, message=str(problem))
    flows = wanted_flows(hub, integration)
    wanted = [event for flow in flows for event in hooks.events_of(flow)]

    def url_for(event: str) -> str:
        return hooks.delivery_url(public_url, integration_id, secret, event)

    shown_url = hooks.mask_url(public_url + hooks.hook_path(integration_id, secret))
    access = StoreAccess.for_hub(
        hub, integration.api_url, token, integration=integration, http=http
    )
    try:
        done = hooks.reconcile(
            access, integration_id=integration_id, wanted=wanted, url_for=url_for
        )
    except AccessRefused:
        check = _refused(hooks, now, shown_url, report)
        _keep(hub, hooks, integration_id, check, subscribed=[])
        return check
    except ConnectorError as problem:
        check = SubscriptionCheck(
            checked_at=now,
            ok=False,
            url=shown_url,
            message=f"Could not read the store's webhooks: {problem}. The flows poll.",
        )
        _keep(hub, hooks, integration_id, check, subscribed=[])
        return check
    subscribed = [f for f in flows if all(e in done.in_place for e in hooks.events_of(f))]
    still_missing = [event for event in wanted if event not in done.in_place]
    check = SubscriptionCheck(
        checked_at=now,
        ok=not still_missing and not done.failed,
        url=shown_url,
        subscribed=[event for event in wanted if event in done.in_place],
        missing=done.missing,
        foreign=done.foreign,
        created=done.created,
        deleted=done.deleted,
        message=_summary(flows, subscribed, done.missing, done.foreign, done.failed),
    )
    _keep(hub, hooks, integration_id, check, subscribed=subscribed)
    return check


def last_check(hub: Hub, integration_id: str) -> SubscriptionCheck | None:
    """The integration's last subscription check (None: never checked)."""
    with hub.db.read_session() as session:
        return webhook_store.subscription_checks(session, [integration_id])[integration_id]


def unsubscribe_all(
    hub: Hub, integration: Integration, *, http: httpx.Client | None = None
) -> str | None:
    """Delete every subscription of the integration's (the integration is being removed);
    one line if some could not be deleted, else None. Runs with or without a public URL, and
    for a disabled integration too; one that never subscribed costs no call."""
    connector = hub.connectors.of(integration)
    hooks = connector.webhooks
    if hooks is None:
        return None
    with hub.db.read_session() as session:
        try:
            if webhook_store.endpoint_secret(session, integration.integration_id, hub.box) is None:
                return None
            token = integration_store.get_api_token(session, integration.integration_id, hub.box)
        except SecretDecryptError as problem:
            return str(problem)
    access = StoreAccess.for_hub(
        hub, integration.api_url, token, integration=integration, http=http
    )
    where = connector.display_name
    try:
        done = hooks.reconcile(
            access, integration_id=integration.integration_id, wanted=(), url_for=None
        )
    except ConnectorError as problem:
        return f"Its {where} webhooks could not be listed ({problem}); delete them there"
    if done.failed:
        return f"{len(done.failed)} {where} webhook(s) could not be deleted: delete them there"
    return None


def _refused(
    hooks: WebhookSupport, now: datetime, shown_url: str, report: ConnectionReport | None
) -> SubscriptionCheck:
    labels = list(hooks.needed_permissions())
    if report is not None:
        missing = {c.permission for c in report.checks if not c.ok}
        labels = [label for label in labels if label in missing] or labels
    words = " and ".join(f'"{label}"' for label in labels)
    return SubscriptionCheck(
        checked_at=now,
        ok=False,
        url=shown_url,
        missing_permission=", ".join(labels),
        message=(
            f"The store refused to list webhooks: the API token needs {words}. "
            "The flows still work by polling."
        ),
    )


def _keep(
    hub: Hub,
    hooks: WebhookSupport,
    integration_id: str,
    check: SubscriptionCheck,
    *,
    subscribed: list[FlowName],
) -> None:
    with hub.db.session() as session:
        webhook_store.save_subscriptions(
            session,
            integration_id,
            check,
            subscribed_flows=subscribed,
            watched_flows=hooks.watched_flows,
        )


def _summary(
    flows: list[FlowName],
    subscribed: list[FlowName],
    missing: list[str],
    foreign: list[str],
    failed: list[str],
) -> str:
    if not flows:
        text = "No pull flow is on, so no webhook is subscribed."
    else:
        names = ", ".join(flow.value for flow in subscribed) or "none"
        text = f"Webhooks subscribed for: {names}."
    repairs: list[str] = []
    if missing:
        repairs.append(f"{len(missing)} missing")
    if foreign:
        repairs.append(f"{len(foreign)} foreign (stale secret or old URL)")
    if repairs:
        text += f" Found {' and '.join(repairs)}" + ("." if failed else "; repaired.")
    if failed:
        text += f" {len(failed)} change(s) failed, the first: {failed[0]}. The flows poll."
    return text
