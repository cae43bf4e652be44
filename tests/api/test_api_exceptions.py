"""Sync exceptions through the API: list, read, retry one or all in the background, resolve."""

from __future__ import annotations

from collections.abc import Callable

from orderhub.domain import FlowName
from orderhub.hub import Hub
from orderhub.store import exceptions as exception_store
from support.stores import Store

from .conftest import API, Api, add_integration_row, days_ago, wait_until


def open_exception(
    hub: Hub, integration_id: str, ext_id: str, message: str = "bad SKU", reason: str = "mapping"
) -> str:
    with hub.db.session() as session:
        return exception_store.raise_exception(
            session,
            integration_id=integration_id,
            flow=FlowName.ORDERS_PULL,
            entity_type="order",
            ext_entity_id=ext_id,
            exception_type=reason,
            message=message,
            raw={"id": ext_id},
            now=hub.clock.now(),
        ).exception_id


def test_exceptions_list_filters_by_status_and_integration_and_reads_one(api: Api) -> None:
    first = add_integration_row(api.hub, name="First").integration_id
    second = add_integration_row(api.hub, name="Second").integration_id
    a = open_exception(api.hub, first, "1")
    b = open_exception(api.hub, first, "2")
    c = open_exception(api.hub, second, "3")
    with api.hub.db.session() as session:
        exception_store.resolve_exception(session, b, now=api.hub.clock.now())

    def ids(**params: object) -> list[str]:
        body = api.reader.get(f"{API}/exceptions", params=params).json()  # type: ignore[arg-type]
        assert body["pagination"]["total"] == len(body["exceptions"])
        return sorted(e["exceptionId"] for e in body["exceptions"])

    assert ids() == sorted([a, b, c])
    assert ids(status="open") == sorted([a, c])
    assert ids(status="resolved") == [b]
    assert ids(status="open", integration=first) == [a]
    assert ids(flow="orders.pull", status=["open", "resolved"]) == sorted([a, b, c])
    assert api.reader.get(f"{API}/exceptions", params={"status": "gone"}).status_code == 400

    page = api.reader.get(f"{API}/exceptions", params={"count": 2}).json()
    assert page["pagination"] == {"skip": 0, "count": 2, "pageSize": 2, "total": 3, "last": False}

    one = api.reader.get(f"{API}/exceptions/{a}").json()["exception"]
    assert one["message"] == "bad SKU"
    assert one["raw"] == {"id": "1"}
    assert one["status"] == "open"
    assert api.reader.get(f"{API}/exceptions/nope").status_code == 404


def test_exceptions_are_listed_and_retried_by_reason(api: Api) -> None:
    """`reason` narrows the list and the retry: with integration and flow, one group of the
    portal's page, and the answer counts that group, not the flow's every exception."""
    integration = add_integration_row(api.hub, connected=False).integration_id
    mapped = [open_exception(api.hub, integration, ext) for ext in ("1", "2")]
    other = open_exception(api.hub, integration, "3", reason="unknownStatus")

    listed = api.reader.get(f"{API}/exceptions", params={"reason": "unknownStatus"}).json()
    assert [e["exceptionId"] for e in listed["exceptions"]] == [other]
    both = api.reader.get(f"{API}/exceptions", params={"reason": ["mapping", "unknownStatus"]})
    assert both.json()["pagination"]["total"] == 3

    group = {"integration": integration, "flow": "orders.pull", "reason": "mapping"}
    answer = api.writer.post(f"{API}/exceptions/retry", params=group)
    assert (answer.status_code, answer.json()["exceptions"]) == (202, len(mapped))
    api.wait_for_background()  # not connected: the run is refused, the exceptions stay
    one_reason = api.writer.post(f"{API}/exceptions/retry", params={"reason": "unknownStatus"})
    assert one_reason.json()["exceptions"] == 1
    api.wait_for_background()
    none = api.writer.post(f"{API}/exceptions/retry", params={**group, "reason": "gone"})
    assert none.json() == {
        "success": True,
        "code": 202,
        "message": "No open exceptions to retry",
        "exceptions": 0,
    }
    unknown = api.writer.post(f"{API}/exceptions/retry", params={"integration": "nope"})
    assert unknown.status_code == 404
    bad_flow = api.writer.post(f"{API}/exceptions/retry", params={"flow": "nope.pull"})
    assert bad_flow.status_code == 400


