"""Each integration's webhook endpoint: the unguessable secret of its delivery URL.

A delivery URL is `{public_url}/hooks/{connector}/{integration_id}/{secret}`: a store may not
sign its deliveries (some do not), so knowing the URL is what makes a
delivery genuine. The secret is 256 random bits. The receiver checks a delivery against its
SHA-256 hash in constant time (`check_secret`); the secret itself is kept encrypted with the
API token's key, because subscribing again must send the same URL to the store (`endpoint_secret`).

The last subscription check is kept with the endpoint (`save_subscriptions`), together with the
flows whose events it subscribed: those are the flows whose polls should find nothing a
webhook did not announce (`orderhub.store.webhook_health`). None of these functions commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orderhub.domain import FlowName, SubscriptionCheck
from orderhub.secrets import SecretBox
from orderhub.store.dialect import dialect_insert, utc
from orderhub.store.tables import WebhookEndpointRow, WebhookFlowRow

__all__ = [
    "MAX_SECRET_LENGTH",
    "check_secret",
    "endpoint_secret",
    "ensure_secret",
    "new_secret",
    "save_subscriptions",
    "secret_hash",
    "subscription_checks",
]

MAX_SECRET_LENGTH = 128
"""Longer path segments are refused before they are hashed (a secret is 43 characters)."""

# Compared against when the integration has no endpoint, so a miss costs what a hit costs.
_NO_SECRET = hashlib.sha256(b"orderhub: no webhook endpoint").hexdigest()


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def ensure_secret(session: Session, integration_id: str, box: SecretBox, *, now: datetime) -> str:
    """The integration's delivery secret in clear, made on first use."""
    existing = endpoint_secret(session, integration_id, box)
    if existing is not None:
        return existing
    return new_secret(session, integration_id, box, now=now)


def new_secret(session: Session, integration_id: str, box: SecretBox, *, now: datetime) -> str:
    """A fresh secret for the integration (the old URL stops working at once); in clear."""
    secret = secrets.token_urlsafe(32)
    now = utc(now)
    row = session.get(WebhookEndpointRow, integration_id)
    if row is None:
        session.add(
            WebhookEndpointRow(
                integration_id=integration_id,
                secret_hash=secret_hash(secret),
                secret_encrypted=box.encrypt(secret),
                subscriptions=None,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        row.secret_hash = secret_hash(secret)
        row.secret_encrypted = box.encrypt(secret)
        row.updated_at = now
    session.flush()
    return secret


def endpoint_secret(session: Session, integration_id: str, box: SecretBox) -> str | None:
    """The secret in clear, or None before the first subscription; `SecretDecryptError` on a
    wrong `ORDERHUB_SECRET_KEY`."""
    encrypted = session.scalar(
        select(WebhookEndpointRow.secret_encrypted).where(
            WebhookEndpointRow.integration_id == integration_id
        )
    )
    return None if encrypted is None else box.decrypt(encrypted)


def check_secret(session: Session, integration_id: str, secret: str) -> bool:
    """Whether `secret` is the integration's delivery secret; the same work either way."""
    stored = session.scalar(
        select(WebhookEndpointRow.secret_hash).where(
            WebhookEndpointRow.integration_id == integration_id
        )
    )
    candidate = secret_hash(secret[:MAX_SECRET_LENGTH])
    matches = hmac.compare_digest(candidate, stored or _NO_SECRET)
    return matches and stored is not None and len(secret) <= MAX_SECRET_LENGTH


def save_subscriptions(
    session: Session,
    integration_id: str,
    check: SubscriptionCheck,
    *,
    subscribed_flows: Iterable[FlowName],
    watched_flows: Iterable[FlowName],
) -> None:
    """Keep the last subscription check, and which of the `watched_flows` it subscribed.

    A flow that stops being subscribed also stops being called broken: its polls are no
    longer expected to find only what webhooks announced.
    """
    row = session.get(WebhookEndpointRow, integration_id)
    if row is None:
        return  # never subscribed: nothing to remember the check with
    row.subscriptions = check.model_dump(mode="json", by_alias=True, exclude_none=True)
    row.updated_at = utc(check.checked_at)
    subscribed = {FlowName(flow).value for flow in subscribed_flows}
    for flow in watched_flows:
        name = FlowName(flow).value
        expected = name in subscribed
        insert = dialect_insert(session, WebhookFlowRow).values(
            integration_id=integration_id,
            flow=name,
            expected=expected,
            last_poll_changed=0,
            last_poll_unannounced=0,
            unannounced_streak=0,
        )
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["integration_id", "flow"], set_={"expected": expected}
            )
        )
        if not expected:
            session.execute(
                update(WebhookFlowRow)
                .where(WebhookFlowRow.integration_id == integration_id, WebhookFlowRow.flow == name)
                .values(unannounced_streak=0, broken_since=None)
            )


def subscription_checks(
    session: Session, integration_ids: list[str]
) -> dict[str, SubscriptionCheck | None]:
    """The last subscription check of each integration (None: never checked)."""
    found: dict[str, SubscriptionCheck | None] = dict.fromkeys(integration_ids)
    if not integration_ids:
        return found
    rows = session.execute(
        select(WebhookEndpointRow.integration_id, WebhookEndpointRow.subscriptions).where(
            WebhookEndpointRow.integration_id.in_(integration_ids)
        )
    )
    for integration_id, stored in rows:
        if isinstance(stored, dict):
            try:
                found[integration_id] = SubscriptionCheck.model_validate(stored)
            except ValueError:  # written by another version: shown as never checked
                found[integration_id] = None
    return found
