"""Optional dependencies: what a one-machine hub (SQLite, embedded scheduler) does not need.

`pip install orderhub` runs the hub on SQLite with its embedded scheduler. Two extras add the
rest, and a feature that needs one says which when it is missing:

- `orderhub[postgres]` — psycopg, for `ORDERHUB_DATABASE_URL=postgresql+psycopg://…`;
- `orderhub[workers]` — Procrastinate (and psycopg), for `orderhub worker` and front ends
  (`serve --no-scheduler`) that hand flows to workers.

`make install` and `make test` install both (the `dev` extra includes them).
"""

from __future__ import annotations

from orderhub.errors import UsageError

__all__ = ["EXTRAS", "MissingExtra", "missing_extra"]

EXTRAS = {
    "postgres": "PostgreSQL (ORDERHUB_DATABASE_URL=postgresql+psycopg://…)",
    "workers": "distributed workers (`orderhub worker`, `serve --no-scheduler` on PostgreSQL)",
}


class MissingExtra(UsageError):
    """A feature's optional dependencies are not installed; the message names the extra."""


def missing_extra(extra: str, problem: ImportError) -> MissingExtra:
    """The error for `problem` (an import that failed), naming the extra that provides it."""
    module = problem.name or "a module"
    return MissingExtra(
        f"{EXTRAS[extra]} needs OrderHub's optional dependencies {extra!r} ({module} is not "
        f"installed): pip install 'orderhub[{extra}]'"
    )
