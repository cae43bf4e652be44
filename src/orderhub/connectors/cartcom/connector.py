"""Cart.com as the hub sees every connector (`orderhub.connectors.base.Connector`).

The hub's services, CLI, API and portal reach Cart.com only through this class. It imports
the client and its kin when a method runs, so building a hub (every CLI command does) stays
cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from orderhub.connectors.base import (
    PERMISSIONS_STEP,
    AccessRefused,
    BudgetReading,
    CallPlans,
    Connector,
    InvalidStoreUrl,
    PermissionInfo,
    StoreAccess,
)
from orderhub.connectors.cartcom import webhook_events
from orderhub.connectors.completeness import (
    CheckWindow,
    CompletenessSupport,
    FlowCheck,
    HubHoldings,
)
from orderhub.connectors.webhooks import Announcement, Reconciled, WebhookSupport
from orderhub.domain import ConnectionReport, FlowName

if TYPE_CHECKING:
    from orderhub.connectors.cartcom.client import CartcomClient
    from orderhub.connectors.settings import SettingSpec
    from orderhub.connectors.status_map import StatusMap
    from orderhub.engine.registry import FlowRegistry
    from orderhub.store.database import Database

__all__ = ["CartcomConnector"]

KIND = "cartcom"

CALL_PLANS = CallPlans(
    window_seconds=10,
    plans={5: "Steel", 10: "Bronze", 20: "Silver", 50: "Gold or above"},
    no_limit_from=10_000,
)
"""Cart.com allows each app a number of calls per 10-second window by plan (Steel 5, Bronze 10,
Silver 20, Gold and above 50) and reports the use and the limit in every answer
(`X-AC-Call-Limit`, `rate_headers`); it reports 10000 for a store it does not limit."""

KEY_STEPS = (
    "Log in to your Cart.com admin.",
    "Click <strong>Tools &rsaquo; Apps &amp; Addons &rsaquo; API Token Manager</strong>.",
    "Click <strong>New</strong> to create an app definition.",
    "Give an <strong>App Name</strong> and <strong>App Description</strong>, e.g. OrderHub, and "
    "click <strong>Next</strong>.",
    "Select <strong>Single Token Flow</strong>.",
    PERMISSIONS_STEP,
    "Click <strong>Save</strong>.",
    "Copy the generated access token and paste it into <strong>API Key</strong>.",
)


class CartcomConnector(Connector):
    kind = KIND
    display_name = "Cart.com"
    aliases = frozenset({"cart.com", "americommerce"})
    url_example = "https://yourstore.americommerce.com"
    key_help = "the access token from Cart.com's API Token Manager"
    description = (
        "Cart.com (formerly AmeriCommerce) is an eCommerce platform. OrderHub pulls orders, "
        "products and locations from it and pushes products, inventory and fulfillments to it."
    )
    key_steps = KEY_STEPS
    call_plans = CALL_PLANS
    reason_words: ClassVar[Mapping[str, str]] = {
        "rejectedByCartcom": "Stock refused by {store}",  # stored codes: never renamed
        "cartcomError": "{store} answered with an error",
    }

    def __init__(self) -> None:
        self.webhooks = CartcomWebhooks()
        self.completeness = CartcomCompleteness()

    def register_flows(self, registry: FlowRegistry) -> None:
        from orderhub.connectors.cartcom.flows import register_cartcom_flows

        register_cartcom_flows(registry)

    def normalize_url(self, api_url: str) -> str:
        from orderhub.connectors.cartcom.client import InvalidApiUrl, normalize_api_url

        try:
            return normalize_api_url(api_url)
        except InvalidApiUrl as problem:
            raise InvalidStoreUrl(str(problem)) from None

    def check_connection(self, access: StoreAccess) -> ConnectionReport:
        from orderhub.connectors.cartcom.connection import check_connection

        return check_connection(
            access.api_url,
            access.token,
            http=access.http,
            clock=access.clock,
            sleep=access.sleep,
            limiter=_shared_budget(access),
            on_call=self.call_observer(access),
        )

    def key_refused(self, report: ConnectionReport) -> bool:
        from orderhub.connectors.cartcom.connection import REFUSED_KEY_SUMMARY

        return report.summary == REFUSED_KEY_SUMMARY

    def permissions(self) -> Sequence[PermissionInfo]:
        from orderhub.connectors.cartcom.permissions import PERMISSIONS

        return [PermissionInfo(p.label, p.flows) for p in PERMISSIONS]

    def settings(self) -> tuple[SettingSpec, ...]:
        from orderhub.connectors.cartcom.settings import SETTINGS

        return SETTINGS

    def order_status_map(
        self, settings: Mapping[str, Any], orders_cursor: Mapping[str, Any] | None
    ) -> StatusMap:
        from orderhub.connectors.cartcom.flows.order_status_view import status_map

        return status_map(settings, orders_cursor)

    def location_map(self, settings: Mapping[str, Any]) -> Mapping[str, str]:
        from orderhub.connectors.cartcom.mapping.location_map import (
            LOCATION_MAP_SETTING,
            check_location_map,
        )

        try:
            return check_location_map(settings.get(LOCATION_MAP_SETTING) or {})
        except ValueError:  # locations.pull fails its run with the reason; a page shows none
            return {}

    def connection_failures(self) -> tuple[str, ...]:
        from orderhub.connectors.cartcom.errors import AuthenticationFailed, PermissionDenied

        return (AuthenticationFailed.summary, PermissionDenied.summary)

    def store_key(self, api_url: str) -> str:
        from orderhub.connectors.cartcom.store_url import store_key

        return store_key(api_url)

    def budget(self, db: Database, api_url: str) -> BudgetReading | None:
        from orderhub.connectors.cartcom.call_window import UNLIMITED_FROM
        from orderhub.connectors.cartcom.shared_limiter import SharedCallLimiter

        reading = SharedCallLimiter(db, api_url).reading()
        if reading is not None and reading.limit is not None and reading.limit >= UNLIMITED_FROM:
            return replace(reading, limit=None)  # Cart.com's way of saying "no limit"
        return reading

    def default_name(self, api_url: str) -> str:
        import httpx

        host = httpx.URL(api_url).host if "://" in api_url else api_url
        return f"{self.display_name} {host}".strip()


class CartcomWebhooks(WebhookSupport):
    """Cart.com's webhooks (`webhook_events`, `webhooks`): one URL per event, no signature."""

    event_param = webhook_events.EVENT_PARAM

    @property
    def watched_flows(self) -> tuple[FlowName, ...]:
        return webhook_events.WATCHED_FLOWS

    def events_of(self, flow: FlowName) -> tuple[str, ...]:
        return webhook_events.FLOW_EVENTS.get(flow, ())

    def hook_path(self, integration_id: str, secret: str) -> str:
        return webhook_events.hook_path(integration_id, secret)

    def delivery_url(
        self, public_url: str, integration_id: str, secret: str, event_type: str
    ) -> str:
        return webhook_events.delivery_url(public_url, integration_id, secret, event_type)

    def mask_url(self, url: str) -> str:
        from orderhub.connectors.cartcom.webhooks import mask_hook_url

        return mask_hook_url(url)

    def read_delivery(self, event_param: str | None, payload: Any) -> Announcement:
        return webhook_events.read_delivery(event_param, payload)

    def needed_permissions(self) -> Sequence[str]:
        from orderhub.connectors.cartcom.permissions import WEBHOOK_SCOPES, labels_of

        return labels_of(WEBHOOK_SCOPES)

    def reconcile(
        self,
        access: StoreAccess,
        *,
        integration_id: str,
        wanted: Collection[str],
        url_for: Callable[[str], str] | None,
    ) -> Reconciled:
        from orderhub.connectors.cartcom.errors import AuthenticationFailed, PermissionDenied
        from orderhub.connectors.cartcom.webhooks import (
            apply_plan,
            list_subscriptions,
            mask_hook_url,
            plan_subscriptions,
        )

        with _person_client(access) as client:
            try:
                existing = list_subscriptions(client)
            except (PermissionDenied, AuthenticationFailed) as refused:
                raise AccessRefused(str(refused)) from refused
            plan = plan_subscriptions(
                existing, integration_id=integration_id, wanted=wanted, url_for=url_for
            )
            applied = apply_plan(client, plan, url_for)
        return Reconciled(
            in_place={s.event_type for s in plan.keep} | set(applied.created),
            missing=plan.missing,
            foreign=[f"{s.event_type[:40]} → {mask_hook_url(s.url)[:300]}" for s in plan.foreign],
            created=len(applied.created),
            deleted=len(applied.deleted),
            failed=applied.failed,
        )


