"""`orderhub sync ID [FLOW …]`: run flows once now, with a progress display.

A flow that is running elsewhere already (a scheduler or a worker holds its lease) is skipped
with one line, and the other flows still run: the run in progress covers the skipped one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from orderhub.cli.app import app
from orderhub.cli.context import open_hub, parse_flow
from orderhub.cli.output import console, err_console, shown, visible
from orderhub.errors import UsageError

if TYPE_CHECKING:
    from orderhub.domain import FlowName, Run
    from orderhub.engine.context import PlannedChange
    from orderhub.hub import Hub

__all__ = ["sync"]


@app.command("sync")
def sync(
    integration_id: Annotated[str, typer.Argument(help="Integration id.")],
    flows: Annotated[
        list[str] | None, typer.Argument(help="Flows to run (default: all enabled).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show what the flows would change, and change nothing (here or in the store).",
        ),
    ] = False,
) -> None:
    """Run the integration's enabled flows (or the named ones) once, now.

    Exits non-zero if a run failed; records that failed on their own become exceptions
    (`orderhub exceptions list`) and do not fail the run. A flow already running in another
    process is skipped, and does not fail the command. With `--dry-run` each flow reads as
    usual, prints the writes it would make, and writes nothing: no store write, no hub
    record, no exception, and its cursor stays where it was. A named flow that is off can be
    dry-run (to preview it before switching it on); flows without a dry run are refused.
    """
    from orderhub.domain import RunStatus
    from orderhub.services.integrations import require_integration

    with open_hub() as hub:
        with hub.db.read_session() as session:
            integration = require_integration(session, integration_id)
        enabled = [f.flow for f in integration.flows if f.enabled]
        chosen = [parse_flow(f) for f in flows] if flows else enabled
        if not chosen:
            raise UsageError(
                f"No flow of {integration_id} is on; enable one with "
                f"`orderhub flows enable {integration_id} orders.pull`"
            )
        off = [f for f in chosen if f not in enabled]
        if off and not dry_run:
            names = ", ".join(f.value for f in off)
            raise UsageError(f"{names} is off; enable it first with `orderhub flows enable`")
        if dry_run:
            chosen = _dry_runnable(hub, integration.connector, chosen, named=bool(flows))
        runner = hub.runner()
        outcomes = [_run_unless_busy(runner, integration_id, flow, dry_run) for flow in chosen]
    for flow, outcome in zip(chosen, outcomes, strict=True):
        if outcome is None:
            console.print(shown(f"{flow.value} is already running (another process); skipped"))
            continue
        run, planned = outcome
        _print_summary(run)
        if dry_run:
            _print_plan(planned)
    if any(o is not None and o[0].status is RunStatus.FAILED for o in outcomes):
        raise typer.Exit(1)


def _dry_runnable(
    hub: Hub, connector: str, chosen: list[FlowName], *, named: bool
) -> list[FlowName]:
    """The flows that can dry-run; naming one that cannot is an error, the default skips it."""
    able = [f for f in chosen if _has_dry_run(hub, connector, f)]
    unable = [f.value for f in chosen if f not in able]
    if unable and (named or not able):
        raise UsageError(f"{', '.join(unable)} has no dry run; it can only run for real")
    if unable:
        err_console.print(shown(f"Skipped (no dry run): {', '.join(unable)}"))
    return able


def _has_dry_run(hub: Hub, connector: str, flow: FlowName) -> bool:
    from orderhub.engine.runner import supports_dry_run

    factory = hub.registry.factory(connector, flow)
    return factory is not None and supports_dry_run(factory)


def _run_unless_busy(
    runner: Any, integration_id: str, flow: FlowName, dry_run: bool
) -> tuple[Run, list[PlannedChange]] | None:
    """The flow's run, or None when another process holds its lease (it is running there)."""
    from orderhub.engine.errors import FlowBusy

    try:
        return _run_with_progress(runner, integration_id, flow, dry_run)
    except FlowBusy:
        return None


def _run_with_progress(
    runner: Any, integration_id: str, flow: FlowName, dry_run: bool
) -> tuple[Run, list[PlannedChange]]:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from orderhub.engine.context import PlannedChange

    planned: list[PlannedChange] = []
    with Progress(
        SpinnerColumn(),
        # Not markup: a description or detail is data (`output.shown` says why).
        TextColumn("{task.description}", style="bold", markup=False),
        TextColumn("{task.fields[detail]}", markup=False),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        # Piped or redirected, a progress display has nothing to animate and would leave a
        # blank line per flow: the summary lines are the output.
        disable=not console.is_terminal,
    ) as progress:
        label = visible(f"{flow.value} (dry run)" if dry_run else flow.value)
        task = progress.add_task(label, total=None, detail="starting…")

        def report(fields: dict[str, Any]) -> None:
            change = fields.get("planned")
            if isinstance(change, PlannedChange):
                planned.append(change)
                return
            progress.update(task, detail=visible(_detail(fields)))

        result: Run = runner.run_flow(
            integration_id,
            flow,
            trigger="manual",
            progress=report,
            dry_run=dry_run,
            require_enabled=not dry_run,
        )
        return result, planned


def _detail(fields: dict[str, Any]) -> str:
    parts = []
    for key in ("fetched", "created", "updated", "failed", "api_calls"):
        if key in fields:
            parts.append(f"{key.replace('_', ' ')} {fields[key]}")
    waiting = fields.get("waiting")
    if waiting:
        parts.append(f"rate-limit waits {float(waiting):.1f}s")
    return " · ".join(parts)


def _print_plan(planned: list[PlannedChange]) -> None:
    if not planned:
        console.print("  dry run: nothing would change")
        return
    console.print(f"  dry run: {len(planned)} change(s) would be made:")
    for change in planned:
        console.print(shown(f"    {change.line()}"))


def _print_summary(run: Run) -> None:
    from orderhub.domain import RunStatus
    from orderhub.engine.runner import DRY_RUN_TRIGGER

    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    c = run.counts
    line = (
        f"{run.flow.value}{' (dry run)' if run.trigger == DRY_RUN_TRIGGER else ''}: "
        f"{run.status.value} in {seconds:.1f}s — fetched {c.fetched}, "
        f"created {c.created}, updated {c.updated}, unchanged {c.unchanged}, failed {c.failed}; "
        f"{run.api_calls} API calls, rate-limit waits {run.rate_limit_wait_seconds:.1f}s"
    )
    if run.status is RunStatus.FAILED:
        err_console.print(shown(line))
        err_console.print(shown(f"  error: {run.error}"))
    else:
        console.print(shown(line))
    if c.failed:
        console.print(shown(f"  {c.failed} record(s) failed: see `orderhub exceptions list`"))
