"""The schedule mutex: a read-modify-write of `next_run_at` never loses a concurrent one."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from orderhub.engine.lease import locked_flow_state
from orderhub.secrets import SecretBox
from orderhub.store import Database
from orderhub.store import integrations as store_integrations
from orderhub.store import leases as store_leases

from .engine_fakes import FLOW, T0, add_integration


def test_a_second_writer_waits_and_reads_the_first_ones_write(
    database: Database, box: SecretBox
) -> None:
    integration_id = add_integration(database, box)
    inside = threading.Event()
    seen_by_second: list[object] = []

    def first() -> None:
        with (
            database.session() as session,
            locked_flow_state(session, integration_id, FLOW, now=T0) as state,
        ):
            inside.set()
            time.sleep(0.3)  # the second writer arrives meanwhile
            store_integrations.set_flow_schedule(
                session,
                integration_id,
                FLOW,
                last_run_at=state.last_run_at,
                next_run_at=T0 + timedelta(seconds=1),
                last_error=None,
            )

    def second() -> None:
        with (
            database.session() as session,
            locked_flow_state(session, integration_id, FLOW, now=T0) as state,
        ):
            seen_by_second.append(state.next_run_at)

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(timeout=10)
    two = threading.Thread(target=second)
    two.start()
    one.join(timeout=30)
    two.join(timeout=30)

    assert seen_by_second == [T0 + timedelta(seconds=1)]
    with database.session() as session:  # nothing of the mutex is left behind
        key = f"schedule:{integration_id}:{FLOW.value}"
        assert store_leases.holder(session, key=key) is None