class CartcomCompleteness(CompletenessSupport):
    """The completeness checks of `connectors/cartcom/verify`."""

    @property
    def flows(self) -> frozenset[FlowName]:
        from orderhub.connectors.cartcom.verify import CHECKS

        return frozenset(CHECKS)

    @property
    def reads_everything(self) -> frozenset[FlowName]:
        from orderhub.connectors.cartcom.verify import READS_EVERYTHING

        return READS_EVERYTHING

    def session(self, access: StoreAccess) -> AbstractContextManager[_CheckSession]:
        return _check_session(access)


class _CheckSession:
    def __init__(self, client: CartcomClient) -> None:
        self._client = client

    @property
    def calls(self) -> int:
        return self._client.calls

    def check(self, flow: FlowName, holdings: HubHoldings, window: CheckWindow) -> FlowCheck:
        from orderhub.connectors.cartcom.verify import CHECKS

        return CHECKS[flow](self._client, holdings, window)


@contextmanager
def _check_session(access: StoreAccess) -> Iterator[_CheckSession]:
    from orderhub.connectors.cartcom.verify import verify_client

    with verify_client(
        access.db,
        access.api_url,
        access.token,
        clock=access.clock,
        sleep=access.sleep or time.sleep,
        share_call_budgets=access.shares_call_budgets,
        http=access.http,
        on_call=_observer(access),
    ) as client:
        yield _CheckSession(client)


