"""Per-integration carrier → Cart.com shipping method mappings (fulfillments.push).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "shipping_method_mappings",
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("carrier_key", sa.String(500), nullable=False),
        sa.Column("service_key", sa.String(500), nullable=False),
        sa.Column("carrier", sa.String(500), nullable=False),
        sa.Column("service", sa.String(500), nullable=True),
        sa.Column("method", sa.String(500), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.integration_id"],
            name="fk_shipping_method_mappings_integration_id_integrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "integration_id", "carrier_key", "service_key", name="pk_shipping_method_mappings"
        ),
    )


def downgrade() -> None:
    op.drop_table("shipping_method_mappings")
