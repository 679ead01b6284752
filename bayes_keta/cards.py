"""Compact HTML cards: how result objects show themselves in Jupyter (``_repr_html_``).

A card is a title, an optional verdict badge (green "passed", red "FAILED ..."), a few facts
and one small table, with inline styles only (notebook front ends strip ``<style>`` blocks and
scripts). :func:`contrast_frame` is the compact headline table of a contrast table that the
fit and contrast-summary cards share.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import pandas as pd

from bayes_keta.constants import CI_PROB

__all__ = ["contrast_frame", "html_card"]

_CI = f"{CI_PROB * 100:g}"
_BOX = (
    "border:1px solid #bbb;border-radius:6px;padding:8px 12px;margin:4px 0;"
    "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:60em"
)
_BADGE = "display:inline-block;border-radius:4px;padding:1px 8px;margin:4px 0;font-weight:600;"
_OK = _BADGE + "background:#e9f5ea;color:#1b4d1e;border:1px solid #2e7d32"
_BAD = _BADGE + "background:#fde8e8;color:#7a0000;border:1px solid #c00"
_WARN = _BADGE + "background:#fff6dd;color:#5c4300;border:1px solid #d49b00"


def contrast_frame(
    table: pd.DataFrame,
    *,
    percent: Callable[[float], str] = "{:.0%}".format,
    estimand: str | None = None,
) -> pd.DataFrame:
    """Return the compact headline of a contrast table: one formatted row per contrast.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`bayes_keta.contrast_table` (long format, flat ``p_beyond_<t>`` columns).
    percent : callable
        Formats a probability (callers pass :func:`bayes_keta.estimands.format_probability`).
    estimand : str, optional
        Row estimand (default: the table's first).

    Examples
    --------
    >>> t = pd.DataFrame({"contrast": ["d - p"], "estimand": ["m"], "mean": [-1.234],
    ...     "lo95": [-2.0], "hi95": [-0.5], "p_benefit": [0.999], "p_beyond_1": [0.6],
    ...     "p_rope": [0.001]})
    >>> contrast_frame(t).iloc[0].tolist()
    ['d - p', '-1.23', '-2.00 to -0.50', '100%', '60%', '0%']
    """
    if table.empty:
        return pd.DataFrame()
    estimand = estimand or str(table["estimand"].iloc[0])
    rows = table[table["estimand"] == estimand]
    beyond = [c for c in rows.columns if c.startswith("p_beyond_") and rows[c].notna().any()]
    out = pd.DataFrame(
        {
            "contrast": rows["contrast"].astype(str),
            "mean": [f"{m:.2f}" for m in rows["mean"]],
            f"{_CI}% CrI": [
                f"{lo:.2f} to {hi:.2f}"
                for lo, hi in zip(rows[f"lo{_CI}"], rows[f"hi{_CI}"], strict=True)
            ],
            "P(benefit)": [percent(p) for p in rows["p_benefit"]],
        }
    )
    for c in beyond:
        out[f"P(> {c.removeprefix('p_beyond_')})"] = [percent(p) for p in rows[c]]
    if "p_rope" in rows and rows["p_rope"].notna().any():
        out["P(ROPE)"] = [percent(p) for p in rows["p_rope"]]
    return out.reset_index(drop=True)


def html_card(
    title: str,
    *,
    verdict: bool | None = None,
    verdict_text: str = "",
    facts: Sequence[tuple[str, str]] = (),
    table: pd.DataFrame | None = None,
    caption: str = "",
    notes: Sequence[str] = (),
    max_rows: int = 12,
) -> str:
    """Render a card as an HTML fragment (inline styles, every text escaped).

    Parameters
    ----------
    title : str
        First line, bold.
    verdict : bool or None
        True: a green badge; False: a red one; None: no badge (or an amber one with text).
    verdict_text : str
        Text of the badge (default "diagnostics passed" / "diagnostics FAILED").
    facts : sequence of (str, str)
        Label and value pairs, one line.
    table : pandas.DataFrame, optional
        One small table (first ``max_rows`` rows, the rest counted).
    caption : str
        A line under the table.
    notes : sequence of str
        Lines at the end (warnings first).
    max_rows : int
        Rows shown.

    Examples
    --------
    >>> "<b>" not in html_card("<b>", verdict=False)
    True
    >>> "diagnostics FAILED" in html_card("fit", verdict=False)
    True
    """
    esc = html.escape
    parts = [f'<div style="{_BOX}">', f"<div><strong>{esc(title)}</strong></div>"]
    if verdict is not None or verdict_text:
        text = verdict_text or ("diagnostics passed" if verdict else "diagnostics FAILED")
        style = _WARN if verdict is None else (_OK if verdict else _BAD)
        parts.append(f'<div style="{style}">{esc(text)}</div>')
    if facts:
        shown = " &middot; ".join(f"{esc(k)}: <code>{esc(str(v))}</code>" for k, v in facts)
        parts.append(f'<div style="color:#333;margin:2px 0 6px">{shown}</div>')
    if table is not None and len(table):
        head = table.head(max_rows)
        cells = "".join(f'<th style="text-align:left">{esc(str(c))}</th>' for c in head.columns)
        body = "".join(
            "<tr>"
            + "".join(f'<td style="text-align:left">{esc(str(v))}</td>' for v in row)
            + "</tr>"
            for row in head.itertuples(index=False)
        )
        parts.append(f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>")
        more = len(table) - len(head)
        if more > 0:
            parts.append(f'<div style="color:#555">... and {more} more row(s)</div>')
    if caption:
        parts.append(f'<div style="color:#555;font-size:0.9em">{esc(caption)}</div>')
    for note in notes:
        parts.append(f'<div style="color:#555;font-size:0.9em">{esc(note)}</div>')
    parts.append("</div>")
    return "".join(parts)
