"""Verifications: one row per completeness check of a pull flow (`integrations verify`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "verifications",
        sa.Column("id", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("verification_id", sa.String(16), nullable=False),
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.Column("since", _TIME, nullable=True),
        sa.Column("checked_until", _TIME, nullable=True),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Integer(), nullable=False),
        sa.Column("refetched", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("gaps", _JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.integration_id"],
            name="fk_verifications_integration_id_integrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_verifications"),
        sa.UniqueConstraint("verification_id", name="uq_verifications_verification_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_verifications_integration_id_flow_id", "verifications", ["integration_id", "flow", "id"]
    )
    op.create_index(
        "ix_verifications_integration_id_started_at",
        "verifications",
        ["integration_id", "started_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_verifications_integration_id_started_at", table_name="verifications")
    op.drop_index("ix_verifications_integration_id_flow_id", table_name="verifications")
    op.drop_table("verifications")
