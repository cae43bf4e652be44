"""How hub objects look on the wire, with secrets kept out.

An integration's API token never leaves the store in clear (`apiKeyHint` is its mask); this
module also masks any value in its free-form `settings` whose key names a secret, so a
webhook secret or a future credential stored there cannot leak through the API either.
"""

from __future__ import annotations

from typing import Any

from orderhub.domain import Integration, IntegrationWebhooks
from orderhub.hub import Hub
from orderhub.redaction import is_secret_name, mask_secret
from orderhub.services.webhook_view import webhook_views

__all__ = ["integration_wire", "mask_settings"]


def integration_wire(
    hub: Hub, integration: Integration, webhooks: IntegrationWebhooks | None = None
) -> dict[str, Any]:
    """The integration as the API shows it: flows marked available or not, secrets masked,
    its webhooks (`webhooks`: read already, for a list; else read here)."""
    available = hub.registry.available(integration.connector)
    flows = [f.model_copy(update={"available": f.flow in available}) for f in integration.flows]
    if webhooks is None:
        webhooks = webhook_views(hub, [integration])[integration.integration_id]
    shown = integration.model_copy(
        update={
            "flows": flows,
            "settings": mask_settings(integration.settings),
            "webhooks": webhooks,
        }
    )
    return shown.to_wire()


def mask_settings(value: Any, *, secret: bool = False) -> Any:
    """A copy of `value` with every string under a secret-sounding key masked."""
    if isinstance(value, dict):
        return {
            key: mask_settings(item, secret=secret or is_secret_name(str(key)))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_settings(item, secret=secret) for item in value]
    if secret and isinstance(value, str):
        return mask_secret(value)
    return value
