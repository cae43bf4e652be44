"""`orderhub runs list`, `orderhub exceptions list|retry`."""

from __future__ import annotations

from typing import Annotated

import typer

from orderhub.cli.app import exceptions_app, runs_app
from orderhub.cli.context import open_hub
from orderhub.cli.output import console, print_json, print_table, shown
from orderhub.errors import NotFoundError, UsageError

__all__ = ["list_exceptions", "list_runs", "retry"]


@runs_app.command("list")
def list_runs(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    integration: Annotated[str | None, typer.Option("--integration")] = None,
) -> None:
    """Recent flow runs, newest first."""
    from orderhub.store import runs as run_store

    with open_hub() as hub, hub.db.read_session() as session:
        runs = run_store.list_runs(session, integration_id=integration, limit=limit)
    if as_json:
        print_json([r.to_wire() for r in runs])
        return
    print_table(
        "Runs",
        [
            "run",
            "integration",
            "flow",
            "status",
            "started",
            "seconds",
            "fetched",
            "created",
            "updated",
            "failed",
            "API calls",
            "error",
        ],
        (
            [
                r.run_id,
                r.integration,
                r.flow.value,
                r.status.value,
                r.started_at,
                f"{(r.finished_at - r.started_at).total_seconds():.1f}" if r.finished_at else "",
                r.counts.fetched,
                r.counts.created,
                r.counts.updated,
                r.counts.failed,
                r.api_calls,
                r.error or "",
            ]
            for r in runs
        ),
    )


@exceptions_app.command("list")
def list_exceptions(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    show_all: Annotated[bool, typer.Option("--all", help="Include resolved exceptions.")] = False,
) -> None:
    """Records that failed to sync, with the reason. Open ones are retried on every run."""
    from orderhub.domain import ExceptionStatus
    from orderhub.store import exceptions as exception_store

    status = None if show_all else ExceptionStatus.OPEN
    with open_hub() as hub, hub.db.read_session() as session:
        items = exception_store.list_exceptions(session, status=status, limit=limit)
    if as_json:
        print_json([e.to_wire() for e in items])
        return
    print_table(
        "Exceptions" if show_all else "Open exceptions",
        ["id", "integration", "flow", "record", "type", "reason", "attempts", "status", "since"],
        (
            [
                e.exception_id,
                e.integration,
                e.flow.value,
                f"{e.entity_type} {e.ext_entity_id}",
                e.exception_type,
                e.message,
                e.attempts,
                e.status.value,
                e.created_at,
            ]
            for e in items
        ),
    )


@exceptions_app.command("retry")
def retry(
    exception_id: Annotated[str | None, typer.Argument(help="Exception id.")] = None,
    retry_all: Annotated[bool, typer.Option("--all", help="Retry every open exception.")] = False,
    integration: Annotated[
        str | None, typer.Option("--integration", help="Only this integration's.")
    ] = None,
    flow: Annotated[
        str | None, typer.Option("--flow", help="Only this flow's (products.pull, …).")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Only this exception code's (missingSku, …).")
    ] = None,
) -> None:
    """Retry now: the flow re-fetches the failed record(s) from the store.

    Give one exception id, or --all and/or filters (--integration, --flow, --reason: together,
    one group of the portal's exceptions page).
    """
    from orderhub.domain import ExceptionStatus, FlowName, RunStatus
    from orderhub.services.exceptions import RetryScope, count_to_retry, retry_exceptions
    from orderhub.store import exceptions as exception_store

    many = retry_all or any(value is not None for value in (integration, flow, reason))
    if bool(exception_id) == many:
        raise UsageError("Give one exception id, or --all (or --integration, --flow, --reason)")
    try:
        chosen_flow = FlowName(flow) if flow is not None else None
    except ValueError:
        names = ", ".join(f.value for f in FlowName)
        raise UsageError(f"No flow {flow!r} (one of: {names})") from None
    with open_hub() as hub:
        runner = hub.runner()
        if many:
            scope = RetryScope(integration, chosen_flow, reason)
            taken = count_to_retry(hub, scope)
            runs = retry_exceptions(runner, scope) if taken else []
            console.print(f"{taken} open exception(s) to retry.")
        else:
            assert exception_id is not None
            with hub.db.read_session() as session:
                if exception_store.get_exception(session, exception_id) is None:
                    raise NotFoundError(f"No exception with id {exception_id!r}")
            runs = [runner.retry_exception(exception_id)]
        with hub.db.read_session() as session:
            still_open = exception_store.count_exceptions(session, status=ExceptionStatus.OPEN)
    for run in runs:
        console.print(
            shown(
                f"{run.flow.value}: {run.status.value} — retried, {run.counts.failed} still failing"
            )
        )
    console.print(f"{still_open} exception(s) still open.")
    if any(run.status is RunStatus.FAILED for run in runs):
        raise typer.Exit(1)
