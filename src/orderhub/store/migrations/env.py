"""Alembic environment: runs revisions on the connection `store.database.upgrade` passes in.

There is no alembic.ini and no logging setup here; the configuration is built in code by
`store.database.alembic_config`, which puts an open connection in `config.attributes`.
"""

from __future__ import annotations

from alembic import context

from orderhub.store.tables import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "OrderHub migrations run on a live connection: use `orderhub db upgrade` "
        "or orderhub.store.database.upgrade(engine)"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
