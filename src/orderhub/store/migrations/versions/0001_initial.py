"""Initial schema: records, change feed, timeline, integrations, flows, runs, exceptions, leases.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

Hand-written for SQLite and PostgreSQL alike. Types are spelled out here rather than imported
from `orderhub.store.tables`, so that later changes to the Python classes never rewrite
history: times are `DateTime(timezone=True)` (timestamptz; text on SQLite), JSON is JSONB on
PostgreSQL, and serial keys are BIGSERIAL on PostgreSQL and AUTOINCREMENT rowids on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("hub_id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("integration_id", sa.String(32), nullable=False),
        sa.Column("ext_id", sa.String(255), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("source_doc", _JSON, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(64), nullable=True),
        sa.Column("ext_ref", sa.String(255), nullable=True),
        sa.Column("sku", sa.String(255), nullable=True),
        sa.Column("ext_updated_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("hub_id", name="pk_records"),
        sa.UniqueConstraint(
            "kind", "integration_id", "ext_id", name="uq_records_kind_integration_id_ext_id"
        ),
    )
    op.create_index("ix_records_kind_updated_at", "records", ["kind", "updated_at"])
    op.create_index("ix_records_kind_status", "records", ["kind", "status"])
    op.create_index("ix_records_kind_ext_ref", "records", ["kind", "ext_ref"])
    op.create_index("ix_records_kind_sku", "records", ["kind", "sku"])
    op.create_index("ix_records_kind_ext_updated_at", "records", ["kind", "ext_updated_at"])

    op.create_table(
        "changes",
        sa.Column("seq", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("hub_id", sa.String(16), nullable=False),
        sa.Column("integration_id", sa.String(32), nullable=True),
        sa.Column("run_id", sa.String(16), nullable=True),
        sa.Column("flow", sa.String(32), nullable=True),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_changes"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_changes_kind_seq", "changes", ["kind", "seq"])

    op.create_table(
        "timeline_events",
        sa.Column("id", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("hub_id", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changed_fields", _JSON, nullable=False),
        sa.Column("integration_id", sa.String(32), nullable=True),
        sa.Column("run_id", sa.String(16), nullable=True),
        sa.Column("flow", sa.String(32), nullable=True),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_timeline_events"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_timeline_events_hub_id_id", "timeline_events", ["hub_id", "id"])

    op.create_table(
        "integrations",
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("connector", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("api_url", sa.Text(), nullable=False),
        sa.Column("api_token_encrypted", sa.Text(), nullable=False),
        sa.Column("api_key_hint", sa.String(32), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("enabled_at", _TIME, nullable=True),
        sa.Column("disabled_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("integration_id", name="pk_integrations"),
    )

    op.create_table(
        "flow_settings",
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("enabled_at", _TIME, nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("since", _TIME, nullable=True),
        sa.Column("cursor", _JSON, nullable=True),
        sa.Column("next_run_at", _TIME, nullable=True),
        sa.Column("last_run_at", _TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.integration_id"],
            name="fk_flow_settings_integration_id_integrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("integration_id", "flow", name="pk_flow_settings"),
    )
    op.create_index(
        "ix_flow_settings_enabled_next_run_at", "flow_settings", ["enabled", "next_run_at"]
    )

    op.create_table(
        "runs",
        sa.Column("id", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(16), nullable=False),
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("rate_limit_wait_seconds", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.integration_id"],
            name="fk_runs_integration_id_integrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.UniqueConstraint("run_id", name="uq_runs_run_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_runs_integration_id_flow_id", "runs", ["integration_id", "flow", "id"])

    op.create_table(
        "sync_exceptions",
        sa.Column("id", _SERIAL, autoincrement=True, nullable=False),
        sa.Column("exception_id", sa.String(16), nullable=False),
        sa.Column("integration_id", sa.String(16), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("ext_entity_id", sa.String(255), nullable=False),
        sa.Column("exception_type", sa.String(64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("raw", _JSON, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("resolved_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.integration_id"],
            name="fk_sync_exceptions_integration_id_integrations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sync_exceptions"),
        sa.UniqueConstraint("exception_id", name="uq_sync_exceptions_exception_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_sync_exceptions_open",
        "sync_exceptions",
        ["integration_id", "flow", "entity_type", "ext_entity_id"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_index("ix_sync_exceptions_status_id", "sync_exceptions", ["status", "id"])

    op.create_table(
        "leases",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("acquired_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_leases"),
    )


def downgrade() -> None:
    for table in (
        "leases",
        "sync_exceptions",
        "runs",
        "flow_settings",
        "integrations",
        "timeline_events",
        "changes",
        "records",
    ):
        op.drop_table(table)
