"""Real deliveries: a flow made to fail against the sandbox store, its alert received by a
real SMTP server (aiosmtpd on loopback) and a real HTTP receiver checking the signature, and
the clearing message when it recovers."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderhub.alert_settings import AlertSettings
from orderhub.alerts.channels import SIGNATURE_HEADER, verify_signature
from orderhub.alerts.monitor import SETTLE, AlertMonitor
from orderhub.clock import FakeClock
from orderhub.domain import FlowName, RunStatus
from orderhub.engine.runner import FlowRunner
from orderhub.services.integrations import enable_flow
from support.smtp import MailHandler, smtp_server
from support.webhook_world import LONG_AGO, WebhookWorld, webhook_world

from .alert_world import T0
from .conftest import Receiver

ORDERS = FlowName.ORDERS_PULL
SECRET = "per-hub-alert-secret-1f2e3d"


@pytest.fixture
def smtp() -> Iterator[tuple[MailHandler, int]]:
    with smtp_server() as served:
        yield served


def fail_and_recover(world: WebhookWorld, clock: FakeClock, monitor: AlertMonitor) -> None:
    """Three runs fail on the store's 500s (opens), one succeeds (clears); a look after each."""
    runner = FlowRunner(
        world.hub.db,
        world.hub.box,
        world.hub.registry,
        clock=clock,
        sleep=clock.sleep,  # the client's retries wait on the fake clock
        http_factory=world.hub.http_factory,
    )
    enable_flow(world.hub, world.integration_id, ORDERS, since=LONG_AGO)
    world.sandbox.faults.fail_next(10_000, "500")
    for _ in range(3):
        run = runner.run_flow(world.integration_id, ORDERS, trigger="manual")
        assert run.status is RunStatus.FAILED
        monitor.look()
        clock.advance(60)
    world.sandbox.faults.clear()
    run = runner.run_flow(world.integration_id, ORDERS, trigger="manual")
    assert run.status is RunStatus.SUCCEEDED, run.error
    monitor.look()
    clock.advance(SETTLE.total_seconds())  # gone for five minutes: cleared
    monitor.look()
    monitor.look()  # nothing more to say


def test_an_alert_and_its_clearing_reach_a_real_smtp_server(
    tmp_path: Path, sqlite_template: Path, smtp: tuple[MailHandler, int]
) -> None:
    handler, port = smtp
    settings = AlertSettings(
        email_to=("ops@example.com", "owner@example.com"),
        email_from="hub@example.com",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
    )
    clock = FakeClock(T0)
    with webhook_world(tmp_path, sqlite_template, public_url=None, clock=clock) as world:
        monitor = AlertMonitor(world.hub.db, settings, clock=clock, hub_url="https://hub.test")
        fail_and_recover(world, clock, monitor)
    opened, cleared = handler.received
    assert opened["Subject"].startswith("[OrderHub] Problem: ")
    assert "orders.pull keeps failing (3+ runs in a row" in opened["Subject"]
    assert opened["From"] == "hub@example.com"
    assert opened["X-Envelope-To"] == "ops@example.com, owner@example.com"
    assert "Cart.com had a server error" in opened.get_content()
    assert "Hub: https://hub.test" in opened.get_content()
    assert cleared["Subject"].startswith("[OrderHub] Cleared: ")
    assert cleared["X-OrderHub-Event"] == "cleared"


def test_an_alert_reaches_a_webhook_signed_with_the_hubs_secret(
    tmp_path: Path, sqlite_template: Path, receiver: Receiver
) -> None:
    settings = AlertSettings(webhook_url=receiver.url, webhook_secret=SECRET)
    clock = FakeClock(T0)
    with webhook_world(tmp_path, sqlite_template, public_url=None, clock=clock) as world:
        monitor = AlertMonitor(world.hub.db, settings, clock=clock)
        fail_and_recover(world, clock, monitor)
        integration_id = world.integration_id
    assert len(receiver.received) == 2
    events = []
    for body, headers in receiver.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER.lower()] == expected
        assert verify_signature(SECRET, body, headers[SIGNATURE_HEADER.lower()])
        assert not verify_signature("another-hub", body, headers[SIGNATURE_HEADER.lower()])
        payload = json.loads(body)
        events.append((payload["event"], payload["incident"]["status"]))
        assert payload["incident"]["kind"] == "flowFailing"
        assert payload["incident"]["integration"] == integration_id
    assert events == [("opened", "open"), ("cleared", "cleared")]
