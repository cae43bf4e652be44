"""Open-loop HTTP traffic against a served hub, and the figures drawn from it.

Open loop: request i is due at `start + i / rate` whatever happened to the earlier ones, and
its latency is counted from that due time, not from when it was sent. A server that falls
behind therefore shows its queue in the figures (a closed loop, which waits for an answer
before sending the next request, would slow down with the server and hide it). The
generator's own lateness (sent minus due) is reported too: when it grows, the generator, not
the server, is the bottleneck.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Sample", "Summary", "open_loop", "percentile", "sequential", "summarise"]

LIST_COUNT = 50


@dataclass(frozen=True)
class Sample:
    kind: str  # "list" or "single"
    status: str  # "200", "503", … or the transport error's class name
    latency: float  # seconds from the due time to the full answer
    lateness: float  # seconds from the due time to the send


@dataclass
class Summary:
    sent: int
    statuses: dict[str, int]
    ok_p50_ms: float | None
    ok_p99_ms: float | None
    answered_p50_ms: float | None
    answered_p95_ms: float | None
    answered_p99_ms: float | None
    list_p99_ms: float | None
    single_p99_ms: float | None
    lateness_p99_ms: float | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Requests that got no HTTP answer at all (reset, refused, timed out)."""
        return sum(n for status, n in self.statuses.items() if not status.isdigit())

    @property
    def shed(self) -> int:
        return self.statuses.get("503", 0)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def summarise(samples: list[Sample]) -> Summary:
    answered = [s for s in samples if s.status.isdigit()]
    ok = [s.latency for s in answered if s.status == "200"]
    every = [s.latency for s in answered]
    return Summary(
        sent=len(samples),
        statuses=dict(Counter(s.status for s in samples)),
        ok_p50_ms=_ms(percentile(ok, 0.50)),
        ok_p99_ms=_ms(percentile(ok, 0.99)),
        answered_p50_ms=_ms(percentile(every, 0.50)),
        answered_p95_ms=_ms(percentile(every, 0.95)),
        answered_p99_ms=_ms(percentile(every, 0.99)),
        list_p99_ms=_ms(percentile([s.latency for s in answered if s.kind == "list"], 0.99)),
        single_p99_ms=_ms(percentile([s.latency for s in answered if s.kind == "single"], 0.99)),
        lateness_p99_ms=_ms(percentile([s.lateness for s in samples], 0.99)),
    )


def _path(kind: str, rng: random.Random, order_ids: list[str]) -> str:
    if kind == "list":
        skip = rng.randrange(0, 10) * LIST_COUNT
        return f"/api/v3/orders?count={LIST_COUNT}&skip={skip}"
    return f"/api/v3/orders/{rng.choice(order_ids)}"


def _client(url: str, key: str, *, timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {key}"},
        timeout=timeout,
        # No pool limit: an open loop must not queue in the client, or the queue it hides
        # would be the generator's, not the server's.
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
    )


async def _one(
    client: httpx.AsyncClient, kind: str, path: str, due: float, samples: list[Sample]
) -> None:
    sent = time.perf_counter()
    try:
        response = await client.get(path)
        await response.aread()
        status = str(response.status_code)
    except httpx.HTTPError as problem:
        status = type(problem).__name__
    samples.append(Sample(kind, status, time.perf_counter() - due, sent - due))


async def _open_loop(
    url: str,
    key: str,
    order_ids: list[str],
    *,
    rate: float,
    seconds: float,
    list_share: float,
    seed: int,
    timeout: float,
) -> list[Sample]:
    rng = random.Random(seed)
    samples: list[Sample] = []
    tasks: list[asyncio.Task[None]] = []
    async with _client(url, key, timeout=timeout) as client:
        start = time.perf_counter() + 0.1
        for i in range(int(rate * seconds)):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = "list" if rng.random() < list_share else "single"
            path = _path(kind, rng, order_ids)
            tasks.append(asyncio.create_task(_one(client, kind, path, due, samples)))
        await asyncio.gather(*tasks)
    return samples


def open_loop(
    url: str,
    key: str,
    order_ids: list[str],
    *,
    rate: float,
    seconds: float,
    list_share: float = 0.3,
    seed: int = 11,
    timeout: float = 10.0,
) -> list[Sample]:
    """Send `rate` requests per second for `seconds`, each on its schedule; every sample."""
    return asyncio.run(
        _open_loop(
            url,
            key,
            order_ids,
            rate=rate,
            seconds=seconds,
            list_share=list_share,
            seed=seed,
            timeout=timeout,
        )
    )


def sequential(url: str, key: str, order_ids: list[str], kind: str, n: int) -> list[float]:
    """`n` requests of one kind, one after the other: latency alone, in seconds."""
    rng = random.Random(3)
    latencies: list[float] = []
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30.0
    ) as client:
        for _ in range(n):
            path = _path(kind, rng, order_ids)
            began = time.perf_counter()
            response = client.get(path)
            response.raise_for_status()
            latencies.append(time.perf_counter() - began)
    return latencies
