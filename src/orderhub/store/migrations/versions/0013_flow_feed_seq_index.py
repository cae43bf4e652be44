"""Flows by (flow, feed_seq): the dispatcher's "which push flows have changes waiting".

The dispatcher compares each push flow's position with the newest change of each kind it
reads (one index lookup per kind) instead of probing the feed once per flow row; this index
makes that comparison a range scan over the flows that are behind.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_flow_settings_flow_feed_seq", "flow_settings", ["flow", "feed_seq"])


def downgrade() -> None:
    op.drop_index("ix_flow_settings_flow_feed_seq", table_name="flow_settings")
