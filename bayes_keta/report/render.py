"""Render a :class:`~bayes_keta.report.blocks.Report` as HTML and as Markdown.

The one place figures become images: :func:`encode_figures` draws each
:class:`~bayes_keta.report.blocks.Figure` once into a PNG at :data:`FIGURE_DPI` (sharp on
high-density screens), embeds it as a ``data:image/png;base64`` URI and closes the figure. The
HTML is one self-contained file (jinja2 template shipped in ``templates/``: inline CSS, no
script, no network); the Markdown is its twin.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from typing import Any

import jinja2

from bayes_keta.report.blocks import Details, Figure, Report, Section, Table, Text

__all__ = ["FIGURE_DPI", "encode_figure", "encode_figures", "render_html", "render_markdown"]

#: Resolution of the embedded figures: an 11-inch figure (the page's content width; see
#: bayes_keta.plots.style) is 1760 pixels wide, about 1.5 times its width on the page, sharp on
#: high-density screens while the report stays a few MB.
FIGURE_DPI: int = 160

_TEMPLATE = "report.html.j2"


def encode_figure(figure: Any, *, dpi: int = FIGURE_DPI) -> str:
    """Render a matplotlib figure to a PNG ``data:`` URI and close it.

    Examples
    --------
    >>> from matplotlib.figure import Figure as MplFigure
    >>> encode_figure(MplFigure(figsize=(1, 1)))[:30]
    'data:image/png;base64,iVBORw0K'
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        plt.close(figure)  # a no-op for figures pyplot does not manage
        figure.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _encode_block(block: Any) -> Any:
    if isinstance(block, Figure) and block.uri is None:
        return dataclasses.replace(block, figure=None, uri=encode_figure(block.figure))
    if isinstance(block, Details):
        return dataclasses.replace(block, blocks=tuple(_encode_block(b) for b in block.blocks))
    return block


def encode_figures(report: Report) -> Report:
    """Return the report with every figure encoded (each drawn once, then closed)."""
    sections = tuple(
        dataclasses.replace(s, blocks=tuple(_encode_block(b) for b in s.blocks))
        for s in report.sections
    )
    return dataclasses.replace(report, sections=sections)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("bayes_keta.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _version() -> str:
    from bayes_keta._version import __version__

    return __version__


def _kind(block: Any) -> str:
    return type(block).__name__.lower()


def render_html(report: Report) -> str:
    """Render the report as a single HTML document (inline CSS and images, no JavaScript).

    The first section (the answer) comes right after the banners, then the contents list.

    Examples
    --------
    >>> from bayes_keta.report.blocks import Report, Section, Text
    >>> r = Report("T", "s", (), (Section("summary", "Summary", (Text("<b>"),)),), True, False)
    >>> "&lt;b&gt;" in render_html(r)
    True
    """
    encoded = encode_figures(report)
    template = _environment().get_template(_TEMPLATE)
    return template.render(report=encoded, version=_version(), kind=_kind)


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    lines = [
        "| " + " | ".join(_md_cell(c) for c in table.columns) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    if table.caption:
        lines += ["", f"*{table.caption}*"]
    return lines


def _md_text(block: Text) -> list[str]:
    if block.kind in ("pre", "math"):
        return ["```text", block.body, "```"]
    if block.kind == "p":
        return [block.body]
    label = {"note": "Note", "warning": "Warning", "danger": "**WARNING**"}[block.kind]
    return [f"> {label}: " + block.body.replace("\n", "\n> ")]


def _md_block(block: Any) -> list[str]:
    if isinstance(block, Text):
        return [*_md_text(block), ""]
    if isinstance(block, Table):
        return [*_md_table(block), ""]
    if isinstance(block, Figure):
        return [f"![{block.alt}]({block.uri})", "", f"*{block.caption}*", ""]
    if isinstance(block, Details):
        inner = [line for b in block.blocks for line in _md_block(b)]
        return [f"<details><summary>{block.summary}</summary>", "", *inner, "</details>", ""]
    raise TypeError(f"unknown report block {type(block).__name__}")


def _md_section(section: Section) -> list[str]:
    lines = [f"{'#' * section.level} {section.title}", "", f'<a id="{section.id}"></a>', ""]
    if section.lead:
        lines += [section.lead, ""]
    return lines + [line for block in section.blocks for line in _md_block(block)]


def render_markdown(report: Report) -> str:
    """Render the report as Markdown (GitHub-flavoured tables; figures as inline data URIs).

    Examples
    --------
    >>> from bayes_keta.report.blocks import Report, Section, Text
    >>> r = Report("T", "s", (), (Section("summary", "Summary", (Text("x"),)),), True, False)
    >>> "## Summary" in render_markdown(r)
    True
    """
    encoded = encode_figures(report)
    lines = [f"# {encoded.title}", "", encoded.subtitle, ""]
    for b in encoded.banners:
        mark = {"danger": "**[RED]**", "warning": "**[WARNING]**", "note": "**[OK]**"}[b.kind]
        lines.append(f"> {mark} **{b.title}**")
        lines += [f"> - {line}" for line in b.lines]
        lines.append("")
    for s in encoded.sections:
        lines += _md_section(s)
    lines.append(f"Generated by bayes_keta {_version()}.")
    return "\n".join(lines) + "\n"
