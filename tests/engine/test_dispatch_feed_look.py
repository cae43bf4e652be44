"""The dispatcher's feed look does not probe the change feed once per push flow.

Which push flows have a hub change waiting used to be one EXISTS on the feed per flow row
(8.7 ms at 500 stores on PostgreSQL, linear in stores). Now each flow's position is compared
with the newest change of each kind it reads: the feed is read a constant number of times per
look, whatever the number of stores. Counted by PostgreSQL itself (`pg_stat_xact_user_tables`:
the scans of the feed table in this transaction), not timed; the answer stays the same.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from orderhub.domain import FlowName
from orderhub.engine.cadence import feed_watches
from orderhub.hub import default_registry
from orderhub.secrets import SecretBox
from orderhub.store import Database
from orderhub.store import integrations as store_integrations
from orderhub.store.due_flows import find_due_flows
from orderhub.store.feed import feed_head
from orderhub.store.records import EntityKind, Origin, upsert_record

from .engine_fakes import T0, add_integration

INVENTORY = FlowName.INVENTORY_PUSH
STORES = 30


def _set_stock(database: Database, sku: str, integration_id: str | None) -> None:
    with database.session() as session:
        upsert_record(
            session,
            EntityKind.INVENTORY,
            integration_id=integration_id,
            ext_id=f"L1:{sku}",
            data={"sku": sku, "locationId": "L1", "available": 3},
            source_doc=None,
            origin=Origin(integration_id, actor="flow" if integration_id else "api"),
            now=T0,
        )


def test_the_feed_is_read_a_few_times_per_look_not_once_per_store(
    database: Database, box: SecretBox
) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("counts PostgreSQL's own statistics")
    _set_stock(database, "OLD", None)
    stores = [add_integration(database, box, enabled=(INVENTORY,)) for _ in range(STORES)]
    with database.session() as session:
        head = feed_head(session, EntityKind.INVENTORY)
        for integration_id in stores:  # every store caught up, its next safety look far off
            store_integrations.save_cursor(session, integration_id, INVENTORY, {"seq": head})
            store_integrations.set_flow_schedule(
                session,
                integration_id,
                INVENTORY,
                last_run_at=T0,
                next_run_at=T0.replace(year=2100),
                last_error=None,
            )
    maker = stores[0]
    _set_stock(database, "NEW", maker)  # one store's own change: the others have work
    feeds = feed_watches(default_registry())

    with database.read_session() as session:
        due = find_due_flows(session, now=T0, feeds=feeds)
        scans = session.execute(
            text(
                "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) "
                "FROM pg_stat_xact_user_tables WHERE relname = 'changes'"
            )
        ).scalar_one()

    assert {d.integration_id for d in due if d.flow is INVENTORY} == set(stores[1:])
    assert all(d.triggered for d in due)
    assert scans <= 5  # a few per feed kind, not one per store (30 before)
