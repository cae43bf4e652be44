"""Cart.com webhook subscriptions: read them, plan the changes, make them.

Subscriptions are a plain resource, `/api/v1/webhooks` (`event_type`, `url`, `store_id`,
`failure_type`…; the token needs the `orders` and `system` scopes, API-NOTES §2 and §11).
The hub owns the subscriptions whose URL path is this integration's hook path
(`/hooks/cartcom/{integration_id}/…`), wherever they point; everything else in the list
belongs to the merchant's other apps and is never touched.

`plan_subscriptions` is pure (table-tested): of the hub's own subscriptions it keeps one per
wanted event at exactly the current URL, and deletes the rest — duplicates, events no flow
wants any more, and *foreign* ones: this integration's path with a stale secret or under an
old public URL (they would deliver to nowhere, or be refused with 404). Then `apply_plan`
makes the calls: creations before deletions, so a repair never leaves a moment without a
subscription.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.errors import CartcomError, NotFound
from orderhub.connectors.cartcom.webhook_events import EVENT_FLOWS, HOOK_PATH
from orderhub.redaction import mask_secret

__all__ = [
    "AppliedPlan",
    "Subscription",
    "SubscriptionPlan",
    "apply_plan",
    "list_subscriptions",
    "mask_hook_url",
    "plan_subscriptions",
]

_RESOURCE = "webhooks"
_MAX_URL = 2000


@dataclass(frozen=True)
class Subscription:
    id: int
    event_type: str
    url: str


@dataclass(frozen=True)
class SubscriptionPlan:
    keep: list[Subscription]
    create: list[str]
    """Event types to subscribe, in the order of `wanted`."""
    delete: list[Subscription]
    """Every subscription of the hub's that is not kept (`foreign` ones among them)."""
    foreign: list[Subscription]
    """This integration's hook path with another secret or under another public URL."""

    @property
    def missing(self) -> list[str]:
        return self.create


@dataclass
class AppliedPlan:
    created: list[str] = field(default_factory=list)
    deleted: list[Subscription] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """One line per call that failed (the event or subscription, and Cart.com's reason)."""


def list_subscriptions(client: CartcomClient) -> list[Subscription]:
    """Every subscription of the store (`PermissionDenied` without `orders` + `system`)."""
    found: list[Subscription] = []
    for record in client.list_all(_RESOURCE):
        subscription = _subscription(record)
        if subscription is not None:
            found.append(subscription)
    return found


def plan_subscriptions(
    existing: Sequence[Subscription],
    *,
    integration_id: str,
    wanted: Collection[str],
    url_for: Callable[[str], str] | None,
) -> SubscriptionPlan:
    """What to create and delete so that the hub's own subscriptions are exactly `wanted`.

    `url_for(event)` is the current delivery URL of any event the hub knows; None (an
    integration being removed) wants nothing, so every subscription of the hub's is deleted.
    """
    wanted_events = [e for e in dict.fromkeys(wanted) if e in EVENT_FLOWS] if url_for else []
    keep: dict[str, Subscription] = {}
    delete: list[Subscription] = []
    foreign: list[Subscription] = []
    for subscription in existing:
        if not _is_ours(subscription.url, integration_id):
            continue
        event = _canonical(subscription.event_type)
        current = url_for(event) if url_for is not None and event is not None else None
        if current is not None and subscription.url != current:
            foreign.append(subscription)  # a stale secret, or an old public URL
        elif event is None and url_for is not None:
            foreign.append(subscription)  # an event the hub does not know, at its path
        elif current is not None and event in wanted_events and event not in keep:
            keep[event] = subscription
            continue
        delete.append(subscription)  # foreign, unwanted, or a duplicate
    create = [event for event in wanted_events if event not in keep]
    return SubscriptionPlan(list(keep.values()), create, delete, foreign)


def apply_plan(
    client: CartcomClient, plan: SubscriptionPlan, url_for: Callable[[str], str] | None
) -> AppliedPlan:
    """Create the missing subscriptions, then delete the others; a failed call is reported,
    not raised, so one refusal does not leave the rest undone."""
    applied = AppliedPlan()
    if url_for is not None:
        for event in plan.create:
            try:
                client.post(
                    _RESOURCE,
                    {"event_type": event, "url": url_for(event), "failure_type": "Ignore"},
                )
            except CartcomError as problem:
                applied.failed.append(f"{event}: {problem}")
                continue
            applied.created.append(event)
    for subscription in plan.delete:
        try:
            client.delete(f"{_RESOURCE}/{subscription.id}")
        except NotFound:
            pass  # gone already: what we wanted
        except CartcomError as problem:
            applied.failed.append(f"{subscription.event_type} #{subscription.id}: {problem}")
            continue
        applied.deleted.append(subscription)
    return applied


def mask_hook_url(url: str) -> str:
    """A delivery URL with its secret masked (`…/hooks/cartcom/<id>/••••••••abcd?event=…`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(not a valid URL)"
    segments = parts.path.split("/")
    marker = HOOK_PATH.strip("/").split("/")
    for index in range(len(segments) - len(marker) - 1):
        if segments[index : index + len(marker)] == marker:
            secret_at = index + len(marker) + 1
            segments[secret_at] = mask_secret(segments[secret_at])
            break
    return urlunsplit(parts._replace(path="/".join(segments)))


def _subscription(record: dict[str, Any]) -> Subscription | None:
    raw_id, event, url = record.get("id"), record.get("event_type"), record.get("url")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int) or raw_id <= 0:
        return None
    if not isinstance(event, str) or not isinstance(url, str) or len(url) > _MAX_URL:
        return None
    return Subscription(raw_id, event, url)


def _canonical(event_type: str) -> str | None:
    folded = event_type.strip().casefold()
    return next((event for event in EVENT_FLOWS if event.casefold() == folded), None)


def _is_ours(url: str, integration_id: str) -> bool:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return False
    return f"{HOOK_PATH}/{integration_id}/" in parsed.path + "/"
