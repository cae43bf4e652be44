"""Alert incidents: one row per problem the hub told someone about, open until it clears.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "alert_incidents",
        sa.Column("id", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(16), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("integration_id", sa.String(16), nullable=True),
        sa.Column("flow", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("opened_at", _TIME, nullable=False),
        sa.Column("cleared_at", _TIME, nullable=True),
        sa.Column("absent_since", _TIME, nullable=True),
        sa.Column("open_sent", _JSON, nullable=False),
        sa.Column("clear_sent", _JSON, nullable=False),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_incidents"),
        sa.UniqueConstraint("incident_id", name="uq_alert_incidents_incident_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_alert_incidents_open",
        "alert_incidents",
        ["key"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_index("ix_alert_incidents_status_id", "alert_incidents", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_alert_incidents_status_id", table_name="alert_incidents")
    op.drop_index("uq_alert_incidents_open", table_name="alert_incidents")
    op.drop_table("alert_incidents")
