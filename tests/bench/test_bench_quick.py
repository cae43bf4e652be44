"""The benchmark harness itself, end to end in quick mode, so it cannot rot unnoticed.

It runs `bench/run.py --quick` as `make bench` would (sandbox and hub each in their own
process, over loopback) and checks that the table and latest.json hold every scenario's rows
with figures, and that the profile was written. Speed figures are never asserted: targets are
read against, not tested.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "bench" / "run.py"
SCENARIO_KEYS = ["1", "2", "3", "4", "5", "7"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, object], Path]:
    out = tmp_path_factory.mktemp("bench-results")
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, json.loads((out / "latest.json").read_text()), out


@pytest.mark.slow
def test_quick_mode_prints_a_markdown_row_for_every_scenario(
    quick_run: tuple[str, dict[str, object], Path],
) -> None:
    stdout, _, _ = quick_run
    table = [line for line in stdout.splitlines() if line.startswith("|")]
    assert table[0].startswith("| Scenario | Figure | OrderHub | Reference | Target |")
    starts = [line.split("|")[1].strip() for line in table[2:]]
    for key in SCENARIO_KEYS:
        assert any(s.startswith(f"{key}. ") for s in starts), f"no row for scenario {key}"
    assert "Largest gap to target:" in stdout
    assert "Benchmark (quick) took" in stdout


@pytest.mark.slow
def test_quick_mode_writes_every_scenario_with_figures_to_json(
    quick_run: tuple[str, dict[str, object], Path],
) -> None:
    _, report, _ = quick_run
    assert report["mode"] == "quick"
    env = report["environment"]
    assert isinstance(env, dict)
    assert env["python"] == sys.version.split()[0]
    assert "httpx" in env["packages"]
    scenarios = report["scenarios"]
    assert isinstance(scenarios, list)
    assert [s["key"] for s in scenarios] == SCENARIO_KEYS
    for scenario in scenarios:
        # A flow that has not landed may say so; anything else must have measured.
        assert scenario["status"] in ("ok", "not available yet"), scenario
    by_key = {s["key"]: s for s in scenarios}
    backfill = by_key["1"]["figures"]
    assert backfill["hub"]["orders_in_hub"] == backfill["hub"]["orders"] == 300
    assert backfill["hub"]["calls"] > 0
    assert backfill["hub"]["hub_peak_rss_mb"] > 0
    assert backfill["hub"]["sandbox_cpu_seconds"] > 0
    assert backfill["baseline"]["orders_in_hub"] == 40
    assert backfill["baseline"]["calls_per_1000"] > backfill["hub"]["calls_per_1000"]
    limited = by_key["2"]["figures"]
    assert limited["physical_limit_seconds"] > 0
    assert limited["answers_429"] >= 0
    growth = by_key["5"]["figures"]["points"]
    assert [p["orders"] for p in growth] == [100, 200, 400]
    assert all(p["seconds_per_1000"] > 0 for p in growth)
    catalog = by_key["7"]["figures"]
    assert catalog["products"] > 0
    assert catalog["counts"]["unchanged"] == catalog["products"]  # in step: nothing written
    assert catalog["hub_cpu_seconds"] > 0
    assert report["checks"]
    assert report["largest_gap"] is not None


@pytest.mark.slow
def test_quick_mode_writes_the_profile_of_the_backfill(
    quick_run: tuple[str, dict[str, object], Path],
) -> None:
    _, report, out = quick_run
    profile = out / "profile-orders-pull.txt"
    assert report["profile"] == str(profile)
    text = profile.read_text()
    assert "Own time by layer" in text
    assert "top 35 functions by own time" in text
    assert "upsert_record" in text
