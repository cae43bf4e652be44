"""Webhook state in the store: endpoint secrets, the inbox, and what polls say of webhooks."""

from __future__ import annotations

from datetime import timedelta

from orderhub.domain import FlowName, SubscriptionCheck
from orderhub.secrets import SecretBox
from orderhub.store import Database
from orderhub.store import integrations as integration_store
from orderhub.store import webhooks as store

from .conftest import T0

ORDERS = FlowName.ORDERS_PULL
PRODUCTS = FlowName.PRODUCTS_PULL


def _delivery(ext_id: str | None, flow: FlowName | None = ORDERS) -> store.Delivery:
    return store.Delivery(event_type="OrderUpdated", flow=flow, ext_id=ext_id, body_bytes=120)


def _subscribe(database: Database, integration_id: str, box: SecretBox, *flows: FlowName) -> None:
    with database.session() as session:
        store.ensure_secret(session, integration_id, box, now=T0)
        check = SubscriptionCheck(checked_at=T0, ok=True, message="ok")
        store.save_subscriptions(
            session, integration_id, check, subscribed_flows=flows, watched_flows=(ORDERS, PRODUCTS)
        )


def test_a_secret_is_made_once_kept_encrypted_and_checked_by_hash(
    database: Database, integration_id: str, box: SecretBox
) -> None:
    with database.session() as session:
        secret = store.ensure_secret(session, integration_id, box, now=T0)
        assert store.ensure_secret(session, integration_id, box, now=T0) == secret
    assert len(secret) >= 43  # 256 random bits, URL-safe
    with database.read_session() as session:
        assert store.endpoint_secret(session, integration_id, box) == secret
        assert store.check_secret(session, integration_id, secret)
        assert not store.check_secret(session, integration_id, secret[:-1] + "x")
        assert not store.check_secret(session, integration_id, secret + "x" * 200)
        assert not store.check_secret(session, "0000000000000000", secret)
    with database.session() as session:
        fresh = store.new_secret(session, integration_id, box, now=T0)
    with database.read_session() as session:
        assert fresh != secret
        assert store.check_secret(session, integration_id, fresh)
        assert not store.check_secret(session, integration_id, secret)


def test_no_secret_before_the_first_subscription(
    database: Database, integration_id: str, box: SecretBox
) -> None:
    with database.read_session() as session:
        assert store.endpoint_secret(session, integration_id, box) is None
        assert not store.check_secret(session, integration_id, "")


def test_announced_answers_per_record_since_a_time(database: Database, integration_id: str) -> None:
    with database.session() as session:
        store.record_delivery(session, integration_id, _delivery("101"), now=T0)
        store.record_delivery(session, integration_id, _delivery("102"), now=T0 + timedelta(1))
        store.record_delivery(session, integration_id, _delivery("102"), now=T0 + timedelta(1))
        store.record_delivery(session, integration_id, _delivery("7", PRODUCTS), now=T0)
        store.record_delivery(session, integration_id, _delivery(None, None), now=T0)
    with database.read_session() as session:
        ids = ["101", "102", "103", "7"]
        assert store.announced(session, integration_id, ORDERS, ids, T0) == {"101", "102"}
        later = T0 + timedelta(hours=1)
        assert store.announced(session, integration_id, ORDERS, ids, later) == {"102"}
        assert store.unannounced(session, integration_id, ORDERS, [*ids, "103"], T0) == 2
        assert store.unannounced(session, integration_id, PRODUCTS, ids, T0) == 3
        assert store.count_deliveries(session, integration_id) == 5
        latest = store.list_deliveries(session, integration_id, limit=2)
    assert [d.ext_id for d in latest] == [None, "7"]


def test_the_last_delivery_moves_at_most_once_a_second(
    database: Database, integration_id: str
) -> None:
    for offset in (0.0, 0.4, 0.9, 1.5):
        with database.session() as session:
            moment = T0 + timedelta(seconds=offset)
            store.record_delivery(session, integration_id, _delivery("1"), now=moment)
    with database.read_session() as session:
        health = store.flow_health(session, [integration_id])[integration_id]
    assert health[ORDERS].last_delivery_at == T0 + timedelta(seconds=1.5)
    assert not health[ORDERS].expected  # a delivery alone does not say webhooks are subscribed