def test_resolve_closes_an_open_exception_once(api: Api) -> None:
    integration = add_integration_row(api.hub).integration_id
    exception_id = open_exception(api.hub, integration, "7")
    resolved = api.writer.post(f"{API}/exceptions/{exception_id}/resolve")
    assert resolved.status_code == 200
    assert resolved.json()["exception"]["status"] == "resolved"
    assert resolved.json()["exception"]["resolvedAt"]
    again = api.writer.post(f"{API}/exceptions/{exception_id}/resolve")
    assert again.status_code == 409
    assert api.writer.post(f"{API}/exceptions/{exception_id}/retry").status_code == 409
    assert api.writer.post(f"{API}/exceptions/nope/resolve").status_code == 404
    assert api.writer.post(f"{API}/exceptions/nope/retry").status_code == 404


def test_retry_of_an_integration_that_is_not_connected_is_refused(api: Api) -> None:
    integration = add_integration_row(api.hub, connected=False).integration_id
    exception_id = open_exception(api.hub, integration, "7")
    refused = api.writer.post(f"{API}/exceptions/{exception_id}/retry")
    assert refused.status_code == 409
    assert "not connected" in refused.json()["message"]


def test_retry_refetches_the_record_in_the_background_and_clears_the_exception(
    api: Api, serve_store: Callable[..., Store]
) -> None:
    store = serve_store(orders=3)
    added = api.writer.post(
        f"{API}/integrations", json={"apiUrl": store.url, "apiKey": store.token}
    ).json()
    integration_id = added["integration"]["integrationId"]
    api.writer.put(
        f"{API}/integrations/{integration_id}",
        json={"flows": {"orders.pull": {"enabled": True, "since": days_ago(100).isoformat()}}},
    ).raise_for_status()
    api.writer.post(f"{API}/integrations/{integration_id}/sync").raise_for_status()
    api.wait_for_background()
    orders = api.reader.get(f"{API}/orders").json()["orders"]
    first, second = orders[0]["extOrderApiId"], orders[1]["extOrderApiId"]

    one = open_exception(api.hub, integration_id, first)
    response = api.writer.post(f"{API}/exceptions/{one}/retry")
    assert response.status_code == 202
    assert response.json()["exceptions"] == 1
    wait_until(
        lambda: (
            api.reader.get(f"{API}/exceptions/{one}").json()["exception"]["status"] == "resolved"
        )
    )
    # The exception closes when its record lands, before the retry's run ends: wait for the
    # run to end too, or the next retry finds the flow still running (a loaded machine did).
    wait_until(lambda: api.reader.get(f"{API}/runs").json()["runs"][0]["status"] != "running")
    retry_runs = api.reader.get(f"{API}/runs").json()["runs"]
    assert retry_runs[0]["trigger"] == "retry"

    two = open_exception(api.hub, integration_id, second)
    three = open_exception(api.hub, integration_id, first)
    everything = api.writer.post(f"{API}/exceptions/retry")
    assert everything.status_code == 202
    assert everything.json()["exceptions"] == 2
    wait_until(
        lambda: (
            api.reader.get(f"{API}/exceptions", params={"status": "open"}).json()["pagination"][
                "total"
            ]
            == 0
        )
    )
    for exception_id in (two, three):
        item = api.reader.get(f"{API}/exceptions/{exception_id}").json()["exception"]
        assert item["status"] == "resolved"

    nothing = api.writer.post(f"{API}/exceptions/retry")
    assert nothing.status_code == 202
    assert nothing.json() == {
        "success": True,
        "code": 202,
        "message": "No open exceptions to retry",
        "exceptions": 0,
    }
    assert (
        api.writer.post(f"{API}/exceptions/retry", params={"integration": "x"}).status_code == 404
    )
