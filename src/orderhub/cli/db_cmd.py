"""`orderhub db upgrade`."""

from __future__ import annotations

from orderhub.cli.app import db_app
from orderhub.cli.output import console

__all__ = ["upgrade"]


@db_app.command("upgrade")
def upgrade() -> None:
    """Bring the database schema to the latest version (demo and serve do this themselves)."""
    from orderhub.redaction import redact_url
    from orderhub.settings import Settings
    from orderhub.store.database import Database

    settings = Settings.from_env()
    Database.from_url(settings.database_url, migrate=True).dispose()
    console.print(f"Database is up to date: {redact_url(settings.database_url)}", markup=False)
