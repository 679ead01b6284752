"""The look every figure shares: sizes, fonts, one colour per treatment, outcome labels.

Figures are drawn :data:`WIDTH` inches wide, the report's content width at about 100 CSS
pixels per inch, so that fonts of :data:`RC` (12-point text) show at least as large as the
report's body text when a figure fills the page. A treatment keeps its colour in every figure
(:func:`treatment_colours`: the reference arm grey, the active arms the Okabe-Ito palette in
their order), and a contrast is drawn in its active arm's colour.

Labels come from the outcome (:class:`bayes_keta.outcome.Outcome`: its ``label``, ``noun``,
``units`` and AUC units), never from a hard-coded scale.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bayes_keta.estimands import CI_LABEL
from bayes_keta.outcome import Outcome

__all__ = [
    "BENEFIT_FILL",
    "CI_HI",
    "CI_LO",
    "MUTED",
    "PALETTE",
    "RC",
    "REFERENCE_COLOUR",
    "ROPE_FILL",
    "WIDTH",
    "colour_of",
    "difference_label",
    "favours",
    "new_axes",
    "outcome_of",
    "styled",
    "treatment_colours",
    "treatments_of",
    "units_of",
]

#: Fill of the region of benefit, of the region of practical equivalence, and muted text.
BENEFIT_FILL: str = "#e3f2e1"
ROPE_FILL: str = "#d9d9d9"
MUTED: str = "#444444"
#: Columns of an estimand table's credible interval (``lo95``, ``hi95``).
CI_LO, CI_HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"

#: Width of every figure in inches (the report's content width).
WIDTH: float = 11.0
#: Colour of the reference (control) arm.
REFERENCE_COLOUR: str = "#5f5f5f"
#: Colours of the active arms, in treatment order (Okabe & Ito, colour-blind safe).
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
)
#: Matplotlib settings while a figure is drawn: fonts at least the report's body size.
RC: dict[str, Any] = {
    "font.size": 12.5,
    "axes.titlesize": 14,
    "axes.titleweight": "bold",
    "axes.labelsize": 12.5,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.titlesize": 14,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
}


def styled[F: Callable[..., Any]](func: F) -> F:
    """Draw inside :data:`RC` (fonts and spines), whatever the caller's settings."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context(RC):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_axes(ax: Any = None, *, height: float, width: float = WIDTH) -> Any:
    """Return ``ax``, or the Axes of a new figure of ``width`` x ``height`` inches.

    The new figure is a bare :class:`matplotlib.figure.Figure` (no pyplot state: nothing to
    close, safe in threads); Jupyter shows it with ``display(ax.figure)`` or as a cell's value.

    Examples
    --------
    >>> new_axes(height=2.0).figure.get_size_inches().tolist()
    [11.0, 2.0]
    """
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig.add_subplot()


def treatment_colours(treatments: Sequence[str], reference: str | None = None) -> dict[str, str]:
    """One colour per treatment: the reference grey, the others :data:`PALETTE` in order.

    Parameters
    ----------
    treatments : sequence of str
        Every treatment, in the trial's order (the reference first).
    reference : str, optional
        The reference arm (default: the first treatment).

    Examples
    --------
    >>> treatment_colours(["placebo", "ketamine"])
    {'placebo': '#5f5f5f', 'ketamine': '#0072B2'}
    """
    treatments = list(dict.fromkeys(str(t) for t in treatments))
    reference = treatments[0] if reference is None and treatments else reference
    out, k = {}, 0
    for t in treatments:
        if t == reference:
            out[t] = REFERENCE_COLOUR
        else:
            out[t] = PALETTE[k % len(PALETTE)]
            k += 1
    return out


def treatments_of(rows: Any) -> list[str]:
    """Treatments named by a contrast table (``reference`` and ``active`` columns), in order.

    The references come first (in order of appearance), then the active arms: for the usual
    tables (every active arm against the reference, then pairs of active arms) this is the
    trial's own order, so the colours match :func:`treatment_colours` of the trial.

    Examples
    --------
    >>> import pandas as pd
    >>> treatments_of(pd.DataFrame({"active": ["k", "m", "m"], "reference": ["p", "p", "k"]}))
    ['p', 'k', 'm']
    """
    refs = [str(r) for r in rows["reference"]]
    first = refs[0] if refs else None
    ordered = [first] if first is not None else []
    ordered += [str(a) for a in rows["active"]]
    ordered += refs
    return list(dict.fromkeys(ordered))


def colour_of(name: str, treatments: Iterable[str], colours: dict[str, str] | None = None) -> str:
    """Colour of a treatment (or of a contrast ``"active - reference"``: its active arm's)."""
    colours = colours or treatment_colours(list(treatments))
    active = str(name).split(" - ")[0]
    return colours.get(active, REFERENCE_COLOUR)


def outcome_of(source: Any, outcome: Outcome | None = None) -> Outcome:
    """Return the outcome to label with: ``outcome``, else ``source.outcome``, else the 0-10 NRS."""
    if outcome is not None:
        return outcome
    found = getattr(source, "outcome", None)
    return found if isinstance(found, Outcome) else Outcome.nrs_0_10()


def units_of(outcome: Outcome, scale: str = "outcome") -> str:
    """Units of a scale kind or written scale name (``"nrs"``, ``"auc"``, ``"percent"``).

    Examples
    --------
    >>> units_of(Outcome.nrs_0_10(), "auc")
    'pain score-days'
    """
    try:
        return outcome.units_for(scale)
    except ValueError:
        return outcome.units


def difference_label(outcome: Outcome, scale: str = "outcome", *, what: str = "") -> str:
    """Axis label of a difference on a scale, with its units.

    Examples
    --------
    >>> difference_label(Outcome.nrs_0_10())
    'difference in mean daily pain (points)'
    >>> difference_label(Outcome.nrs_0_10(), "auc")
    'difference in pain AUC (pain score-days)'
    """
    try:
        kind = outcome.kind(scale)
    except ValueError:
        kind = "outcome"
    if what:
        body = what
    elif kind == "auc":
        body = f"{outcome.noun} AUC"
    elif kind == "percent":
        body = f"{outcome.quantity} (relative)"
    else:
        body = outcome.quantity
    return f"difference in {body} ({units_of(outcome, scale)})"


def favours(outcome: Outcome, active: str, reference: str) -> tuple[str, str]:
    """Texts for the low and high ends of a difference axis (``active - reference``).

    Examples
    --------
    >>> favours(Outcome.nrs_0_10(), "drug", "placebo")
    ('favours drug', 'favours placebo')
    """
    good, bad = f"favours {active}", f"favours {reference}"
    return (good, bad) if outcome.better == "lower" else (bad, good)
