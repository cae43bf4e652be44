"""Many stores behind one server (`sandbox/many.py`): each address reaches its own store."""

from __future__ import annotations

import socket

import httpx
import pytest

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig
from orderhub.connectors.cartcom.sandbox.many import (
    StoresInUseError,
    consecutive_hosts,
    consecutive_ports,
    serve_stores,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stores(count: int) -> list[Sandbox]:
    return [
        Sandbox(SandboxConfig(seed=10 + i, orders=3 + i, products=2, plan="steel"))
        for i in range(count)
    ]


def test_addresses_are_consecutive_hosts_on_one_port_or_consecutive_ports() -> None:
    assert consecutive_hosts("127.0.0.1", 9000, 3) == [
        ("127.0.0.1", 9000),
        ("127.0.0.2", 9000),
        ("127.0.0.3", 9000),
    ]
    assert consecutive_hosts("127.0.0.255", 9000, 2)[1] == ("127.0.1.0", 9000)
    assert consecutive_ports("127.0.0.1", 9000, 2) == [("127.0.0.1", 9000), ("127.0.0.1", 9001)]
    with pytest.raises(ValueError, match="loopback"):
        consecutive_hosts("127.255.255.254", 9000, 3)


def test_each_loopback_address_on_one_port_is_its_own_store_with_its_own_budget() -> None:
    stores = _stores(3)
    addresses = consecutive_hosts("127.0.0.1", _free_port(), 3)
    with serve_stores(stores, addresses), httpx.Client() as client:
        for sb, (host, port) in zip(stores, addresses, strict=True):
            answer = client.get(
                f"http://{host}:{port}/api/v1/orders",
                headers={"X-AC-Auth-Token": sb.full_token},
            )
            assert answer.status_code == 200
            assert answer.json()["total_count"] == sb.store.order_count()
            assert answer.headers["X-AC-Call-Limit"] == "1/5"  # steel, this store's first call
        first, second = addresses[0], addresses[1]
        refused = client.get(
            f"http://{second[0]}:{second[1]}/api/v1/orders",
            headers={"X-AC-Auth-Token": stores[0].full_token},
        )
        assert refused.status_code == 401
        order_id = stores[0].store.create_order()["id"]
        seen = client.get(f"http://{first[0]}:{first[1]}/_sandbox/orders/{order_id}")
        assert seen.status_code == 200
        assert seen.json()["shipments"] == []
    assert [sb.calls()["total"] for sb in stores] == [1, 2, 1]


def test_a_taken_address_is_named_and_nothing_is_left_listening() -> None:
    for _attempt in range(5):  # another process may grab the free port in between: try again
        port = _free_port()
        addresses = consecutive_ports("127.0.0.1", port, 2)
        with socket.socket() as taken:
            try:
                taken.bind(addresses[1])
            except OSError:
                continue
            taken.listen()
            with pytest.raises(StoresInUseError) as raised, serve_stores(_stores(2), addresses):
                pass
        if raised.value.address == addresses[0]:
            continue  # the first port was taken by someone else meanwhile
        assert raised.value.address == addresses[1]
        with socket.socket() as again:
            again.bind(addresses[0])  # released
        return
    raise AssertionError("no free pair of ports found")
