"""How long the sandbox takes to seed a store, in CPU seconds, at growing sizes.

Tests only check what seeding produces; this prints how fast it is (the brief asked for
5,000 orders in under 2 s). Run: `.venv/bin/python bench/sandbox_seed.py`.
"""

from __future__ import annotations

import time

from orderhub.connectors.cartcom.sandbox import Sandbox, SandboxConfig

SIZES = (1_000, 5_000, 20_000)


def main() -> None:
    print("| orders | products | CPU s | wall s |")
    print("|---:|---:|---:|---:|")
    for orders in SIZES:
        cpu, wall = time.process_time(), time.perf_counter()
        sandbox = Sandbox(SandboxConfig(seed=1, orders=orders, products=200, plan="unlimited"))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert sandbox.store.order_count() == orders
        print(f"| {orders:,} | 200 | {cpu:.2f} | {wall:.2f} |")


if __name__ == "__main__":
    main()
