"""The subscription planner: keep exactly the wanted events at the current URL (table-driven),
and the calls that carry a plan out, against the sandbox in process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from orderhub.clock import FakeClock
from orderhub.connectors.cartcom.client import CartcomClient
from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig, SandboxTransport
from orderhub.connectors.cartcom.webhook_events import delivery_url
from orderhub.connectors.cartcom.webhooks import (
    Subscription,
    apply_plan,
    list_subscriptions,
    mask_hook_url,
    plan_subscriptions,
)

HUB = "https://hub.example.com"
ID = "0123abcd0123abcd"
SECRET = "current-secret-value-0123456789"


def url_for(event: str) -> str:
    return delivery_url(HUB, ID, SECRET, event)


def sub(n: int, event: str, url: str) -> Subscription:
    return Subscription(n, event, url)


STALE = delivery_url(HUB, ID, "old-secret-0123456789", "NewOrder")
OLD_HOST = delivery_url("https://old.example.com", ID, SECRET, "NewOrder")
OTHER_APP = "https://erp.example.com/cart-hooks"
OTHER_INTEGRATION = delivery_url(HUB, "ffff0000ffff0000", SECRET, "NewOrder")


@pytest.mark.parametrize(
    ("existing", "wanted", "keep", "create", "delete", "foreign"),
    [
        ([], ["NewOrder", "OrderUpdated"], [], ["NewOrder", "OrderUpdated"], [], []),
        (
            [sub(1, "NewOrder", url_for("NewOrder"))],
            ["NewOrder", "OrderUpdated"],
            [1],
            ["OrderUpdated"],
            [],
            [],
        ),
        # Cart.com compares event types without case; so does the planner.
        ([sub(1, "neworder", url_for("NewOrder"))], ["NewOrder"], [1], [], [], []),
        # A duplicate, an unwanted event (its flow was switched off): deleted, not foreign.
        (
            [
                sub(1, "NewOrder", url_for("NewOrder")),
                sub(2, "NewOrder", url_for("NewOrder")),
                sub(3, "ProductUpdated", url_for("ProductUpdated")),
            ],
            ["NewOrder"],
            [1],
            [],
            [2, 3],
            [],
        ),
        # Foreign: a stale secret, an old public URL, an unknown event at the hub's path.
        (
            [sub(1, "NewOrder", STALE), sub(2, "NewOrder", OLD_HOST), sub(3, "OrderPlace", STALE)],
            ["NewOrder"],
            [],
            ["NewOrder"],
            [1, 2, 3],
            [1, 2, 3],
        ),
        # The merchant's other apps and other integrations are never touched.
        (
            [sub(1, "NewOrder", OTHER_APP), sub(2, "NewOrder", OTHER_INTEGRATION)],
            [],
            [],
            [],
            [],
            [],
        ),
    ],
)
def test_the_plan_keeps_exactly_the_wanted_events_at_the_current_url(
    existing: list[Subscription],
    wanted: list[str],
    keep: list[int],
    create: list[str],
    delete: list[int],
    foreign: list[int],
) -> None:
    plan = plan_subscriptions(existing, integration_id=ID, wanted=wanted, url_for=url_for)
    assert [s.id for s in plan.keep] == keep
    assert plan.create == create
    assert [s.id for s in plan.delete] == delete
    assert [s.id for s in plan.foreign] == foreign


def test_without_a_url_every_subscription_of_the_hubs_goes() -> None:
    existing = [sub(1, "NewOrder", url_for("NewOrder")), sub(2, "NewOrder", STALE)]
    existing.append(sub(3, "NewOrder", OTHER_APP))
    plan = plan_subscriptions(existing, integration_id=ID, wanted=["NewOrder"], url_for=None)
    assert [s.id for s in plan.delete] == [1, 2]
    assert plan.create == []


def test_a_hook_url_is_shown_with_its_secret_masked() -> None:
    shown = mask_hook_url(url_for("NewOrder"))
    assert SECRET not in shown
    assert shown.startswith(f"{HUB}/hooks/cartcom/{ID}/••••••••")
    assert shown.endswith("6789?event=NewOrder")
    assert mask_hook_url(OTHER_APP) == OTHER_APP


@pytest.fixture
def sandbox_client() -> Iterator[tuple[Sandbox, CartcomClient]]:
    sandbox = Sandbox(
        SandboxConfig(seed=3, orders=5, products=5, plan="unlimited", clock=FakeClock())
    )
    with httpx.Client(transport=SandboxTransport(sandbox.app)) as http:
        yield (
            sandbox,
            CartcomClient("http://127.0.0.1:9", sandbox.full_token, http=http, clock=FakeClock()),
        )


def test_a_plan_is_carried_out_against_the_store(
    sandbox_client: tuple[Sandbox, CartcomClient],
) -> None:
    _sandbox, client = sandbox_client
    client.post("webhooks", {"event_type": "NewOrder", "url": STALE})
    client.post("webhooks", {"event_type": "NewOrder", "url": OTHER_APP})
    wanted = ["NewOrder", "OrderUpdated"]
    plan = plan_subscriptions(
        list_subscriptions(client), integration_id=ID, wanted=wanted, url_for=url_for
    )
    applied = apply_plan(client, plan, url_for)
    assert applied.created == wanted
    assert [s.url for s in applied.deleted] == [STALE]
    assert applied.failed == []
    after = list_subscriptions(client)
    assert sorted((s.event_type, s.url) for s in after) == [
        ("NewOrder", OTHER_APP),
        ("NewOrder", url_for("NewOrder")),
        ("OrderUpdated", url_for("OrderUpdated")),
    ]
    again = plan_subscriptions(after, integration_id=ID, wanted=wanted, url_for=url_for)
    assert (again.create, again.delete) == ([], [])
