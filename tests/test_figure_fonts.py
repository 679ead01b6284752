"""Figure text is at least as large as the report's body text once a figure fills the page.

A figure is drawn WIDTH inches wide and shown at the report's content width (CSS pixels), so a
font of s points shows at s / 72 * content / WIDTH CSS pixels whatever the DPI: every font of
the shared style must reach the body's font size (issue 14).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

from bayes_keta.plots.style import RC, WIDTH

TEMPLATE = Path(__file__).resolve().parents[1] / "bayes_keta" / "report" / "templates"


def _css_px(pattern: str, css: str) -> float:
    match = re.search(pattern, css)
    assert match, pattern
    return float(match.group(1))


def test_every_figure_font_shows_at_least_at_the_body_size() -> None:
    css = (TEMPLATE / "report.html.j2").read_text()
    body = _css_px(r"html\s*\{\s*font-size:\s*([0-9.]+)px", css)
    page = _css_px(r"max-width:\s*([0-9.]+)px", css)
    padding = _css_px(r"padding:\s*0\s+([0-9.]+)px", css)
    content = page - 2 * padding
    sizes = {key: value for key, value in RC.items() if key.endswith(("size", "fontsize"))}
    assert {"font.size", "xtick.labelsize", "legend.fontsize"} <= set(sizes)
    with matplotlib.rc_context(RC):  # named sizes ("large") resolve against font.size
        from matplotlib.font_manager import FontProperties

        points = {
            key: FontProperties(size=value).get_size_in_points() for key, value in sizes.items()
        }
    shown = {key: pt / 72 * content / WIDTH for key, pt in points.items()}
    small = {key: round(px, 1) for key, px in shown.items() if px < body}
    assert not small, f"figure fonts below the body's {body:g}px: {small}"
