"""API under load: `python bench/api_load.py [--quick] [--workers N]` (see bench/README.md).

Seeds a hub on SQLite with 5,000 orders, starts `orderhub serve` as a real process, measures a
list of 50 orders and a single order alone, then drives an open-loop mix (30 % lists of 50,
70 % single orders, with a read API key) at fixed rates from this process. Prints a Markdown
table and writes bench/results/api-load.json. Targets are read against, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orderhub_bench.load_seed import SeededHub, seed_hub
from orderhub_bench.load_traffic import open_loop, percentile, sequential, summarise
from orderhub_bench.procs import free_port

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_RATE = 200
TARGET_P99_MS = 200.0
_TICKS = os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the harness")
    parser.add_argument("--orders", type=int, default=None, help="orders to seed (5,000)")
    parser.add_argument("--rates", default=None, help="req/s, comma-separated (50,100,200,300)")
    parser.add_argument("--seconds", type=float, default=None, help="per rate (15)")
    parser.add_argument(
        "--workers",
        default=None,
        help="orderhub serve --workers N, comma-separated (1,2; quick: 1)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where api-load.json goes")
    parser.add_argument("--keep-work", action="store_true", help="keep the hub home")
    args = parser.parse_args(argv)
    orders = args.orders or (300 if args.quick else 5000)
    default_rates = "20,50" if args.quick else "50,100,200,300"
    rates = [float(r) for r in (args.rates or default_rates).split(",")]
    seconds = args.seconds or (2.0 if args.quick else 15.0)
    alone = (5, 20) if args.quick else (40, 200)
    workers = [int(w) for w in (args.workers or ("1" if args.quick else "1,2")).split(",")]

    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="orderhub-api-load-"))
    try:
        seeded = seed_hub(work / "home", orders)
        report: dict[str, Any] = {
            "orders": orders,
            "cores": os.cpu_count(),
            "configs": [_run(work, seeded, rates, seconds, alone, n) for n in workers],
        }
    finally:
        if args.keep_work:
            print(f"Hub home kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report["mode"] = "quick" if args.quick else "full"
    report["took_seconds"] = round(time.monotonic() - began, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "api-load.json").write_text(json.dumps(report, indent=2))
    _print(report)
    return 0


def _run(
    work: Path,
    seeded: SeededHub,
    rates: list[float],
    seconds: float,
    alone: tuple[int, int],
    workers: int,
) -> dict[str, Any]:
    """One server configuration: latency alone, then each rate (the same seeded hub)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).with_name("orderhub")), "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    env = {**os.environ, "ORDERHUB_HOME": str(seeded.home)}
    env.pop("ORDERHUB_DATABASE_URL", None)
    log_path = work / f"serve-{workers}.log"
    log = log_path.open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(url, server)
        ids = seeded.order_ids
        sequential(url, seeded.api_key, ids, "single", 20)  # warm-up: imports, caches, pool
        sequential(url, seeded.api_key, ids, "list", 5)
        solo: dict[str, Any] = {}
        for kind, n in (("list", alone[0]), ("single", alone[1])):
            cpu = _tree_cpu(server.pid)
            latencies = sequential(url, seeded.api_key, ids, kind, n)
            solo[kind] = {
                "n": n,
                "p50_ms": _ms(percentile(latencies, 0.5)),
                "p95_ms": _ms(percentile(latencies, 0.95)),
                "server_cpu_ms_per_request": round((_tree_cpu(server.pid) - cpu) * 1000 / n, 2),
            }
        runs = []
        for rate in rates:
            load_before = os.getloadavg()[0]
            cpu = _tree_cpu(server.pid)
            began = time.monotonic()
            samples = open_loop(url, seeded.api_key, ids, rate=rate, seconds=seconds)
            wall = time.monotonic() - began
            used = _tree_cpu(server.pid) - cpu
            summary = summarise(samples)
            answered = sum(n for status, n in summary.statuses.items() if status.isdigit())
            runs.append(
                {
                    "rate": rate,
                    "seconds": seconds,
                    **summary.__dict__,
                    "errors": summary.errors,
                    "shed": summary.shed,
                    "wall_seconds": round(wall, 2),
                    "server_cpu_seconds": round(used, 2),
                    "server_cores": round(used / wall, 2),
                    "server_cpu_ms_per_answer": round(used * 1000 / max(answered, 1), 2),
                    "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                }
            )
            time.sleep(0.5)  # every request was answered (or timed out); let sockets close
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return {
        "workers": workers,
        "alone": solo,
        "rates": runs,
        "server_log_tail": log_path.read_text(errors="replace")[-2000:],
    }


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"orderhub serve exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("orderhub serve did not answer /healthz within 60 s")


def _tree_cpu(pid: int) -> float:
    """CPU seconds of `pid` and its live children (the uvicorn workers)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _print(report: dict[str, Any]) -> None:
    print(
        f"\nAPI under load: {report['orders']:,} orders on SQLite, `orderhub serve` on "
        f"{report['cores']} cores; open loop 30 % lists of 50, 70 % single orders, latency "
        "from the scheduled send time (queueing counts)\n"
    )
    print("| Workers | Figure | p50 | p95 / p99 | answers | server CPU | load avg | vs target |")
    print("|---|---|---|---|---|---|---|---|")
    for config in report["configs"]:
        workers = config["workers"]
        for kind, label in (("list", "list of 50 orders, alone"), ("single", "one order, alone")):
            solo = config["alone"][kind]
            print(
                f"| {workers} | {label} | {solo['p50_ms']} ms | p95 {solo['p95_ms']} ms "
                f"| {solo['n']} x 200 | {solo['server_cpu_ms_per_request']} ms/request |  |  |"
            )
        for run in config["rates"]:
            print(f"| {workers} | {_rate_cells(run)} |")
    print(f"\nAPI load benchmark ({report['mode']}) took {report['took_seconds']} s")


def _rate_cells(run: dict[str, Any]) -> str:
    answers = ", ".join(f"{n} x {status}" for status, n in sorted(run["statuses"].items()))
    verdict = ""
    if run["rate"] == TARGET_RATE:
        p99 = run["answered_p99_ms"]
        met = p99 is not None and p99 < TARGET_P99_MS and not run["errors"] and not run["shed"]
        verdict = f"p99 < {TARGET_P99_MS:.0f} ms, no 503: " + ("met" if met else "not met")
    return (
        f"open loop {run['rate']:.0f} req/s for {run['seconds']:.0f} s "
        f"| {run['answered_p50_ms']} ms | p95 {run['answered_p95_ms']} ms / p99 "
        f"{run['answered_p99_ms']} ms (200s: p99 {run['ok_p99_ms']} ms; sends late: p99 "
        f"{run['lateness_p99_ms']} ms) | {answers} "
        f"| {run['server_cpu_ms_per_answer']} ms/answer, {run['server_cores']} cores "
        f"| {run['load_average'][0]} -> {run['load_average'][1]} | {verdict}"
    )


if __name__ == "__main__":
    sys.exit(main())
