"""Flows that react: a push flow's feed position as a column, adaptive polling of pull flows.

`feed_seq` mirrors the `seq` of a push flow's cursor, so the dispatcher can ask in one query
which push flows have changes waiting (a push with nothing new starts no run). `idle_runs`
counts a pull flow's runs in a row that found nothing new, which stretch its polling interval
from `interval_seconds` up to `max_interval_seconds`. `requested`: someone asked for a run (Sync
now, a trigger): it runs even if a push flow's feed holds nothing new.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flow_settings") as batch:
        batch.add_column(sa.Column("feed_seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("idle_runs", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("max_interval_seconds", sa.Integer(), nullable=False, server_default="900")
        )
        batch.add_column(
            sa.Column("requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # A push flow's position, from the cursor it saved (JSON text on SQLite, a document on
    # PostgreSQL): the only rows whose cursor holds a `seq`.
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT integration_id, flow, cursor FROM flow_settings"))
    for integration_id, flow, cursor in list(rows):
        document = json.loads(cursor) if isinstance(cursor, str) else cursor
        seq = document.get("seq") if isinstance(document, dict) else None
        if isinstance(seq, int) and not isinstance(seq, bool):
            connection.execute(
                sa.text(
                    "UPDATE flow_settings SET feed_seq = :seq "
                    "WHERE integration_id = :integration AND flow = :flow"
                ),
                {"seq": seq, "integration": integration_id, "flow": flow},
            )


def downgrade() -> None:
    with op.batch_alter_table("flow_settings") as batch:
        batch.drop_column("requested")
        batch.drop_column("max_interval_seconds")
        batch.drop_column("idle_runs")
        batch.drop_column("feed_seq")
