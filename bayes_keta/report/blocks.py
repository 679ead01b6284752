"""The report's building blocks: text, tables, figures, collapsed details and sections.

Section functions (:mod:`bayes_keta.report.sections`) return these; the renderers
(:mod:`bayes_keta.report.render`) turn them into HTML and Markdown. Tables hold
already-formatted strings so that both renderings show exactly the same numbers. A
:class:`Figure` holds the matplotlib figure a :mod:`bayes_keta.plots` function drew; only the
renderer turns it into an image (:func:`bayes_keta.report.render.encode_figures`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

__all__ = [
    "Banner",
    "Block",
    "Details",
    "Figure",
    "Report",
    "Section",
    "Table",
    "Text",
    "format_frame",
]

TextKind = Literal["p", "pre", "math", "note", "warning", "danger"]
#: A number format: a format spec (``".3f"``) or a function of the number (``format_rhat``).
Format = str | Callable[[float], str]


@dataclass(frozen=True)
class Text:
    """A paragraph (``p``), preformatted text (``pre``), math (``math``) or a call-out.

    Attributes
    ----------
    body : str
        Plain text (escaped by the renderers; never HTML).
    kind : {"p", "pre", "math", "note", "warning", "danger"}
        How to show it.
    """

    body: str
    kind: TextKind = "p"


@dataclass(frozen=True)
class Table:
    """A table of formatted strings.

    Attributes
    ----------
    columns : tuple of str
        Column headers.
    rows : tuple of tuple of str
        Cells, already formatted.
    caption : str
        What the table shows.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        caption: str = "",
        formats: Mapping[str, Format] | None = None,
        default: str = ".3g",
        index: bool = False,
    ) -> Table:
        """Format a DataFrame (see :func:`format_frame`) into a :class:`Table`."""
        shown = format_frame(frame, formats=formats, default=default, index=index)
        return cls(
            columns=tuple(str(c) for c in shown.columns),
            rows=tuple(tuple(str(v) for v in row) for row in shown.itertuples(index=False)),
            caption=caption,
        )


@dataclass(frozen=True)
class Figure:
    """A figure: drawn by a :mod:`bayes_keta.plots` function, encoded by the renderer.

    Attributes
    ----------
    figure : matplotlib.figure.Figure or None
        The drawn figure (None once encoded).
    caption : str
        What the figure shows and how to read it.
    alt : str
        Alternative text (what a reader who cannot see it needs to know).
    uri : str or None
        ``data:`` URI of the encoded image (set by the renderer).
    """

    figure: Any = field(repr=False, compare=False)
    caption: str
    alt: str
    uri: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, drawn: Any, caption: str, alt: str) -> Figure:
        """Wrap what a plot function returned (an Axes or a Figure)."""
        return cls(getattr(drawn, "figure", drawn), caption, alt)


@dataclass(frozen=True)
class Details:
    """Blocks collapsed under a one-line summary (long tables, per-model details).

    Attributes
    ----------
    summary : str
        The line shown while collapsed.
    blocks : tuple of Block
        The content.
    """

    summary: str
    blocks: tuple[Any, ...]


Block = Text | Table | Figure | Details


@dataclass(frozen=True)
class Section:
    """One report section.

    Attributes
    ----------
    id : str
        HTML anchor (stable; tests look for it).
    title : str
        Heading.
    blocks : tuple of Block
        Content, in order.
    level : int
        Heading level: 2 for a top section, 3 for a sub-section listed right after its parent
        (sections are a flat list on purpose).
    lead : str
        The section's first sentence: what it shows (rendered before the blocks).
    """

    id: str
    title: str
    blocks: tuple[Block, ...]
    level: int = 2
    lead: str = ""


@dataclass(frozen=True)
class Banner:
    """A call-out shown above every section.

    Attributes
    ----------
    kind : {"danger", "warning", "note"}
        Red (gate failed), amber (warnings) or neutral (synthetic data is ``danger`` too).
    title : str
        First line, bold.
    lines : tuple of str
        Details, one bullet each (collapsed under the title when ``role`` is ``"gate"`` or
        ``"warnings"``).
    role : str
        What the banner is about: ``"synthetic"``, ``"gate"`` (the diagnostics verdict) or
        ``"warnings"``; the HTML marks the gate banner with ``data-gate``.
    """

    kind: Literal["danger", "warning", "note"]
    title: str
    lines: tuple[str, ...] = ()
    role: str = ""


@dataclass(frozen=True)
class Report:
    """A whole report, ready to render.

    Attributes
    ----------
    title, subtitle : str
        Header.
    banners : tuple of Banner
        Shown at the top, in order.
    sections : tuple of Section
        Body.
    passed : bool
        Whether every fitted spec passed the diagnostics gate.
    synthetic : bool
        Whether the data are simulated.
    """

    title: str
    subtitle: str
    banners: tuple[Banner, ...]
    sections: tuple[Section, ...]
    passed: bool
    synthetic: bool


def _fmt(value: object, spec: Format) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and not isinstance(value, bool):
        x = float(value)
        if math.isnan(x):
            return "n/a"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if callable(spec):
            return spec(x)
        if isinstance(value, int) and spec == ".3g":
            return str(value)
        return format(x, spec)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(_fmt(v, spec) for v in value)
    return str(value)


def format_frame(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, Format] | None = None,
    default: str = ".3g",
    index: bool = False,
) -> pd.DataFrame:
    """Format every cell as a string: numbers by ``formats[column]`` or ``default``.

    A format is a format spec or a function of the number (e.g.
    :func:`bayes_keta.formatting.format_rhat`, which shows as many decimals as the
    comparison with the gate threshold needs).

    Integers stay integers, NaN becomes ``n/a``, booleans ``yes``/``no``.

    Examples
    --------
    >>> format_frame(pd.DataFrame({"a": [1.23456, float("nan")], "n": [3, 4]}),
    ...              formats={"a": ".2f"}).values.tolist()
    [['1.23', '3'], ['n/a', '4']]
    """
    formats = dict(formats or {})
    df = frame.reset_index() if index else frame
    out = pd.DataFrame(index=range(len(df)))
    for col in df.columns:
        spec = formats.get(str(col), default)
        values = df[col].tolist()
        out[str(col)] = [
            _fmt(int(v) if _is_integral(v, df[col].dtype) else v, spec) for v in values
        ]
    return out


def _is_integral(value: object, dtype: object) -> bool:
    return pd.api.types.is_integer_dtype(dtype) and not pd.isna(value)  # type: ignore[arg-type]
