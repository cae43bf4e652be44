"""Processes of a benchmark: the sandbox store and the hub-side driver, measured from outside.

Linux only: CPU time and peak RSS come from `/proc/<pid>` (no psutil in the venv) and from
`os.wait4`, which hands back the rusage of exactly one child, so the hub's peak RSS is the
driver's own and not the maximum over every process the harness ever started.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "BENCH_DIR",
    "DriverOutcome",
    "SandboxProcess",
    "cpu_seconds",
    "cpu_seconds_if_alive",
    "free_port",
    "hub_env",
    "machine_cpu_seconds",
    "nearest_rank",
    "peak_rss_mb",
    "rss_mb",
    "run_driver",
]

BENCH_DIR = Path(__file__).resolve().parent.parent
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A loopback port free right now (the sandbox CLI needs a number, not 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (all its threads), from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def cpu_seconds_if_alive(pid: int) -> float:
    """`cpu_seconds`, or 0 once the process is gone (a benchmark reading a finished child)."""
    try:
        return cpu_seconds(pid)
    except FileNotFoundError:
        return 0.0


def nearest_rank(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 200 values is the 190th smallest)."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(share * len(ranked)) - 1)]


def machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores, all processes), /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICKS


def _status_kb(pid: int | str, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return 0.0


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident set size so far (VmHWM), MB."""
    return _status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size now (VmRSS), MB."""
    return _status_kb(pid, "VmRSS") / 1024


def hub_env(home: Path) -> dict[str, str]:
    """The environment of a hub-side process: a fresh ORDERHUB_HOME, SQLite by default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
    env["ORDERHUB_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BENCH_DIR), env.get("PYTHONPATH", "")) if p)
    return env


class SandboxProcess:
    """`orderhub sandbox` in its own process on a free loopback port, with a fixed token."""

    token = "bench-token-0123456789"

    def __init__(
        self,
        *,
        orders: int,
        products: int = 200,
        plan: str = "unlimited",
        seed: int = 1,
        log_dir: Path,
        ready_timeout: float = 300.0,
    ) -> None:
        self.port = free_port()
        self.orders = orders
        self.products = products
        self.plan = plan
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = (log_dir / f"sandbox-{self.port}.log").open("w")
        started = time.monotonic()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERHUB_")}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orderhub.cli.main",
                "sandbox",
                "--port",
                str(self.port),
                "--orders",
                str(orders),
                "--products",
                str(products),
                "--plan",
                plan,
                "--seed",
                str(seed),
                "--token",
                self.token,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            self._wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the sandbox exited with code {self.proc.returncode}")
            try:
                httpx.get(self.url + "/_sandbox/calls", timeout=2.0).raise_for_status()
                return
            except httpx.HTTPError as error:
                if time.monotonic() > deadline:
                    message = f"the sandbox did not answer within {timeout:.0f} s"
                    raise RuntimeError(message) from error
                time.sleep(0.1)

    def figures(self) -> dict[str, float]:
        """CPU seconds and peak RSS of the sandbox so far (read while it is alive)."""
        return {"cpu_seconds": cpu_seconds(self.pid), "peak_rss_mb": peak_rss_mb(self.pid)}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class DriverOutcome:
    """What a driver process reported, plus its peak RSS as the kernel saw it."""

    result: dict[str, Any]
    peak_rss_mb: float  # ru_maxrss of this one child, from os.wait4
    seconds: float  # the whole process, imports and setup included


def run_driver(
    spec: dict[str, Any],
    *,
    home: Path,
    work: Path,
    timeout: float,
    prefix: list[str] | None = None,
) -> DriverOutcome:
    """Run `python -m orderhub_bench.driver` on `spec` and return its JSON result.

    `prefix` runs it under another program (`py-spy record … --`). Raises RuntimeError with
    the tail of its stderr if it fails or runs past `timeout`.
    """
    name = spec["task"]
    spec_path = work / f"{name}-{os.getpid()}-{time.monotonic_ns()}.json"
    out_path = spec_path.with_suffix(".out.json")
    err_path = spec_path.with_suffix(".err.txt")
    spec_path.write_text(json.dumps(spec))
    started = time.monotonic()
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [
                *(prefix or []),
                sys.executable,
                "-m",
                "orderhub_bench.driver",
                str(spec_path),
                str(out_path),
            ],
            stdout=err,
            stderr=subprocess.STDOUT,
            env=hub_env(home),
            cwd=str(BENCH_DIR),
        )
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if proc.returncode != 0 or not out_path.exists():
        tail = err_path.read_text()[-2000:].strip()
        if seconds >= timeout:
            raise RuntimeError(f"{name} ran past its {timeout:.0f} s limit and was stopped")
        raise RuntimeError(f"{name} failed (exit {proc.returncode}): {tail}")
    result = json.loads(out_path.read_text())
    return DriverOutcome(result=result, peak_rss_mb=usage.ru_maxrss / 1024, seconds=seconds)
