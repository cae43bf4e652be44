"""Bar charts as inline SVG, drawn on the server: no JavaScript, no build step, no library.

A chart is a picture *and* its numbers: each bar carries a `<title>` (the browser shows it on
hover, a screen reader reads it), the figure a text summary (total, peak), and the values stay
in a `<table>` the page can show on request. Every text that goes in is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

from orderhub.services.dashboard import Bar

__all__ = ["bar_chart"]

WIDTH = 720
HEIGHT = 160
AXIS = 18  # room under the bars for the first, middle and last labels


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    shown: Callable[[Decimal], str] = lambda value: f"{value:,.0f}",
    css_class: str = "",
) -> Markup:
    """An SVG bar chart of `bars`, scaled to its peak; an empty series draws a flat baseline."""
    peak = max((bar.value for bar in bars), default=Decimal(0))
    count = max(1, len(bars))
    slot = WIDTH / count
    gap = min(2.0, slot * 0.2)
    plot = HEIGHT - AXIS
    parts = [
        f'<svg class="chart {escape(css_class)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}"/>',
    ]
    for index, bar in enumerate(bars):
        height = float(bar.value / peak) * (plot - 4) if peak > 0 else 0.0
        x = index * slot + gap / 2
        parts.append(
            f'<rect class="bar" x="{x:.2f}" y="{plot - height:.2f}" '
            f'width="{max(0.5, slot - gap):.2f}" height="{height:.2f}">'
            f"<title>{escape(bar.label)}: {escape(shown(bar.value))}</title></rect>"
        )
    for index in sorted({0, len(bars) // 2, len(bars) - 1}) if bars else []:
        anchor = "start" if index == 0 else "end" if index == len(bars) - 1 else "middle"
        x = 0 if index == 0 else WIDTH if index == len(bars) - 1 else (index + 0.5) * slot
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 4}" text-anchor="{anchor}">'
            f"{escape(bars[index].label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part above went through escape()
