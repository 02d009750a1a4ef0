"""Derive: geometry for the small SVG charts that pages and printed sheets draw (templates only place it).

A chart draws only what its table shows. A value of None is a hidden figure: its bar is a fixed dashed
stub labelled "*", its trend point a gap; and the scale comes from the shown values alone, so that neither
a length nor a position can tell a hidden count. Printed restricted sheets pass every value.
"""

from __future__ import annotations

CHART_W, CHART_H, PAD = 560, 180, 28
BAR_LEFT, BAR_MAX, STUB = 128, 300, 14
HIDDEN = "*"


def trend_chart(points: list[tuple[str, int | None]], height: int = CHART_H) -> dict | None:
    """Geometry for a small SVG line chart of counts by month; hidden months are gaps in the line."""
    values = [v for _, v in points if v is not None]
    if len(values) < 2:
        return None
    top = max(values) * 1.15 or 1
    step = (CHART_W - 2 * PAD) / max(1, len(points) - 1)
    dots = []
    for i, (label, v) in enumerate(points):
        y = None if v is None else round(height - PAD - (v / top) * (height - 2 * PAD), 1)
        dots.append(
            {
                "x": round(PAD + i * step, 1),
                "y": y,
                "label": label,
                "value": HIDDEN if v is None else str(v),
            }
        )
    path, pen_down = [], False
    for d in dots:
        if d["y"] is None:
            pen_down = False  # the line stops at a hidden month rather than leap over it
            continue
        path.append(f"{'L' if pen_down else 'M'}{d['x']},{d['y']}")
        pen_down = True
    return {
        "width": CHART_W,
        "height": height,
        "pad": PAD,
        "dots": dots,
        "path": " ".join(path),
        "base": height - PAD,
    }


def bar_chart(items: list[tuple[str, int | None]]) -> dict:
    """Geometry for a horizontal SVG bar chart; a hidden value is a dashed stub labelled "*"."""
    top = max([v for _, v in items if v is not None] + [1])
    bars = []
    for i, (label, v) in enumerate(items):
        bars.append(
            {
                "y": 8 + i * 26,
                "label": label,
                "width": STUB if v is None else round(v / top * BAR_MAX, 1),
                "value": HIDDEN if v is None else str(v),
                "small": v is None,  # drawn as a dashed outline, not to scale
            }
        )
    return {"width": CHART_W, "height": 16 + len(items) * 26, "bars": bars}
