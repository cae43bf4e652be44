"""Properties of upserts that must hold whatever the order and repetition of writes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderhub.store import Database, EntityKind, Origin
from orderhub.store.feed import changes_since
from orderhub.store.records import get_record_by_ext, upsert_record
from orderhub.store.timeline import timeline

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ORIGIN = Origin("int_p", flow="products.pull")

# Each example gets its own external id, so examples can share the test's database.
SHARED_DB = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

versions = st.lists(
    st.fixed_dictionaries(
        {"sku": st.just("SKU-1"), "name": st.sampled_from(["A", "B", "C"])},
        optional={
            "price": st.sampled_from([1.5, 2.0, 10]),
            "status": st.sampled_from(["active", "inactive"]),
            "categories": st.lists(st.sampled_from(["x", "y"]), max_size=2),
        },
    ),
    min_size=1,
    max_size=8,
)


def _apply(database: Database, ext_id: str, sequence: list[dict[str, Any]]) -> list[str]:
    outcomes = []
    for step, data in enumerate(sequence):
        with database.session() as session:
            result = upsert_record(
                session,
                EntityKind.PRODUCT,
                integration_id="int_p",
                ext_id=ext_id,
                data=data,
                source_doc=None,
                origin=ORIGIN,
                now=T0 + timedelta(seconds=step),
            )
        outcomes.append(result.outcome)
    return outcomes


@SHARED_DB
@given(sequence=versions, order=st.randoms(use_true_random=False))
def test_any_order_of_versions_ends_with_the_last_one_applied(
    database: Database, sequence: list[dict[str, Any]], order: Any
) -> None:
    shuffled = list(sequence)
    order.shuffle(shuffled)
    ext_id = secrets.token_hex(6)
    outcomes = _apply(database, ext_id, shuffled)
    # One row per key, holding the last version written; a write is a change exactly
    # when it differs from the version before it.
    expected = ["created"] + [
        "unchanged" if shuffled[i] == shuffled[i - 1] else "updated"
        for i in range(1, len(shuffled))
    ]
    assert outcomes == expected
    with database.read_session() as session:
        record = get_record_by_ext(session, EntityKind.PRODUCT, "int_p", ext_id)
        assert record is not None
        assert record.data == shuffled[-1]
        changes = [
            c
            for c in changes_since(session, EntityKind.PRODUCT, 0, limit=10_000)
            if c.hub_id == record.hub_id
        ]
        events = timeline(session, EntityKind.PRODUCT, record.hub_id)
    writes = outcomes.count("created") + outcomes.count("updated")
    assert len(changes) == len(events) == writes
    assert changes[-1].seq == record.seq


@SHARED_DB
@given(data=versions.map(lambda vs: vs[0]), repeats=st.integers(min_value=1, max_value=4))
def test_re_upserting_the_same_data_is_idempotent(
    database: Database, data: dict[str, Any], repeats: int
) -> None:
    ext_id = secrets.token_hex(6)
    outcomes = _apply(database, ext_id, [data] * (repeats + 1))
    assert outcomes == ["created"] + ["unchanged"] * repeats
    with database.read_session() as session:
        record = get_record_by_ext(session, EntityKind.PRODUCT, "int_p", ext_id)
        assert record is not None
        assert record.updated_at == T0
        assert len(timeline(session, EntityKind.PRODUCT, record.hub_id)) == 1
