"""The stores' webhooks in the hub's database, in one import: endpoints, inbox, health.

- `webhook_endpoints`: each integration's delivery secret and last subscription check
- `webhook_inbox`: accepted deliveries; "did a webhook announce record X since T"
- `webhook_health`: what polls say of the webhooks ("webhooks look broken")

For the flow kit, after a poll that found records changed:

    health = store.webhooks.check_poll(session, integration_id, flow, ext_ids, since=t, now=now)

or the two halves, `unannounced(session, integration_id, flow, ext_ids, since) -> int` and
`record_poll(session, integration_id, flow, changed=n, unannounced=k, now=now)`.
None of these functions commit.
"""

from orderhub.store.webhook_endpoints import (
    check_secret,
    endpoint_secret,
    ensure_secret,
    new_secret,
    save_subscriptions,
    subscription_checks,
)
from orderhub.store.webhook_health import BROKEN_AFTER, check_poll, flow_health, record_poll
from orderhub.store.webhook_inbox import (
    RETENTION,
    Delivery,
    StoredDelivery,
    announced,
    count_deliveries,
    list_deliveries,
    prune_inbox,
    record_delivery,
    unannounced,
)

__all__ = [
    "BROKEN_AFTER",
    "RETENTION",
    "Delivery",
    "StoredDelivery",
    "announced",
    "check_poll",
    "check_secret",
    "count_deliveries",
    "endpoint_secret",
    "ensure_secret",
    "flow_health",
    "list_deliveries",
    "new_secret",
    "prune_inbox",
    "record_delivery",
    "record_poll",
    "save_subscriptions",
    "subscription_checks",
    "unannounced",
]
