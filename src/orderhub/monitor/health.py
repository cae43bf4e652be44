"""Is this process ready to work? The answer behind `/readyz`.

`/healthz` says only that the process answers (no database: a database outage must not make
an orchestrator restart every web process at once). `/readyz` says whether it can do its job:
the database answers and its schema is at the revision this code expects (a process of a new
release started before `orderhub db upgrade` is alive but not ready), and, for a worker, the
job queue's table is there. Each check is bounded by short timeouts, so a probe never hangs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from orderhub.store.database import HEAD_REVISION, Database, schema_revision

__all__ = ["QUEUE_TABLE", "Readiness", "check_queue", "check_readiness"]

QUEUE_TABLE = "procrastinate_jobs"
_CONNECT_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class Readiness:
    """Each check's outcome ("ok" or one line saying what is wrong)."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(value == "ok" for value in self.checks.values())

    def to_wire(self) -> dict[str, object]:
        return {
            "success": self.ready,
            "code": 200 if self.ready else 503,
            "status": "ready" if self.ready else "not ready",
            "checks": dict(self.checks),
        }


def check_database(db: Database) -> str:
    """ "ok" when the database answers and its schema is at `HEAD_REVISION`."""
    try:
        with db.read_session() as session:
            session.execute(text("SELECT 1"))
        found = schema_revision(db.engine)
    except Exception as problem:  # any driver error means the same thing here: not reachable
        return f"database unreachable ({type(problem).__name__})"
    if found != HEAD_REVISION:
        return (
            f"schema at revision {found or 'none'}, this release needs {HEAD_REVISION}: "
            "run `orderhub db upgrade`"
        )
    return "ok"


def check_queue(conninfo: str) -> str:
    """ "ok" when the workers' job queue (Procrastinate's table in PostgreSQL) is reachable."""
    import psycopg

    try:
        with psycopg.connect(
            conninfo, autocommit=True, connect_timeout=_CONNECT_TIMEOUT_SECONDS
        ) as connection:
            row = connection.execute("SELECT to_regclass(%s)", (QUEUE_TABLE,)).fetchone()
    except Exception as problem:
        return f"queue unreachable ({type(problem).__name__})"
    if row is None or row[0] is None:
        return "queue schema missing (a worker applies it on start)"
    return "ok"


def check_readiness(db: Database, *, queue_conninfo: str | None = None) -> Readiness:
    """The database, and the job queue when this process serves one (`queue_conninfo`)."""
    checks = {"database": check_database(db)}
    if queue_conninfo is not None:
        checks["queue"] = check_queue(queue_conninfo)
    return Readiness(checks)
