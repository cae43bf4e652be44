"""The integration page and the API's integration object show the webhooks: polling only
without a public URL; the masked delivery URL, the subscriptions, the last delivery and
"webhooks look broken" with one. A string from the store is escaped. In process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from portal_helpers import EMAIL, PASSWORD, post_form

from orderhub.connectors.cartcom.sandbox import SandboxTransport
from orderhub.domain import FlowName, SubscriptionCheck
from orderhub.hub import Hub
from orderhub.services.apikeys import create_api_key
from orderhub.services.users import create_admin
from orderhub.services.webhooks import POLLING_ONLY
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as webhook_store
from orderhub.web import create_web_app

ORDERS = FlowName.ORDERS_PULL


@pytest.fixture
def integration_id(hub: Hub) -> str:
    now = hub.clock.now()
    with hub.db.session() as session:
        made = integration_store.create_integration(
            session,
            connector="cartcom",
            name="Shop",
            api_url="https://shop.example.com",
            api_token="t" * 20,
            box=hub.box,
            now=now,
        )
        integration_store.mark_connected(session, made.integration_id, now=now)
        integration_store.set_flow_enabled(session, made.integration_id, ORDERS, True, now=now)
    return made.integration_id


@pytest.fixture
def browser(hub: Hub) -> Iterator[httpx.Client]:
    create_admin(hub, email=EMAIL, password=PASSWORD)
    app = create_web_app(hub)
    with httpx.Client(transport=SandboxTransport(app), base_url="http://hub.test") as client:
        signed = post_form(
            client, "/signin", {"email": EMAIL, "password": PASSWORD, "next": "/"}, page="/signin"
        )
        assert signed.status_code == 303, signed.text
        yield client


def _api(hub: Hub, integration_id: str) -> dict[str, object]:
    _key_id, key = create_api_key(hub, name="t", scope="read")
    with httpx.Client(
        transport=SandboxTransport(create_web_app(hub)), base_url="http://hub.test"
    ) as client:
        answer = client.get(
            f"/api/v3/integrations/{integration_id}", headers={"Authorization": f"Bearer {key}"}
        )
        listed = client.get("/api/v3/integrations", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    assert listed.json()["integrations"][0]["webhooks"] == answer.json()["integration"]["webhooks"]
    webhooks: dict[str, object] = answer.json()["integration"]["webhooks"]
    return webhooks


def test_without_a_public_url_the_page_and_the_api_say_polling_only(
    hub: Hub, integration_id: str, browser: httpx.Client
) -> None:
    page = browser.get(f"/integrations/{integration_id}")
    assert page.status_code == 200
    assert "no public URL" in page.text
    assert "when its pull flow next polls" in page.text
    assert _api(hub, integration_id) == {
        "mode": "pollingOnly",
        "message": POLLING_ONLY,
        "flows": [
            {
                "flow": "orders.pull",
                "expected": False,
                "lastPollChanged": 0,
                "lastPollUnannounced": 0,
                "looksBroken": False,
            }
        ],
        "looksBroken": False,
    }


def test_with_a_public_url_the_page_shows_the_masked_url_and_broken_webhooks(
    hub: Hub, integration_id: str, browser: httpx.Client
) -> None:
    hub.settings = hub.settings.replace(public_url="https://hub.example.com")
    now = hub.clock.now()
    with hub.db.session() as session:
        secret = webhook_store.ensure_secret(session, integration_id, hub.box, now=now)
        check = SubscriptionCheck(
            checked_at=now, ok=False, message="Cart.com said <script>alert(1)</script>"
        )
        webhook_store.save_subscriptions(
            session, integration_id, check, subscribed_flows=[ORDERS], watched_flows=[ORDERS]
        )
        for minute in range(webhook_store.BROKEN_AFTER):
            webhook_store.check_poll(
                session,
                integration_id,
                ORDERS,
                ["1"],
                since=now,
                now=now + timedelta(minutes=minute),
            )

    page = browser.get(f"/integrations/{integration_id}")
    api = _api(hub, integration_id)

    assert secret not in page.text
    assert secret not in str(api)
    assert f"https://hub.example.com/hooks/cartcom/{integration_id}/" in page.text
    assert "Webhooks look broken (orders.pull)" in page.text
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)" in page.text
    assert api["mode"] == "on"
    assert api["looksBroken"] is True
    assert str(api["url"]).endswith(secret[-4:])
    assert api["flows"][0]["lastPollUnannounced"] == 1  # type: ignore[index]
