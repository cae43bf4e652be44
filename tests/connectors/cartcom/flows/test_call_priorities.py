"""A steel store with products.pull, locations.pull and inventory.push busy still ships at once.

The scenario (tests/support/busy_store.py) runs twice on fresh stores: with priorities, then
with `priorities=False` as the control. The window is shortened to half a second on both
sides (sandbox and limiter), so 5 calls per 0.5 s. A fulfillment push costs 5 calls (statuses,
the order, its shipments, the shipment POST, the status PUT): with priorities its POST goes
out within about one window; in the control it queues with the busy flows for every call.
Neither run may see a 429: the budget is one either way, only its order changes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from statistics import median

import pytest

from orderhub.domain import FlowName
from orderhub.store.database import Database
from support.busy_store import run_busy_store

pytestmark = pytest.mark.slow

WINDOW = 0.5
MARGIN = 0.05
BUSY = (FlowName.PRODUCTS_PULL, FlowName.LOCATIONS_PULL, FlowName.INVENTORY_PUSH)


def test_a_fulfillment_goes_out_within_about_a_window_while_three_flows_keep_the_store_busy(
    sqlite_template: Path, tmp_path: Path
) -> None:
    results = {}
    for priorities in (True, False):
        home = tmp_path / ("priorities" if priorities else "control")
        shutil.copyfile(sqlite_template, f"{home}.db")  # a fresh, migrated hub each
        database = Database.from_url(f"sqlite:///{home}.db", migrate=False)
        try:
            results[priorities] = run_busy_store(
                database,
                home,
                priorities=priorities,
                window=WINDOW,
                margin=MARGIN,
                busy=BUSY,
                fulfillments=3,
            )
        finally:
            database.dispose()
    ranked, control = results[True], results[False]
    for name, run in (("priorities", ranked), ("control", control)):
        print(  # figures for the notes: pytest -s
            f"\n{name}: fulfillment latency {[round(x, 2) for x in run.latencies]} s "
            f"(window {WINDOW} s); {run.calls} calls, {run.rejected} x 429; {run.flow_calls}"
        )

    assert ranked.errors == control.errors == []
    assert ranked.rejected == control.rejected == 0
    assert ranked.calls > 2 * 5  # the store was busy for several windows
    # Four calls must go out before the POST: at most a window's wait for the first, then the
    # slots freeing after it (slack for a busy machine).
    assert max(ranked.latencies) <= 2 * (WINDOW + MARGIN) + 0.3
    assert median(ranked.latencies) <= WINDOW + MARGIN
    assert median(control.latencies) >= 2 * median(ranked.latencies)
