"""Results of the summary-level reanalysis: one entry per (contrast, prior) and the whole.

:class:`PublishedReanalysis` is what :func:`bayes_keta.published.reanalyse_published`
returns: the table, the inputs, the distributions behind the table (:class:`ReanalysisEntry`,
for plots) and a plain-text report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bayes_keta.constants import CI_PROB
from bayes_keta.published.dists import NormalMixtureDist, SampledDist, StudentTDist
from bayes_keta.published.orientation import AS_PRINTED, OrientationCheck
from bayes_keta.published.priors import Prior

__all__ = ["POST_HI", "POST_LO", "PublishedReanalysis", "ReanalysisEntry"]

_PCT = round(100 * CI_PROB)
#: Columns of the posterior credible interval in :attr:`PublishedReanalysis.table`.
POST_LO, POST_HI = f"post_lo{_PCT}", f"post_hi{_PCT}"

_READING_TEXT = {
    "arm_means": " [INCONSISTENT as printed; DEFAULT reading, the arm means' sign]",
    AS_PRINTED: " [INCONSISTENT; alternative reading, as printed]",
}


@dataclass(frozen=True)
class ReanalysisEntry:
    """Prior and posterior of one (contrast, prior) pair, on the benefit orientation.

    ``sign`` maps benefit orientation to the row's orientation (row = sign * benefit).
    """

    row: int
    contrast: str
    prior: Prior
    sign: int
    y: float
    se: float
    prior_dist: NormalMixtureDist | StudentTDist
    post_dist: NormalMixtureDist | SampledDist
    method: str


@dataclass(frozen=True)
class PublishedReanalysis:
    """Result of :func:`reanalyse_published`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (contrast, prior); see :func:`reanalyse_published`.
    inputs : pandas.DataFrame
        The validated estimates (with ``se``, ``se_source``, ``favoured``, ``sign``).
    priors : tuple of Prior
        Priors used (benefit orientation).
    design_effect : float
        Design hypothesis (benefit orientation, negative).
    thresholds : tuple of float
        Benefit thresholds (magnitudes).
    scale : str
        Effect scale of every row.
    entries : tuple of ReanalysisEntry
        Distributions behind the table (for plots).
    datatrees : Mapping
        PyMC DataTree per sampled prior name.
    notes : tuple of str
        Assumptions and warnings, also printed in :attr:`text`.
    """

    table: pd.DataFrame
    inputs: pd.DataFrame
    priors: tuple[Prior, ...]
    design_effect: float
    thresholds: tuple[float, ...]
    scale: str
    entries: tuple[ReanalysisEntry, ...]
    datatrees: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    orientation: tuple[OrientationCheck, ...] = ()

    @property
    def text(self) -> str:
        """Plain-text report: assumptions, then one line per (contrast, prior)."""
        pct = _PCT
        lines = [f"Summary-level Bayesian reanalysis (scale: {self.scale})", ""]
        lines += [f"- {n}" for n in self.notes]
        lines.append("")
        thr_cols = [c for c in self.table.columns if c.startswith("p_beyond_")]
        keys = ["active", "reference", "reading"]
        for (active, reference, reading), grp in self.table.groupby(keys, sort=False):
            first = grp.iloc[0]
            pub = f"{first['estimate']:+.2f}"
            if np.isfinite(first["published_lo95"]):
                pub += f" (95% CI {first['published_lo95']:.2f} to {first['published_hi95']:.2f})"
            lines.append(
                f"{active} vs {reference}{_READING_TEXT.get(reading, '')}:"
                f" {'read as' if reading == 'arm_means' else 'published'} {pub},"
                f" se {first['se']:.3f}; benefit = {first['favoured']} has less pain"
            )
            for rd in grp.to_dict("records"):
                beyond = ", ".join(f"P(>{c[9:]})={rd[c]:.2f}" for c in thr_cols)
                lines.append(
                    f"  {rd['prior']:<13} prior {rd['prior_spec']:<24} posterior"
                    f" {rd['post_mean']:+.2f} ({pct}% CrI {rd[POST_LO]:+.2f} to"
                    f" {rd[POST_HI]:+.2f});"
                    f" P(benefit)={rd['p_benefit']:.2f}; {beyond} [{rd['method']}]"
                )
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def _repr_html_(self) -> str:
        """Render a compact card for Jupyter: one row per contrast and prior."""
        from bayes_keta.cards import html_card

        keep = ["active", "reference", "prior", "post_mean", POST_LO, POST_HI, "p_benefit"]
        return html_card(
            f"Summary-level reanalysis of the published estimates ({self.scale})",
            table=self.table[[c for c in keep if c in self.table]].round(3),
            notes=self.notes,
        )

    def plot(self, **kwargs: Any):
        """Prior, likelihood and posterior per contrast and prior (``bk.plots``' figure)."""
        from bayes_keta.plots.published import published_reanalysis

        return published_reanalysis(self, **kwargs)
