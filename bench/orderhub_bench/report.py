"""Turn raw scenario figures into the Markdown table, the target checks and latest.json.

Targets (issue 6) are read against, never asserted. Each check gets a gap factor: how many
times short of (or over) its target a figure is; ≤ 1 means met. The largest is reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["FLAT", "Check", "Row", "build", "markdown"]

FLAT = 1.25  # "flat with size": at most 25% worse at the largest size than at the smallest
ABOUT_TWO = 2.1  # "about 2 calls per fulfillment" (issue 4): 2 writes plus batched reads


@dataclass(frozen=True)
class Row:
    scenario: str
    figure: str
    orderhub: str
    reference: str = ""
    target: str = ""
    verdict: str = ""
    hub_rss: str = ""
    sandbox_cpu: str = ""
    others_cpu: str = ""


@dataclass(frozen=True)
class Check:
    target: str
    measured: str
    gap: float  # ≤ 1 met; > 1: that many times short of (or over) the target

    @property
    def met(self) -> bool:
        return self.gap <= 1.0


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _side(f: dict[str, Any], label: str = "") -> dict[str, str]:
    """The per-process columns: hub peak RSS, sandbox CPU (scenario 6), other processes."""
    tag = f" ({label})" if label else ""
    return {
        "hub_rss": f"{f['hub_peak_rss_mb']:.0f} MB (start {f['hub_rss_before_mb']:.0f}){tag}",
        "sandbox_cpu": (
            f"{f['sandbox_cpu_seconds']:.1f} s = {100 * f['sandbox_cpu_share']:.0f}% of "
            f"bench CPU, {f['sandbox_cores']:.2f} core{tag}"
        ),
        "others_cpu": f"{f['others_cores']:.2f} core{tag}",
    }


def _at_least(value: float, target: float) -> tuple[str, float]:
    gap = target / value if value else float("inf")
    return ("met" if gap <= 1 else f"short x{gap:.1f}"), gap


def _at_most(value: float, target: float) -> tuple[str, float]:
    gap = value / target if target else float("inf")
    return ("met" if gap <= 1 else f"over x{gap:.2f}"), gap


class _Builder:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.checks: list[Check] = []

    def check(self, target: str, measured: str, gap: float) -> None:
        self.checks.append(Check(target, measured, gap))

    def unavailable(self, key: str, title: str, status: str, detail: str) -> None:
        self.rows.append(Row(f"{key}. {title}", status, detail))

    def backfill(self, title: str, f: dict[str, Any]) -> None:
        hub, base = f["hub"], f["baseline"]
        verdict, gap = _at_least(hub["orders_per_second"], 5000)
        self.check("≥ 5,000 orders/s end to end", f"{_n(hub['orders_per_second'])}/s", gap)
        speedup = hub["orders_per_second"] / base["orders_per_second"]
        self.rows.append(
            Row(
                f"1. {title}, {_n(hub['orders'])} orders",
                "orders/s end to end",
                _n(hub["orders_per_second"]),
                f"baseline {_n(base['orders_per_second'])} (x{speedup:.1f})",
                "≥ 5,000",
                verdict,
                **_side(hub),
            )
        )
        self.rows.append(
            Row(
                "",
                "orders per hub CPU second",
                _n(hub["orders_per_hub_cpu_second"]),
                f"baseline {_n(base['orders_per_hub_cpu_second'])}",
            )
        )
        verdict, gap = _at_most(hub["calls_per_1000"], 35)
        self.check("≤ 35 calls per 1,000 orders", _n(hub["calls_per_1000"], 1), gap)
        more = base["calls_per_1000"] / hub["calls_per_1000"] if hub["calls_per_1000"] else 0
        self.rows.append(
            Row(
                "",
                "Cart.com calls per 1,000 orders",
                f"{_n(hub['calls_per_1000'], 1)} ({_n(hub['calls'])} calls)",
                f"baseline {_n(base['calls_per_1000'])} (x{more:.0f})",
                "≤ 35 (floor 30)",
                verdict,
            )
        )
        self.rows.append(
            Row(
                "",
                "wall time",
                f"{hub['wall_seconds']:.1f} s",
                f"baseline {base['wall_seconds']:.1f} s for its {_n(base['orders'])} orders "
                f"→ {base['projected_seconds_for_all']:.0f} s scaled to {_n(hub['orders'])}",
                "",
                "",
                **_side(base, "baseline"),
            )
        )

    def rate_limited(self, title: str, f: dict[str, Any]) -> None:
        verdict, gap = _at_most(f["ratio_to_physical"], 1.1)
        self.check(
            "rate-limited wall ≤ 1.1 x physical limit", f"{f['ratio_to_physical']:.2f}x", gap
        )
        self.rows.append(
            Row(
                f"2. {title}, plan {f['plan']}, {_n(f['orders'])} orders",
                "wall time ÷ physical limit",
                f"{f['wall_seconds']:.1f} s ÷ {f['physical_limit_seconds']:.1f} s "
                f"= {f['ratio_to_physical']:.2f}x",
                f"physical limit: {_n(f['calls_needed'])} calls ÷ 5/s",
                "≤ 1.1x",
                verdict,
                **_side(f),
            )
        )
        n429 = f["answers_429"]
        self.check("0 answers of 429", str(n429), 1.0 if n429 == 0 else 1.0 + n429)
        self.rows.append(
            Row(
                "",
                "429 answers",
                str(n429),
                f"paced waits {f['run']['rate_limit_wait_seconds']:.1f} s",
                "0",
                "met" if n429 == 0 else "miss",
            )
        )

    def inventory(self, title: str, f: dict[str, Any]) -> None:
        verdict, gap = _at_most(f["calls"], f["ideal_calls"])
        self.check("inventory.push calls = pages read + SKUs changed", _n(f["calls"]), gap)
        naive = f["naive"]
        self.rows.append(
            Row(
                f"3. {title}, {_n(f['skus'])} SKUs, {_n(f['changed'])} changed",
                "Cart.com calls (reads + writes)",
                f"{_n(f['calls'])} = {_n(f['reads'])} + {_n(f['writes'])}",
                f"naive {_n(naive['calls'])}",
                f"≤ {_n(f['ideal_calls'])} ({_n(f['floor_reads'])} pages of 250 + "
                f"{_n(f['changed'])} changed)",
                verdict,
                **_side(f),
            )
        )
        self.rows.append(
            Row(
                "",
                "wall time",
                f"{f['wall_seconds']:.2f} s",
                f"naive {naive['wall_seconds']:.1f} s",
                "",
                "",
                **_side(naive, "naive"),
            )
        )
        first = f["first_run"]
        self.rows.append(
            Row(
                "",
                f"first push ({_n(f['skus'])} SKUs new in the feed, 0 differ)",
                f"{_n(first['calls'])} calls, {first['wall_seconds']:.1f} s "
                f"({first['hub_cpu_seconds']:.1f} s hub CPU)",
                f"Cart.com stock after the 1% push: {f['verified']['right']}/"
                f"{f['verified']['checked']} right",
            )
        )

    def fulfillments(self, title: str, f: dict[str, Any]) -> None:
        verdict, gap = _at_most(f["calls_per_fulfillment"], ABOUT_TWO)
        self.check("≈ 2 calls per fulfillment (≤ 2.1)", f"{f['calls_per_fulfillment']:.2f}", gap)
        self.rows.append(
            Row(
                f"4. {title}, {_n(f['fulfillments'])} fulfillments",
                "calls per fulfillment",
                f"{f['calls_per_fulfillment']:.2f} ({_n(f['calls'])} calls)",
                f"recipe C: 2; {_n(f['shipments_created'])} shipments made, "
                f"{f['failed']} exceptions",
                "≈ 2 (≤ 2.1)",
                verdict,
                **_side(f),
            )
        )
        self.rows.append(
            Row(
                "",
                "wall time",
                f"{f['wall_seconds']:.1f} s ({_n(f['fulfillments_per_second'])}/s)",
            )
        )

    def products_push(self, title: str, f: dict[str, Any]) -> None:
        counts = f["counts"]
        self.rows.append(
            Row(
                f"7. {title}, {_n(f['products'])} products",
                "first push (all new in the feed, in step with Cart.com): calls, time",
                f"{_n(f['calls'])} calls, {f['wall_seconds']:.1f} s "
                f"({f['hub_cpu_seconds']:.1f} s hub CPU, "
                f"{f['hub_cpu_ms_per_product']:.2f} ms per product)",
                f"{_n(counts['unchanged'])} unchanged, {_n(counts['updated'])} updated, "
                f"{_n(counts['created'])} created, {_n(counts['failed'])} exceptions",
                "",
                "",
                **_side(f),
            )
        )

    def growth(self, title: str, f: dict[str, Any]) -> None:
        points = f["points"]
        for index, p in enumerate(points):
            self.rows.append(
                Row(
                    f"5. {title}" if index == 0 else "",
                    f"{_n(p['orders'])} orders: s per 1,000 (hub CPU s) · peak RSS",
                    f"{p['seconds_per_1000']:.2f} s ({p['hub_cpu_seconds_per_1000']:.2f}) · "
                    f"{p['hub_peak_rss_mb']:.0f} MB",
                    f"{_n(p['orders_per_second'])} orders/s",
                    "≤ 200 MB at 100,000" if index == len(points) - 1 else "",
                    "",
                    **_side(p),
                )
            )
        small, large = points[0], points[-1]
        wall_growth = large["seconds_per_1000"] / small["seconds_per_1000"]
        cpu_growth = large["hub_cpu_seconds_per_1000"] / small["hub_cpu_seconds_per_1000"]
        rss_growth = large["hub_peak_rss_mb"] / small["hub_peak_rss_mb"]
        verdict, gap = _at_most(large["hub_peak_rss_mb"], 200)
        self.check(
            f"peak RSS ≤ 200 MB at {_n(large['orders'])}", f"{large['hub_peak_rss_mb']:.0f} MB", gap
        )
        self.check("s per 1,000 orders flat (≤ 1.25x)", f"x{wall_growth:.2f}", wall_growth / FLAT)
        self.check("peak RSS flat (≤ 1.25x)", f"x{rss_growth:.2f}", rss_growth / FLAT)
        shape = "flat" if max(wall_growth, rss_growth) <= FLAT else "grows"
        self.rows.append(
            Row(
                "",
                f"growth {_n(small['orders'])} → {_n(large['orders'])}",
                f"s/1,000 x{wall_growth:.2f} (CPU x{cpu_growth:.2f}) · RSS x{rss_growth:.2f}",
                "",
                f"flat (≤ x{FLAT}); ≤ 200 MB",
                f"{shape}; RSS {verdict}",
            )
        )


def build(results: list[dict[str, Any]]) -> tuple[list[Row], list[Check]]:
    """Rows and checks from each scenario's {key, title, status, detail, figures}."""
    builder = _Builder()
    handlers = {
        "1": builder.backfill,
        "2": builder.rate_limited,
        "3": builder.inventory,
        "4": builder.fulfillments,
        "5": builder.growth,
        "7": builder.products_push,
    }
    for result in results:
        if result["status"] != "ok":
            builder.unavailable(result["key"], result["title"], result["status"], result["detail"])
            continue
        handlers[result["key"]](result["title"], result["figures"])
    return builder.rows, builder.checks


_HEADERS = (
    "Scenario",
    "Figure",
    "OrderHub",
    "Reference",
    "Target",
    "vs target",
    "Hub peak RSS",
    "Sandbox CPU (6)",
    "Other processes",
)


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(_HEADERS) + " |", "|" + "---|" * len(_HEADERS)]
    for row in rows:
        cells = [str(v).replace("|", "\\|") for v in asdict(row).values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
