"""The dashboard's figures: series per hour/day, revenue in one currency, health with its cause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orderhub.domain import (
    FlowName,
    FlowSetting,
    Integration,
    IntegrationStatus,
    IntegrationWebhooks,
    WebhookFlowHealth,
    WebhookMode,
)
from orderhub.services.dashboard import (
    HealthState,
    describe_age,
    exceptions_per_day,
    integration_health,
    orders_per_bucket,
    revenue_per_bucket,
    status_counts,
)
from orderhub.store.dashboard import ExceptionSpan, OrderPoint

NOW = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)


def order(
    hours_ago: float, total: str = "10.00", currency: str = "USD", status: str = "new"
) -> OrderPoint:
    return OrderPoint(NOW - timedelta(hours=hours_ago), Decimal(total), currency, status)


def test_orders_are_counted_in_the_utc_day_or_hour_they_were_placed() -> None:
    points = [order(0.2), order(14.4), order(14.6), order(24 * 6 + 1)]
    daily = orders_per_bucket(points, NOW, days=7)
    assert [int(bar.value) for bar in daily] == [1, 0, 0, 0, 0, 1, 2]
    assert daily[-1].start == datetime(2026, 12, 3, tzinfo=UTC)
    assert daily[-1].label == "Dec 3"
    hourly = orders_per_bucket(points, NOW, days=1, hourly=True)
    assert len(hourly) == 24
    assert hourly[-1].value == 1  # 14:18, in the 14:00 hour
    assert sum(bar.value for bar in hourly) == 3  # 14.6 h ago is yesterday 23:54: inside 24 h


def test_revenue_is_summed_in_the_main_currency_without_canceled_orders() -> None:
    points = [
        order(1, "10.50"),
        order(2, "4.25"),
        order(3, "100.00", status="canceled"),
        order(4, "7.00", currency="CAD"),
    ]
    revenue = revenue_per_bucket(points, NOW, days=7)
    assert revenue.currency == "USD"
    assert revenue.bars[-1].value == Decimal("14.75")
    assert revenue.other_currencies == {"CAD": 1}


def test_statuses_read_in_words() -> None:
    points = [
        order(1, status="readyForFulfillment"),
        order(2, status="readyForFulfillment"),
        order(3),
    ]
    assert status_counts(points) == [("Ready for fulfillment", 2), ("New", 1)]


def test_exceptions_are_counted_open_at_the_end_of_each_day() -> None:
    spans = [
        ExceptionSpan(NOW - timedelta(days=3), None),
        ExceptionSpan(NOW - timedelta(days=3), NOW - timedelta(days=1, hours=20)),
        ExceptionSpan(NOW - timedelta(hours=1), None),
    ]
    bars = exceptions_per_day(spans, NOW, days=4)
    # Ends: Dec 1 00:00, Dec 2 00:00, Dec 3 00:00, and now (the second closed Dec 1 18:30).
    assert [int(bar.value) for bar in bars] == [2, 1, 1, 2]


def store(
    *, status: IntegrationStatus = IntegrationStatus.CONNECTED, **flows: FlowSetting
) -> Integration:
    settings = [flows.get(flow.name, FlowSetting(flow=flow)) for flow in FlowName]
    return Integration(
        integration_id="int1", connector="cartcom", name="Shop", api_url="https://shop.example.com",
        status=status, flows=settings,
    )  # fmt: skip


def on(flow: FlowName, *, minutes_ago: float = 60, error: str | None = None) -> FlowSetting:
    return FlowSetting(
        flow=flow, enabled=True, enabled_at=NOW - timedelta(minutes=minutes_ago), last_error=error
    )


def test_a_store_whose_flows_keep_up_is_healthy() -> None:
    integration = store(ORDERS_PULL=on(FlowName.ORDERS_PULL))
    succeeded = {("int1", FlowName.ORDERS_PULL): NOW - timedelta(minutes=3)}
    health = integration_health(integration, succeeded, None, NOW)
    assert health.state is HealthState.HEALTHY
    assert health.flows[0].lag == timedelta(minutes=3)


def test_a_pull_flow_without_success_for_three_long_polls_is_lagging_and_says_which() -> None:
    integration = store(ORDERS_PULL=on(FlowName.ORDERS_PULL, minutes_ago=600))
    succeeded = {("int1", FlowName.ORDERS_PULL): NOW - timedelta(minutes=50)}
    health = integration_health(integration, succeeded, None, NOW)
    assert health.state is HealthState.LAGGING
    assert health.cause == "Pull orders: no successful run for 50 min."


def test_a_push_flow_that_had_nothing_to_do_is_not_lagging() -> None:
    integration = store(INVENTORY_PUSH=on(FlowName.INVENTORY_PUSH, minutes_ago=6000))
    health = integration_health(integration, {}, None, NOW)
    assert health.state is HealthState.HEALTHY


def test_a_failing_flow_or_connection_is_failing_with_its_error() -> None:
    integration = store(
        ORDERS_PULL=on(FlowName.ORDERS_PULL, error="Cart.com answered 500"),
        PRODUCTS_PULL=on(FlowName.PRODUCTS_PULL, error="timeout"),
    )
    health = integration_health(integration, {}, None, NOW)
    assert health.state is HealthState.FAILING
    assert health.cause == "Pull orders: Cart.com answered 500 (and 1 more flows)"
    broken = store(status=IntegrationStatus.ERROR).model_copy(
        update={"status_message": "Cart.com rejected the API token"}
    )
    assert integration_health(broken, {}, None, NOW).cause == (
        "Connection: Cart.com rejected the API token"
    )


def test_webhooks_that_look_broken_are_named() -> None:
    integration = store(ORDERS_PULL=on(FlowName.ORDERS_PULL))
    hooks = IntegrationWebhooks(
        mode=WebhookMode.ON,
        message="on",
        flows=[WebhookFlowHealth(flow=FlowName.ORDERS_PULL, looks_broken=True)],
    )
    succeeded = {("int1", FlowName.ORDERS_PULL): NOW}
    health = integration_health(integration, succeeded, hooks, NOW)
    assert health.state is HealthState.WEBHOOKS_BROKEN
    assert "Pull orders" in health.cause


def test_ages_read_as_a_person_says_them() -> None:
    assert describe_age(timedelta(seconds=40)) == "40 s"
    assert describe_age(timedelta(minutes=12)) == "12 min"
    assert describe_age(timedelta(hours=3, minutes=5)) == "3 h 5 min"
    assert describe_age(timedelta(days=3)) == "3 days"
    assert describe_age(None) == "—"
