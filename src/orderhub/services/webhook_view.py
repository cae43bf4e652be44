"""What an integration's page and the API show of its store's webhooks.

The delivery URL with its secret masked, the last subscription check, when each pull flow
last heard from the store and what its polls found, and "webhooks look broken" when polls
keep finding changes no webhook announced (`orderhub.store.webhook_health`). Without a public
URL: polling only, and it says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from orderhub.connectors.webhooks import WebhookSupport
from orderhub.domain import (
    Integration,
    IntegrationWebhooks,
    SubscriptionCheck,
    WebhookFlowHealth,
    WebhookMode,
)
from orderhub.hub import Hub
from orderhub.secrets import SecretDecryptError
from orderhub.services.webhooks import NO_WEBHOOKS, POLLING_ONLY
from orderhub.store import webhooks as webhook_store

__all__ = ["webhook_views"]


def webhook_views(hub: Hub, integrations: Sequence[Integration]) -> dict[str, IntegrationWebhooks]:
    """Each integration's webhooks, read in a few queries whatever their number."""
    ids = [integration.integration_id for integration in integrations]
    with hub.db.read_session() as session:
        checks = webhook_store.subscription_checks(session, ids)
        health = webhook_store.flow_health(session, ids)
        secrets = {i: _secret(session, hub, i) for i in ids} if hub.settings.public_url else {}
    views: dict[str, IntegrationWebhooks] = {}
    for integration in integrations:
        integration_id = integration.integration_id
        hooks = hub.connectors.of(integration).webhooks
        if hooks is None:
            views[integration_id] = IntegrationWebhooks(
                mode=WebhookMode.POLLING_ONLY, message=NO_WEBHOOKS
            )
            continue
        on = {setting.flow for setting in integration.flows if setting.enabled}
        flows = [
            health[integration_id].get(flow, WebhookFlowHealth(flow=flow))
            for flow in hooks.watched_flows
            if flow in on
        ]
        views[integration_id] = _view(
            hub, hooks, integration_id, secrets.get(integration_id), checks[integration_id], flows
        )
    return views


def _view(
    hub: Hub,
    hooks: WebhookSupport,
    integration_id: str,
    secret: str | None,
    check: SubscriptionCheck | None,
    flows: list[WebhookFlowHealth],
) -> IntegrationWebhooks:
    public_url = hub.settings.public_url
    if public_url is None:
        return IntegrationWebhooks(mode=WebhookMode.POLLING_ONLY, message=POLLING_ONLY, flows=flows)
    url = hooks.mask_url(public_url + hooks.hook_path(integration_id, secret)) if secret else None
    broken = [health for health in flows if health.looks_broken]
    if broken:
        names = ", ".join(health.flow.value for health in broken)
        message = (
            f"Webhooks look broken ({names}): polls keep finding changes that no webhook "
            "announced. Test the connection to check and repair the subscriptions; meanwhile "
            "the flows poll."
        )
    elif check is None:
        message = "Webhooks are not subscribed yet: test the connection to subscribe them."
    else:
        message = check.message
    return IntegrationWebhooks(
        mode=WebhookMode.ON,
        message=message,
        url=url,
        subscriptions=check,
        flows=flows,
        looks_broken=bool(broken),
    )


def _secret(session: Session, hub: Hub, integration_id: str) -> str | None:
    try:
        return webhook_store.endpoint_secret(session, integration_id, hub.box)
    except SecretDecryptError:
        return None
