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
HEIGHT = 142


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    shown: Callable[[Decimal], str] = lambda value: f"{value:,.0f}",
    css_class: str = "",
) -> Markup:
    """An SVG bar chart of `bars`, scaled to its peak; an empty series draws a flat baseline.

    The first, middle and last bars' labels go under it as HTML, not SVG text: the drawing
    scales with its column, and its text would shrink to a few pixels in a half-width one.
    """
    peak = max((bar.value for bar in bars), default=Decimal(0))
    count = max(1, len(bars))
    slot = WIDTH / count
    gap = min(2.0, slot * 0.2)
    plot = HEIGHT
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
    parts.append("</svg>")
    if bars:
        parts.append('<div class="chart-axis" aria-hidden="true">')
        for index in sorted({0, len(bars) // 2, len(bars) - 1}):
            parts.append(f"<span>{escape(bars[index].label)}</span>")
        parts.append("</div>")
    return Markup("".join(parts))  # noqa: S704 - every text part above went through escape()
