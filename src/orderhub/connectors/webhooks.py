"""What a connector with webhooks gives the hub: its events, its delivery URLs, and a repair.

The hub owns the storage (the endpoint's secret, the last check, the inbox) and the receiver
(`orderhub.hooks`); the connector says which events wake which pull flow, how a delivery URL
is spelled and read, and makes the store's subscriptions match the ones wanted
(`WebhookSupport.reconcile`). A connector without webhooks has `Connector.webhooks = None` and
its flows only poll.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orderhub.errors import HubError

if TYPE_CHECKING:
    from orderhub.connectors.base import StoreAccess
    from orderhub.domain import FlowName

__all__ = ["Announcement", "Reconciled", "UnknownEvent", "WebhookSupport", "hooks_prefix"]

HOOKS_ROOT = "/hooks"


def hooks_prefix(kind: str) -> str:
    """Where the hub receives a connector's deliveries: `/hooks/{kind}/{integration}/{secret}`."""
    return f"{HOOKS_ROOT}/{kind}"


class UnknownEvent(HubError):
    """A delivery whose event the hub does not know (answered 400, nothing stored)."""


@dataclass(frozen=True)
class Announcement:
    """What one delivery says: the event, the flow it wakes, and the record it names."""

    event_type: str
    flow: FlowName | None
    ext_id: str | None


@dataclass
class Reconciled:
    """What one `reconcile` found and did. `in_place`: the wanted events subscribed now."""

    in_place: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)
    """Wanted events that had no subscription (created now unless `failed` says otherwise)."""
    foreign: list[str] = field(default_factory=list)
    """The hub's subscriptions with a stale secret or an old URL, one masked line each."""
    created: int = 0
    deleted: int = 0
    failed: list[str] = field(default_factory=list)
    """One line per call that failed, with the store's reason."""


class WebhookSupport(ABC):
    """A connector's webhooks. `event_param` names the query parameter a delivery URL carries."""

    event_param: str = "event"

    @property
    @abstractmethod
    def watched_flows(self) -> tuple[FlowName, ...]:
        """The pull flows webhooks can wake; the others run on their interval."""

    @abstractmethod
    def events_of(self, flow: FlowName) -> tuple[str, ...]:
        """The events `flow` subscribes."""

    @abstractmethod
    def hook_path(self, integration_id: str, secret: str) -> str:
        """The path of an integration's deliveries (under `hooks_prefix(kind)`)."""

    @abstractmethod
    def delivery_url(
        self, public_url: str, integration_id: str, secret: str, event_type: str
    ) -> str:
        """The URL one event of one integration is subscribed to."""

    @abstractmethod
    def mask_url(self, url: str) -> str:
        """A delivery URL with its secret masked (pages, the API, messages)."""

    @abstractmethod
    def read_delivery(self, event_param: str | None, payload: Any) -> Announcement:
        """What one delivery announces; `UnknownEvent` if it names no event the hub knows."""

    @abstractmethod
    def needed_permissions(self) -> Sequence[str]:
        """The permissions managing webhooks needs, in the store's words."""

    @abstractmethod
    def reconcile(
        self,
        access: StoreAccess,
        *,
        integration_id: str,
        wanted: Collection[str],
        url_for: Callable[[str], str] | None,
    ) -> Reconciled:
        """Make the store's subscriptions of this integration exactly `wanted` (each at
        `url_for(event)`; none when `wanted` is empty). Raises `AccessRefused` when the store
        refuses to list them, another `ConnectorError` when it cannot be read at all."""
