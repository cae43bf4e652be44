"""Where a busy store's new order waits on its way to the hub (bench/capacity.py --trace).

Procrastinate deletes a successful job, so a trigger on the bench's own database copies each
`run_flow` job's life (deferred with its `scheduled_at`, `doing`, done) into `bench_job_trace`
with the database's clock. After the windows, each timed order is followed through:

    placed -> webhook received (webhook_inbox) -> job eligible (its scheduled_at: the
    debounce) -> job fetched (`doing`) -> run started (runs.started_at) -> record written
    (records.created_at) -> seen by the benchmark's 100 ms watcher

The job and the run are the ones that wrote the record: the orders.pull run of that store
that started last before the record was written, and the job of that flow that went `doing`
last before the run started. All clocks are this machine's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine

from orderhub_bench.procs import nearest_rank as percentile

__all__ = ["STAGES", "install_job_trace", "print_trace", "trace_orders"]

_INSTALL = """
CREATE TABLE IF NOT EXISTS bench_job_trace (
    job_id bigint, lock text, priority int, status text, scheduled_at timestamptz,
    at timestamptz DEFAULT clock_timestamp()
);
CREATE OR REPLACE FUNCTION bench_trace_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.task_name = 'orderhub.run_flow'
       AND (TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status) THEN
        INSERT INTO bench_job_trace (job_id, lock, priority, status, scheduled_at)
        VALUES (NEW.id, NEW.lock, NEW.priority, NEW.status::text, NEW.scheduled_at);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS bench_trace_job ON procrastinate_jobs;
CREATE TRIGGER bench_trace_job AFTER INSERT OR UPDATE ON procrastinate_jobs
    FOR EACH ROW EXECUTE PROCEDURE bench_trace_job();
"""

STAGES = (
    ("placed -> webhook received", "placed", "received"),
    ("received -> job eligible (debounce)", "received", "eligible"),
    ("eligible -> job fetched (doing)", "eligible", "fetched"),
    ("fetched -> run started", "fetched", "run_started"),
    ("run started -> record written", "run_started", "written"),
    ("record written -> seen", "written", "seen"),
    ("placed -> seen (total)", "placed", "seen"),
)


def install_job_trace(engine: Engine) -> None:
    """After the schema exists: copy every run_flow job's status changes aside."""
    with engine.begin() as connection:
        connection.exec_driver_sql(_INSTALL)


def _epoch(value: datetime) -> float:
    return value.timestamp()


def trace_orders(
    engine: Engine, orders: Mapping[tuple[str, str], tuple[datetime, datetime | None]]
) -> list[dict[str, float | None]]:
    """For each (integration, order id) -> (placed at, seen at or None): its stage times."""
    traced: list[dict[str, float | None]] = []
    with engine.connect() as connection:
        for (integration_id, ext_id), (placed, seen) in orders.items():
            key = f"flow:{integration_id}:orders.pull"
            received = connection.execute(
                text(
                    "SELECT min(received_at) FROM webhook_inbox WHERE integration_id = :i "
                    "AND ext_id = :e AND flow = 'orders.pull'"
                ),
                {"i": integration_id, "e": ext_id},
            ).scalar()
            written = connection.execute(
                text(
                    "SELECT created_at FROM records WHERE integration_id = :i AND kind = 'order' "
                    "AND ext_id = :e"
                ),
                {"i": integration_id, "e": ext_id},
            ).scalar()
            row: dict[str, float | None] = dict.fromkeys(
                ("received", "eligible", "fetched", "run_started", "written", "seen")
            )
            row["placed"] = _epoch(placed)
            row["seen"] = _epoch(seen) if seen else None
            row["received"] = _epoch(_utc(received)) if received else None
            if written is not None:
                row["written"] = _epoch(_utc(written))
                run = connection.execute(
                    text(
                        "SELECT started_at, rate_limit_wait_seconds, api_calls FROM runs "
                        "WHERE integration_id = :i AND flow = 'orders.pull' AND started_at <= :w "
                        "ORDER BY started_at DESC LIMIT 1"
                    ),
                    {"i": integration_id, "w": written},
                ).first()
                if run is not None:
                    started = run.started_at
                    row["budget_wait"] = float(run.rate_limit_wait_seconds or 0)
                    row["run_calls"] = float(run.api_calls or 0)
                    row["run_started"] = _epoch(_utc(started))
                    job = connection.execute(
                        text(
                            "SELECT job_id, at FROM bench_job_trace WHERE lock = :k "
                            "AND status = 'doing' AND at <= :s ORDER BY at DESC LIMIT 1"
                        ),
                        {"k": key, "s": _utc(started)},
                    ).first()
                    if job is not None:
                        row["fetched"] = _epoch(job.at)
                        eligible = connection.execute(
                            text(
                                "SELECT max(scheduled_at), min(at), max(priority) "
                                "FROM bench_job_trace WHERE job_id = :j AND status = 'todo'"
                            ),
                            {"j": job.job_id},
                        ).first()
                        if eligible is not None and eligible[1] is not None:
                            at = eligible[0] or eligible[1]
                            row["eligible"] = _epoch(max(at, eligible[1]))
                            row["priority"] = float(eligible[2] or 0)
            if row["eligible"] is not None and row["received"] is not None:
                # A job queued before the webhook (waiting for the run before it) covers the
                # order from the moment the webhook came.
                row["eligible"] = max(row["eligible"], row["received"])
            traced.append(row)
    return traced


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def print_trace(traced: list[dict[str, float | None]]) -> None:
    print(f"\nWhere a busy store's order waits ({len(traced)} orders traced), seconds:\n")
    print("| stage | n | p50 | p95 | max |")
    print("| --- | --- | --- | --- | --- |")
    for name, start, end in STAGES:
        values = [
            float(r[end]) - float(r[start])  # type: ignore[arg-type]
            for r in traced
            if r.get(start) is not None and r.get(end) is not None
        ]
        if not values:
            print(f"| {name} | 0 | - | - | - |")
            continue
        print(
            f"| {name} | {len(values)} | {percentile(values, 0.5):.2f} | "
            f"{percentile(values, 0.95):.2f} | {max(values):.2f} |"
        )
    for label, key in (("budget wait", "budget_wait"), ("calls", "run_calls")):
        values = [float(r[key]) for r in traced if r.get(key) is not None]  # type: ignore[arg-type]
        if values:
            print(
                f"| the writing run's {label} (whole run) | {len(values)} | "
                f"{percentile(values, 0.5):.2f} | {percentile(values, 0.95):.2f} | "
                f"{max(values):.2f} |"
            )
    low = sum(1 for r in traced if r.get("priority") is not None and (r["priority"] or 0) < 10)
    print(f"\norders whose covering job ran at timer priority (< 10): {low}")
