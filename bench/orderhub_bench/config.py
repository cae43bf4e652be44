"""Benchmark sizes: the full run (issue 6) and a quick run that only proves the harness works."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FULL", "QUICK", "Sizes"]


@dataclass(frozen=True)
class Sizes:
    mode: str
    backfill_orders: int  # scenario 1
    baseline_orders: int  # scenario 1: the baseline runs on this subset, scaled per order
    profile_orders: int  # scenario 1: cProfile over the first N orders of the same store
    limited_orders: int  # scenario 2
    limited_plan: str
    fresh_window_seconds: float  # scenario 2: wait out the window the setup calls opened
    inventory_skus: int  # scenario 3
    inventory_products: int  # sandbox products giving at least `inventory_skus` usable SKUs
    changed_share: float
    fulfillments: int  # scenario 4
    fulfillment_orders: int  # sandbox orders to pick `fulfillments` open ones from
    growth_sizes: tuple[int, ...]  # scenario 5
    catalog_products: int  # scenario 7: sandbox products (each with its variant SKUs)
    profile: bool = True


FULL = Sizes(
    mode="full",
    backfill_orders=20_000,
    baseline_orders=2_000,
    profile_orders=5_000,
    limited_orders=5_000,
    limited_plan="gold",
    fresh_window_seconds=10.5,
    inventory_skus=10_000,
    inventory_products=4_600,  # seed 1: 10,078 distinct non-empty SKUs
    changed_share=0.01,
    fulfillments=1_000,
    fulfillment_orders=5_000,  # seed 1: about 1,100 open orders
    growth_sizes=(1_000, 10_000, 100_000),
    catalog_products=1_500,
)

QUICK = Sizes(
    mode="quick",
    backfill_orders=300,
    baseline_orders=40,
    profile_orders=200,
    limited_orders=200,
    limited_plan="gold",
    fresh_window_seconds=0.0,
    inventory_skus=200,
    inventory_products=100,
    changed_share=0.01,
    fulfillments=10,
    fulfillment_orders=150,
    growth_sizes=(100, 200, 400),
    catalog_products=40,
)
