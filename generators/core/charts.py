"""Derive: geometry for the small SVG charts that pages and printed sheets draw (templates only place it).

With a threshold (public pages), a count below it is not drawn to scale: the bar gets a fixed stub and the
label "<3", a trend point becomes a gap. Printed restricted sheets pass no threshold.
"""

from __future__ import annotations

CHART_W, CHART_H, PAD = 560, 180, 28


def trend_chart(points: list[tuple[str, int]], threshold: int | None, height: int = CHART_H) -> dict | None:
    """Geometry for a small SVG line chart of totals by month; with a threshold, small months are gaps."""

    def visible(v: int) -> bool:
        return threshold is None or v == 0 or v >= threshold

    values = [v for _, v in points if visible(v)]
    if len(values) < 2:
        return None
    top = max(values) * 1.15 or 1
    step = (CHART_W - 2 * PAD) / max(1, len(points) - 1)
    dots = []
    for i, (label, v) in enumerate(points):
        y = height - PAD - (v / top) * (height - 2 * PAD) if visible(v) else None
        dots.append(
            {
                "x": round(PAD + i * step, 1),
                "y": None if y is None else round(y, 1),
                "label": label,
                "value": str(v) if visible(v) else "<3",
            }
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{d['x']},{d['y']}"
        for i, d in enumerate(d for d in dots if d["y"] is not None)
    )
    return {"width": CHART_W, "height": height, "pad": PAD, "dots": dots, "path": path, "base": height - PAD}


def bar_chart(items: list[tuple[str, int]], threshold: int | None) -> dict:
    """Geometry for a horizontal SVG bar chart. With a threshold, small counts get a fixed stub and "<3"
    instead of a bar whose length would tell the count."""
    top = max([v for _, v in items] + [1])
    bars = []
    for i, (label, v) in enumerate(items):
        small = threshold is not None and 0 < v < threshold
        width = 14 if small else round(v / top * 300, 1)
        bars.append(
            {
                "y": 8 + i * 26,
                "label": label,
                "width": width,
                "value": "<3" if small else str(v),
                "small": small,
            }
        )
    return {"width": 560, "height": 16 + len(items) * 26, "bars": bars}
