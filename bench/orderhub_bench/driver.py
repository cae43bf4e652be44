"""The hub side of one benchmark, in its own process: `python -m orderhub_bench.driver SPEC OUT`.

SPEC is a JSON file naming a task and its parameters; the task builds the hub from the
environment (`ORDERHUB_HOME`, SQLite by default), does its untimed setup, measures its timed
section and writes its figures as JSON to OUT. Its peak RSS is read by the parent (os.wait4).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orderhub.hub import Hub, build_hub
from orderhub_bench.procs import peak_rss_mb
from orderhub_bench.tasks_orders import baseline_pull, orders_pull
from orderhub_bench.tasks_push import (
    fulfillments_push,
    fulfillments_setup,
    inventory_push,
    inventory_setup,
    naive_inventory_push,
    products_push,
    products_setup,
)

__all__ = ["TASKS", "main"]

Task = Callable[[Hub, dict[str, Any]], dict[str, Any]]

TASKS: dict[str, Task] = {
    "orders_pull": orders_pull,
    "baseline_pull": baseline_pull,
    "inventory_setup": inventory_setup,
    "inventory_push": inventory_push,
    "naive_inventory_push": naive_inventory_push,
    "products_setup": products_setup,
    "products_push": products_push,
    "fulfillments_setup": fulfillments_setup,
    "fulfillments_push": fulfillments_push,
}


def main(argv: list[str]) -> int:
    spec_path, out_path = Path(argv[0]), Path(argv[1])
    spec: dict[str, Any] = json.loads(spec_path.read_text())
    logging.basicConfig(level=logging.WARNING)
    hub = build_hub()
    try:
        result = TASKS[spec["task"]](hub, spec)
    finally:
        hub.close()
    result["driver_peak_rss_mb"] = peak_rss_mb()
    out_path.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
