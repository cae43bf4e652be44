"""What a quiet run costs the database, pinned by count (not time): a regression that adds
statements or transactions to every poll shows here. `make bench-run-cost` prints the table.

The bounds are today's counts with a little room; a change that needs more should say why
in its commit and raise them. PostgreSQL's extra transactions are the shared call budget's:
one per Cart.com call (tests/support/run_cost.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orderhub.domain import FlowName
from orderhub.store.database import Database
from support.run_cost import measure_quiet_runs, quiet_world

# (statements, transactions) of one quiet orders.pull run; measured 21/7 on SQLite and
# 31/12 on PostgreSQL (5 Cart.com calls), against 42/13 and 56/20 before they were cut.
QUIET_ORDERS_PULL = {"sqlite": (24, 8), "postgresql": (38, 15)}
# A push flow's scheduled look at an empty feed starts no run: measured 9-10 statements.
IDLE_PUSH_LOOK_STATEMENTS = 12


@pytest.mark.slow  # a backfill of every flow first (3-5 s)
def test_a_quiet_orders_pull_stays_within_its_statement_bound(
    database: Database, tmp_path: Path
) -> None:
    kind = database.engine.dialect.name
    with quiet_world(database, tmp_path) as world:
        costs = {(cost.flow, cost.what): cost.count for cost in measure_quiet_runs(world)}

    orders = costs[(FlowName.ORDERS_PULL, "quiet run")]
    statements, transactions = QUIET_ORDERS_PULL[kind]
    assert orders.statements <= statements, sorted(orders.texts.items())
    assert orders.transactions <= transactions, sorted(orders.texts.items())
    for flow in (FlowName.INVENTORY_PUSH, FlowName.PRODUCTS_PUSH, FlowName.FULFILLMENTS_PUSH):
        look = costs[(flow, "idle look")]
        assert look.calls == 0
        assert look.statements <= IDLE_PUSH_LOOK_STATEMENTS, (flow, sorted(look.texts.items()))
