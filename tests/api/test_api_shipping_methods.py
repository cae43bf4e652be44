"""`/api/v3/integrations/{id}/shippingMethods`: list, put (add or replace), delete."""

from __future__ import annotations

from .conftest import API, Api, add_integration_row


def test_put_list_delete(api: Api) -> None:
    integration_id = add_integration_row(api.hub).integration_id
    path = f"{API}/integrations/{integration_id}/shippingMethods"

    saved = api.writer.put(path, json={"carrier": "UPSN", "method": "UPS Ground"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["shippingMethod"]["carrier"] == "UPSN"
    api.writer.put(path, json={"carrier": "Purolator", "service": "Express", "method": "X"})
    again = api.writer.put(
        path, json={"carrier": "purolator", "service": "EXPRESS", "method": "FedEx Ground"}
    )
    assert again.json()["shippingMethod"]["method"] == "FedEx Ground"

    listed = api.reader.get(path).json()
    assert listed["pagination"]["total"] == 2
    assert [(m["carrier"], m.get("service"), m["method"]) for m in listed["shippingMethods"]] == [
        ("purolator", "EXPRESS", "FedEx Ground"),
        ("UPSN", None, "UPS Ground"),
    ]

    assert api.writer.delete(path, params={"carrier": "UPSN"}).status_code == 200
    gone = api.writer.delete(path, params={"carrier": "UPSN"})
    assert gone.status_code == 404
    assert gone.json()["success"] is False
    assert len(api.reader.get(path).json()["shippingMethods"]) == 1


def test_the_reader_key_cannot_write_and_unknown_integrations_are_404(api: Api) -> None:
    integration_id = add_integration_row(api.hub).integration_id
    path = f"{API}/integrations/{integration_id}/shippingMethods"
    body = {"carrier": "UPS", "method": "UPS Ground"}
    assert api.reader.put(path, json=body).status_code == 403
    assert api.writer.put(f"{API}/integrations/nope/shippingMethods", json=body).status_code == 404
    assert api.writer.put(path, json={"carrier": "UPS"}).status_code == 422
