"""`orderhub sandbox --stores N`: N independent stores from one process, all stopped by SIGTERM."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import IO, Any

import httpx

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig

STORES = 3
SEED = 1
ORDERS = 20
PRODUCTS = 5
_PORT_ATTEMPTS = 5


@dataclass(frozen=True)
class PrintedStore:
    url: str
    token: str


def _consecutive_free_ports(count: int) -> int:
    """A base port such that base .. base+count-1 were all free a moment ago."""
    for _ in range(50):
        with ExitStack() as held:
            first = held.enter_context(socket.socket())
            first.bind(("127.0.0.1", 0))
            base = int(first.getsockname()[1])
            if base + count > 65535:
                continue
            try:
                for offset in range(1, count):
                    sock = held.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", base + offset))
            except OSError:
                continue
            return base
    raise RuntimeError(f"no {count} consecutive free ports found")


class _Output:
    """The process's stdout read on a thread, so the test can wait for a line with a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        for line in self.stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def read_stores(self, timeout: float) -> list[PrintedStore] | None:
        """Parse the `Store i:` / `API URL: …` / `API token: …` blocks; None if it exited first."""
        deadline = time.monotonic() + timeout
        printed: list[str] = []
        while len(printed) < 3 * STORES:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                return None
            printed.append(line)
        stores = []
        for i in range(STORES):
            header, url, token = printed[3 * i : 3 * i + 3]
            assert header == f"Store {i}:"
            assert url.startswith("API URL: ")
            assert token.startswith("API token: ")
            stores.append(
                PrintedStore(url=url.removeprefix("API URL: "), token=token[len("API token: ") :])
            )
        return stores

    def close(self) -> None:
        """After the process has exited: the pump sees EOF, then the pipe is closed."""
        self.thread.join(timeout=5)
        self.stream.close()


def _start(base: int) -> tuple[subprocess.Popen[str], _Output]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orderhub.cli.main",
            "sandbox",
            "--stores",
            str(STORES),
            "--port",
            str(base),
            "--seed",
            str(SEED),
            "--orders",
            str(ORDERS),
            "--products",
            str(PRODUCTS),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    return process, _Output(process.stdout)


def _seed_fields(order: dict[str, Any]) -> dict[str, Any]:
    """The fields the seed decides (timestamps follow the moment the store was made)."""
    return {key: value for key, value in order.items() if not key.endswith("_at")}


def test_stores_each_serve_their_own_seed_on_consecutive_ports_until_sigterm() -> None:
    for _ in range(_PORT_ATTEMPTS):
        base = _consecutive_free_ports(STORES)
        process, output = _start(base)
        stores = output.read_stores(timeout=30)
        if stores is not None:
            break
        process.wait(timeout=10)  # a port was taken in between: it exits with an error; retry
        output.close()
    else:
        raise AssertionError("the sandbox never started on free ports")
    try:
        assert [store.url for store in stores] == [
            f"http://127.0.0.1:{base + i}" for i in range(STORES)
        ]
        first_orders = []
        for i, store in enumerate(stores):
            response = httpx.get(
                f"{store.url}/api/v1/orders",
                params={"count": "1"},
                headers={"X-AC-Auth-Token": store.token},
            )
            assert response.status_code == 200
            body = response.json()
            assert body["total_count"] == ORDERS
            order = body["orders"][0]
            expected = Sandbox(SandboxConfig(seed=SEED + i, orders=ORDERS, products=PRODUCTS))
            assert _seed_fields(order) == _seed_fields(
                expected.store.get_order(order["id"], expand=False) or {}
            )
            first_orders.append(_seed_fields(order))
        assert all(
            first_orders[i] != first_orders[j] for i in range(STORES) for j in range(i + 1, STORES)
        )
        # Independent stores: one store's token means nothing to another.
        other = httpx.get(
            f"{stores[1].url}/api/v1/orders", headers={"X-AC-Auth-Token": stores[0].token}
        )
        assert other.status_code == 401
    finally:
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            output.close()
    assert code == 0
    assert time.monotonic() - started < 5
    for store in stores:
        try:
            httpx.get(f"{store.url}/api/v1/orders", timeout=1)
        except httpx.ConnectError:
            continue
        raise AssertionError(f"{store.url} still answers after SIGTERM")
