"""A supplier's score over the scoring runs as an SVG drawn on the server: no script, no
external file, and presentation attributes only (the Content-Security-Policy allows no inline
style). The page gives the same numbers as text beside it."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

from monitor.timestamps import STOCKHOLM

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 12, 28


def score_svg(history: list[tuple[datetime, float]], title: str) -> Markup:
    """The scores (0-100) oldest first as a line with a dot per run, y axis at 0, 50 and 100."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(history) - 1) if len(history) > 1 else plot_w / 2)

    def y(score: float) -> float:
        return TOP + plot_h * (1 - max(0.0, min(100.0, score)) / 100)

    parts = [f'<svg class="chart" role="img" aria-labelledby="chart-title" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="chart-title">{escape(title)}</title>',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>']
    for level in (0, 50, 100):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
                     f'stroke="#c8c8c8" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(level) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#333333">{level}</text>')
    points = [(x(i), y(score)) for i, (_, score) in enumerate(history)]
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5fa8" stroke-width="2.5"/>')
    for (px, py), (at, score) in zip(points, history, strict=True):
        label = f"{at.astimezone(STOCKHOLM):%Y-%m-%d}: {score:.0f}"
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="#1f5fa8">'
                     f'<title>{escape(label)}</title></circle>')
    if history:
        for index in sorted({0, len(history) - 1}):
            anchor = "start" if index == 0 and len(history) > 1 else "end" if index else "middle"
            parts.append(f'<text x="{points[index][0]:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" font-size="11" '
                         f'fill="#333333">{history[index][0].astimezone(STOCKHOLM):%Y-%m-%d}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
