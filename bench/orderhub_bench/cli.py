"""`python bench/run.py [--quick] [--out DIR] [--only 1,2]`: run, print the table, write JSON."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orderhub_bench.config import FULL, QUICK
from orderhub_bench.environment import environment
from orderhub_bench.procs import BENCH_DIR
from orderhub_bench.report import Check, build, markdown
from orderhub_bench.scenarios import SCENARIOS, Bench, NotAvailable

__all__ = ["main"]

PROFILE_NAME = "profile-orders-pull.txt"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the harness")
    parser.add_argument(
        "--out", type=Path, default=BENCH_DIR / "results", help="where latest.json goes"
    )
    parser.add_argument("--only", default="", help="comma-separated scenario numbers (1-5, 7)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    parser.add_argument("--keep-work", action="store_true", help="keep homes and logs")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = QUICK if args.quick else FULL
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    work = Path(tempfile.mkdtemp(prefix="orderhub-bench-"))
    profile = None if args.no_profile or not sizes.profile else out / PROFILE_NAME

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    bench = Bench(sizes=sizes, work=work, profile_path=profile, say=say)
    started_at = datetime.now(UTC)
    started = time.monotonic()
    results: list[dict[str, Any]] = []
    try:
        for scenario in SCENARIOS:
            if only and scenario.key not in only:
                continue
            say(f"[{scenario.key}] {scenario.title} ({sizes.mode})")
            begun = time.monotonic()
            result: dict[str, Any] = {
                "key": scenario.key,
                "title": scenario.title,
                "load_average_before": os.getloadavg(),
            }
            try:
                result |= {"status": "ok", "detail": "", "figures": scenario.run(bench)}
            except NotAvailable as missing:
                result |= {"status": "not available yet", "detail": str(missing)}
            except Exception as error:
                say(traceback.format_exc())
                result |= {"status": "error", "detail": _one_line(error)}
            result["seconds"] = time.monotonic() - begun
            result["load_average_after"] = os.getloadavg()
            say(f"[{scenario.key}] {result['status']} in {result['seconds']:.0f} s")
            results.append(result)
    finally:
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    duration = time.monotonic() - started
    rows, checks = build(results)
    table = markdown(rows)
    summary = _summary(checks, results, duration, sizes.mode)
    print(table)
    print()
    print(summary)
    report = {
        "mode": sizes.mode,
        "started_at": started_at.isoformat(),
        "duration_seconds": duration,
        "environment": environment(),
        "sizes": sizes.__dict__,
        "scenarios": results,
        "table": [row.__dict__ for row in rows],
        "markdown": table,
        "checks": [c.__dict__ | {"met": c.met} for c in checks],
        "largest_gap": _largest(checks).__dict__ if checks else None,
        "profile": str(profile) if profile is not None and profile.exists() else None,
    }
    (out / "latest.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"\nwrote {out / 'latest.json'}", file=sys.stderr)
    return 0


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}"


def _largest(checks: list[Check]) -> Check:
    return max(checks, key=lambda c: c.gap)


def _summary(checks: list[Check], results: list[dict[str, Any]], duration: float, mode: str) -> str:
    lines = []
    if checks:
        worst = _largest(checks)
        state = "met" if worst.met else f"x{worst.gap:.1f} from target"
        lines.append(f"Largest gap to target: {worst.target}: {worst.measured} ({state})")
        missed = [c for c in checks if not c.met]
        lines.append(f"Targets met: {len(checks) - len(missed)} of {len(checks)}")
    for result in results:
        profile = (result.get("figures") or {}).get("profile") or {}
        shares = profile.get("pyspy_layers_share")
        how = "py-spy samples of the flow's thread, waits included"
        if not shares and profile.get("layers_seconds"):
            seconds = profile["layers_seconds"]
            shares = {name: s / (sum(seconds.values()) or 1.0) for name, s in seconds.items()}
            how = "cProfile own time"
        if shares:
            top = ", ".join(f"{name} {100 * v:.0f}%" for name, v in list(shares.items())[:7])
            lines.append(
                f"Where scenario 1's hub time goes ({how}; first "
                f"{profile.get('orders_profiled')} orders): {top}"
            )
    env = environment()
    key = ", ".join(f"{k} {v}" for k, v in env["key_packages"].items())
    lines.append(
        f"Python {env['python']} on {env['platform']}, {env['cpus']} CPUs, SQLite {env['sqlite']}; "
        f"{key}"
    )
    loads = ", ".join(
        f"{r['key']}: {r['load_average_before'][0]:.1f}"
        for r in results
        if "load_average_before" in r
    )
    lines.append(f"1-min load average at the start of each scenario ({env['cpus']} CPUs): {loads}")
    lines.append(f"Benchmark ({mode}) took {duration:.0f} s")
    return "\n".join(lines)
