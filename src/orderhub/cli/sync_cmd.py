"""`orderhub sync ID [FLOW …]`: run flows once now, with a progress display."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from orderhub.cli.app import app
from orderhub.cli.context import open_hub, parse_flow
from orderhub.cli.output import console, err_console
from orderhub.domain import FlowName, Run, RunStatus
from orderhub.errors import UsageError
from orderhub.services.integrations import require_integration

__all__ = ["sync"]


@app.command("sync")
def sync(
    integration_id: Annotated[str, typer.Argument(help="Integration id.")],
    flows: Annotated[
        list[str] | None, typer.Argument(help="Flows to run (default: all enabled).")
    ] = None,
) -> None:
    """Run the integration's enabled flows (or the named ones) once, now.

    Exits non-zero if a run failed; records that failed on their own become exceptions
    (`orderhub exceptions list`) and do not fail the run.
    """
    with open_hub() as hub:
        with hub.db.session() as session:
            integration = require_integration(session, integration_id)
        enabled = [f.flow for f in integration.flows if f.enabled]
        chosen = [parse_flow(f) for f in flows] if flows else enabled
        if not chosen:
            raise UsageError(
                f"No flow of {integration_id} is on; enable one with "
                f"`orderhub flows enable {integration_id} orders.pull`"
            )
        off = [f for f in chosen if f not in enabled]
        if off:
            names = ", ".join(f.value for f in off)
            raise UsageError(f"{names} is off; enable it first with `orderhub flows enable`")
        runner = hub.runner()
        runs = [_run_with_progress(runner, integration_id, flow) for flow in chosen]
    for run in runs:
        _print_summary(run)
    if any(run.status is RunStatus.FAILED for run in runs):
        raise typer.Exit(1)


def _run_with_progress(runner: Any, integration_id: str, flow: FlowName) -> Run:
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(flow.value, total=None, detail="starting…")

        def report(fields: dict[str, Any]) -> None:
            progress.update(task, detail=_detail(fields))

        result: Run = runner.run_flow(integration_id, flow, trigger="manual", progress=report)
        return result


def _detail(fields: dict[str, Any]) -> str:
    parts = []
    for key in ("fetched", "created", "updated", "failed", "api_calls"):
        if key in fields:
            parts.append(f"{key.replace('_', ' ')} {fields[key]}")
    waiting = fields.get("waiting")
    if waiting:
        parts.append(f"rate-limit waits {float(waiting):.1f}s")
    return " · ".join(parts)


def _print_summary(run: Run) -> None:
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    c = run.counts
    line = (
        f"{run.flow.value}: {run.status.value} in {seconds:.1f}s — fetched {c.fetched}, "
        f"created {c.created}, updated {c.updated}, unchanged {c.unchanged}, failed {c.failed}; "
        f"{run.api_calls} API calls, rate-limit waits {run.rate_limit_wait_seconds:.1f}s"
    )
    if run.status is RunStatus.FAILED:
        err_console.print(line, markup=False)
        err_console.print(f"  error: {run.error}", markup=False)
    else:
        console.print(line, markup=False)
    if c.failed:
        console.print(
            f"  {c.failed} record(s) failed: see `orderhub exceptions list`", markup=False
        )
