"""The API load benchmark, end to end in quick mode, so its harness cannot rot unnoticed.

It runs `bench/api_load.py --quick --workers 2` as `make bench-api` would (a seeded hub,
`orderhub serve --workers 2` as a real process, an open-loop generator) and checks that the
table and api-load.json hold every row with figures. Speed is never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_mode_prints_and_writes_a_row_per_figure(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "api_load.py"),
            "--quick",
            "--workers",
            "2",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 2 |")]
    labels = [row.split("|")[2].strip() for row in rows]
    assert labels[:2] == ["list of 50 orders, alone", "one order, alone"]
    assert [label.split(" for ")[0] for label in labels[2:]] == [
        "open loop 20 req/s",
        "open loop 50 req/s",
    ]
    report = json.loads((tmp_path / "api-load.json").read_text())
    assert report["mode"] == "quick"
    [config] = report["configs"]
    assert config["workers"] == 2
    assert config["alone"]["list"]["p50_ms"] > 0
    for run in config["rates"]:
        answered = sum(n for status, n in run["statuses"].items() if status.isdigit())
        assert run["sent"] == run["rate"] * run["seconds"]
        assert answered > 0
        assert run["answered_p99_ms"] is not None