def _observer(access: StoreAccess) -> Callable[[Any], None] | None:
    """The hub's metrics' count of this store's calls (None: not counting)."""
    if access.metrics is None:
        return None
    from orderhub.connectors.cartcom.store_url import store_key

    return access.metrics.call_observer(KIND, store_key(access.api_url))


def _shared_budget(access: StoreAccess) -> Any:
    from orderhub.connectors.cartcom.shared_limiter import shared_budget_for

    return shared_budget_for(
        access.db, access.api_url, shared=access.shares_call_budgets, clock=access.clock
    )


@contextmanager
def _person_client(access: StoreAccess) -> Iterator[CartcomClient]:
    """A client for calls a person waits for (subscriptions kept in step while they connect
    or switch a flow): over `access.http` if given, else one of its own, closed afterwards."""
    import httpx

    from orderhub.connectors.cartcom.client import CartcomClient
    from orderhub.connectors.cartcom.http import new_http_client
    from orderhub.connectors.cartcom.retry import QUICK_RETRY
    from orderhub.engine.priority import CallPriority

    http = access.http if access.http is not None else new_http_client(httpx.Timeout(15.0))
    try:
        yield CartcomClient(
            access.api_url,
            access.token,
            http=http,
            clock=access.clock,
            limiter=_shared_budget(access),
            retry=QUICK_RETRY,
            priority=CallPriority.CONNECTION_TEST,
            on_call=_observer(access),
        )
    finally:
        if access.http is None:
            http.close()
