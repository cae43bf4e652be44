"""`bench/latency.py --quick` and `bench/capacity.py --quick` end to end, so they cannot rot.

Each runs as `make bench-latency` / `make bench-capacity` would (real processes over loopback)
and the test checks that every row of its tables is printed with figures. Speed is never
asserted: targets are read against, not tested.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick", *args],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _rows(stdout: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
    ]


@pytest.mark.slow
def test_latency_quick_prints_orders_with_and_without_webhooks_and_fulfillments() -> None:
    rows = _rows(_run("latency.py"))
    by_figure = {(r[0], r[1]): r for r in rows if len(r) == 9}
    for mode in ("webhooks", "polling"):
        order = by_figure[("order placed in the store -> in the hub's API", mode)]
        assert int(order[2]) + int(order[8]) == 6  # every placed order seen, or counted unseen
        assert order[3].endswith(" s")
        assert order[4].endswith(" s")
    shipment = by_figure[("fulfillment made in the hub's API -> shipment in the store", "webhooks")]
    assert int(shipment[2]) + int(shipment[8]) <= 2  # made (and shipped or not), at most asked
    assert shipment[6] == "p95 < 5 s"
    costs = {r[0]: r for r in rows if len(r) == 5}
    assert set(costs) >= {"webhooks", "polling"}
    assert all(costs[mode][3].endswith("core)") for mode in ("webhooks", "polling"))


@pytest.mark.slow
def test_capacity_quick_prints_each_step_the_summary_and_the_extrapolation() -> None:
    server = os.environ.get("ORDERHUB_TEST_DATABASE_URL")
    if not server:
        pytest.skip("ORDERHUB_TEST_DATABASE_URL is not set")
    stdout = _run(
        "capacity.py", "--database-url", server, "--database", f"bench_cap_{secrets.token_hex(4)}"
    )
    rows = _rows(stdout)
    steps = [r for r in rows if len(r) == 10 and r[8] in ("yes", "no")]  # not the details
    assert [r[0] for r in steps] == ["3 + 1", "6 + 1"]
    for step in steps:
        assert float(step[2]) > 0  # worker CPU per store-hour
        assert float(step[3]) > 0  # PostgreSQL commits per store-minute
    figures = {r[0] for r in rows}
    assert {
        "steel stores one worker process holds",
        "worker CPU per store-hour, all stores of the largest step",
        "PostgreSQL commits per store-minute, all stores",
        "one more quiet store adds (3 -> 6 stores)",
        "Cart.com calls per quiet store-minute",
        "quiet stores one worker core carries (CPU only, no latency)",
        "worker processes",
        "worker cores (CPU in use)",
        "PostgreSQL transactions per second",
    } <= figures
    assert "Benchmark took" in stdout
