"""settled_seq: a feed reader never saves a position past a change that may still commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderhub.store import Database
from orderhub.store.feed import discard_change, record_change, settled_seq
from orderhub.store.records import EntityKind, Origin

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=5)
ORIGIN = Origin(None, actor="api")


def feed_with_a_gap(database: Database, *, after_gap_at: datetime) -> list[int]:
    """Seqs a, b, (c taken and never committed), d: returns [a, b, c, d]."""
    with database.session() as session:
        a = record_change(session, EntityKind.FULFILLMENT, "f1", ORIGIN, NOW - timedelta(hours=1))
        b = record_change(session, EntityKind.ORDER, "o1", ORIGIN, NOW - timedelta(hours=1))
        c = record_change(session, EntityKind.FULFILLMENT, "f2", ORIGIN, NOW)
        discard_change(session, c)  # as a rolled-back or still-running transaction leaves it
        d = record_change(session, EntityKind.FULFILLMENT, "f3", ORIGIN, after_gap_at)
    return [a, b, c, d]


def test_a_young_gap_holds_the_position_before_it_on_postgresql(database: Database) -> None:
    a, b, c, d = feed_with_a_gap(database, after_gap_at=NOW - timedelta(seconds=30))
    with database.read_session() as session:
        settled = settled_seq(session, a - 1, d, now=NOW, grace=GRACE)
        held_at_start = settled_seq(session, b, d, now=NOW, grace=GRACE)
        before_gap = settled_seq(session, a - 1, b, now=NOW, grace=GRACE)
        sqlite = session.get_bind().dialect.name == "sqlite"
    assert (c, d) == (b + 1, b + 2)
    assert before_gap == b
    if sqlite:  # SQLite serialises writers: a gap there is never a change still to come
        assert (settled, held_at_start) == (d, d)
    else:
        assert (settled, held_at_start) == (b, b)


def test_an_old_gap_is_passed(database: Database) -> None:
    a, _b, _c, d = feed_with_a_gap(database, after_gap_at=NOW - timedelta(minutes=6))
    with database.read_session() as session:
        assert settled_seq(session, a - 1, d, now=NOW, grace=GRACE) == d


def test_nothing_read_keeps_the_position(database: Database) -> None:
    a, *_ = feed_with_a_gap(database, after_gap_at=NOW)
    with database.read_session() as session:
        assert settled_seq(session, a, a, now=NOW, grace=GRACE) == a
