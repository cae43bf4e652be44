"""Cart.com webhooks: each integration's endpoint secret, a durable inbox, and per-flow health.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _integration_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["integration_id"],
        ["integrations.integration_id"],
        name=f"fk_{table}_integration_id_integrations",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("subscriptions", _JSON, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        _integration_fk("webhook_endpoints"),
        sa.PrimaryKeyConstraint("integration_id", name="pk_webhook_endpoints"),
    )
    op.create_table(
        "webhook_flows",
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("expected", sa.Boolean(), nullable=False),
        sa.Column("last_delivery_at", _TIME, nullable=True),
        sa.Column("last_poll_at", _TIME, nullable=True),
        sa.Column("last_poll_changed", sa.Integer(), nullable=False),
        sa.Column("last_poll_unannounced", sa.Integer(), nullable=False),
        sa.Column("unannounced_streak", sa.Integer(), nullable=False),
        sa.Column("broken_since", _TIME, nullable=True),
        _integration_fk("webhook_flows"),
        sa.PrimaryKeyConstraint("integration_id", "flow", name="pk_webhook_flows"),
    )
    op.create_table(
        "webhook_inbox",
        sa.Column("id", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("flow", sa.String(32), nullable=True),
        sa.Column("ext_id", sa.String(64), nullable=True),
        sa.Column("body_bytes", sa.Integer(), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        _integration_fk("webhook_inbox"),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_inbox"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_webhook_inbox_integration_id_flow_ext_id_received_at",
        "webhook_inbox",
        ["integration_id", "flow", "ext_id", "received_at"],
    )
    op.create_index("ix_webhook_inbox_received_at", "webhook_inbox", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_inbox_received_at", table_name="webhook_inbox")
    op.drop_index(
        "ix_webhook_inbox_integration_id_flow_ext_id_received_at", table_name="webhook_inbox"
    )
    op.drop_table("webhook_inbox")
    op.drop_table("webhook_flows")
    op.drop_table("webhook_endpoints")