def test_old_deliveries_are_pruned_in_bounded_batches(
    database: Database, integration_id: str
) -> None:
    with database.session() as session:
        for n in range(5):
            store.record_delivery(session, integration_id, _delivery(str(n)), now=T0)
        store.record_delivery(session, integration_id, _delivery("new"), now=T0 + timedelta(7))
    now = T0 + store.RETENTION + timedelta(seconds=1)
    with database.session() as session:
        assert store.prune_inbox(session, now=now, limit=3) == 3
        assert store.prune_inbox(session, now=now, limit=3) == 2
        assert store.prune_inbox(session, now=now) == 0
        assert store.count_deliveries(session) == 1


def test_polls_that_keep_finding_unannounced_changes_make_webhooks_look_broken(
    database: Database, integration_id: str, box: SecretBox
) -> None:
    _subscribe(database, integration_id, box, ORDERS)
    with database.session() as session:
        store.record_delivery(session, integration_id, _delivery("1"), now=T0)
    moments = [T0 + timedelta(minutes=n) for n in range(1, 8)]
    with database.session() as session:
        first = store.check_poll(session, integration_id, ORDERS, ["1"], since=T0, now=moments[0])
        assert (first.last_poll_changed, first.last_poll_unannounced) == (1, 0)
        assert not first.looks_broken
        for moment in moments[1 : 1 + store.BROKEN_AFTER - 1]:
            health = store.check_poll(
                session, integration_id, ORDERS, ["2", "3"], since=T0, now=moment
            )
            assert not health.looks_broken
        quiet = store.record_poll(
            session, integration_id, ORDERS, changed=0, unannounced=0, now=moments[3]
        )
        assert not quiet.looks_broken  # nothing found: no news either way
        broken = store.check_poll(session, integration_id, ORDERS, ["4"], since=T0, now=moments[4])
    assert broken.looks_broken
    assert broken.broken_since == moments[4]
    assert (broken.last_poll_changed, broken.last_poll_unannounced) == (1, 1)
    with database.session() as session:
        store.record_delivery(session, integration_id, _delivery("5"), now=moments[5])
        healed = store.check_poll(
            session, integration_id, ORDERS, ["5"], since=moments[5], now=moments[6]
        )
    assert not healed.looks_broken
    assert healed.broken_since is None


def test_flows_without_subscribed_webhooks_are_not_judged(
    database: Database, integration_id: str, box: SecretBox
) -> None:
    _subscribe(database, integration_id, box, ORDERS)
    with database.session() as session:
        for minute in range(store.BROKEN_AFTER + 1):
            moment = T0 + timedelta(minutes=minute)
            products = store.check_poll(
                session, integration_id, PRODUCTS, ["9"], since=T0, now=moment
            )
            orders = store.check_poll(session, integration_id, ORDERS, ["9"], since=T0, now=moment)
    assert not products.looks_broken
    assert products.last_poll_at is None
    assert orders.looks_broken
    _subscribe(database, integration_id, box)  # orders.pull's webhooks unsubscribed
    with database.read_session() as session:
        health = store.flow_health(session, [integration_id])[integration_id]
    assert not health[ORDERS].looks_broken


def test_removing_the_integration_removes_its_webhook_state(
    database: Database, integration_id: str, box: SecretBox
) -> None:
    _subscribe(database, integration_id, box, ORDERS)
    with database.session() as session:
        store.record_delivery(session, integration_id, _delivery("1"), now=T0)
        assert integration_store.delete_integration(session, integration_id)
    with database.read_session() as session:
        assert store.count_deliveries(session) == 0
        assert store.endpoint_secret(session, integration_id, box) is None
        assert store.flow_health(session, [integration_id]) == {integration_id: {}}
        assert store.subscription_checks(session, [integration_id]) == {integration_id: None}
