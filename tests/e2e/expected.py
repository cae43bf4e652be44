"""An independent oracle: read the whole (quiet) store by page numbers and map every order."""

from __future__ import annotations

from typing import Any

import httpx

from orderhub.connectors.cartcom.mapping import StatusBook, map_order


def _all(
    http: httpx.Client, resource: str, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = http.get(
            f"/api/v1/{resource}", params={"page": str(page), "count": "250", **(params or {})}
        )
        reply.raise_for_status()
        body = reply.json()
        records.extend(body[resource])
        if "next_page" not in body:
            return records
        page += 1


def expected_orders(
    store_url: str, token: str, *, transport: httpx.BaseTransport | None = None
) -> dict[str, dict[str, Any]]:
    """extOrderApiId → the hub order's wire form, as a full read of the store says it should be.

    `transport`: the store in process (`SandboxTransport`) instead of over the network."""
    headers = {"X-AC-Auth-Token": token, "Cache-Control": "no-cache"}
    with httpx.Client(base_url=store_url, headers=headers, timeout=60, transport=transport) as http:
        statuses = StatusBook.from_records(_all(http, "order_statuses"))
        addresses = {a["id"]: a for a in _all(http, "order_addresses")}
        customers = {c["id"]: c for c in _all(http, "customers")}
        orders = _all(http, "orders", {"expand": "items,payments,shipments,custom_fields"})
        # Expanded shipments come without their items; every shipment, listed with them.
        shipments = {s["id"]: s for s in _all(http, "order_shipments", {"expand": "items"})}
    result: dict[str, dict[str, Any]] = {}
    for order in orders:
        order["shipments"] = [
            {**s, "items": shipments[s["id"]].get("items")} if s.get("items") is None else s
            for s in order.get("shipments") or []
        ]
        mapped = map_order(
            order, statuses=statuses, addresses=addresses, customers=customers, store_url=store_url
        )
        result[mapped.ext_order_api_id] = mapped.to_wire()
    return result


HUB_FIELDS = ("orderId", "integration", "createdAt", "updatedAt")


def strip_hub_fields(order: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in order.items() if k not in HUB_FIELDS}
