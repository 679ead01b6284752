"""The published KETAPAIN summary results, shipped as a dataset with its citation."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

import pandas as pd

__all__ = ["PublishedResults", "ketapain_published"]


@dataclass(frozen=True)
class PublishedResults:
    """Summary-level results of a published crossover trial.

    Attributes
    ----------
    name : str
        Dataset name.
    citation : str
        Full citation of the article the numbers come from.
    arms : pandas.DataFrame
        One row per arm: ``treatment``, ``description``, ``n``, ``auc_mean``, ``auc_sd``,
        ``adverse_event_pct``.
    contrasts : pandas.DataFrame
        One row per published contrast: ``active``, ``reference``, ``scale``, ``estimate``,
        ``lo95``, ``hi95``, ``p_value`` (orientation exactly as published).
    meta : dict
        Design facts (``n_subjects``, ``n_periods``, ``n_days``, ``overall_p``, ``notes``...).
    """

    name: str
    citation: str
    arms: pd.DataFrame
    contrasts: pd.DataFrame
    meta: dict

    @property
    def text(self) -> str:
        """Plain-text rendering of the published results with the citation."""
        lines = [
            f"Published results: {self.citation}",
            "",
            "Primary endpoint (AUC, pain score-days):",
        ]
        for row in self.arms.itertuples():
            lines.append(
                f"  {row.treatment:<20} {row.auc_mean:6.0f} +/- {row.auc_sd:<4.0f}"
                f" (n={row.n}; adverse events {row.adverse_event_pct:.0f}%)"
            )
        lines.append(f"  overall P = {self.meta['overall_p']}")
        lines.append("Effect sizes (as published):")
        for row in self.contrasts.itertuples():
            lines.append(
                f"  {row.active} vs {row.reference}: {row.estimate:+.1f}"
                f" (95% CI {row.lo95:.1f} to {row.hi95:.1f}); P = {row.p_value}"
            )
        return "\n".join(lines)


def ketapain_published() -> PublishedResults:
    """Load the embedded published KETAPAIN results (Pickering et al., Anesthesiology 2020).

    Returns
    -------
    PublishedResults
        Arms (AUC mean and SD, adverse events), published effect sizes with 95% CIs and P
        values, design facts and the citation.

    Examples
    --------
    >>> pub = ketapain_published()
    >>> float(pub.arms.set_index("treatment").loc["placebo", "auc_mean"])
    187.0
    """
    raw = tomllib.loads(
        resources.files("bayes_keta.data").joinpath("files/ketapain_published.toml").read_text()
    )
    arms = pd.DataFrame(raw.pop("arms"))
    contrasts = pd.DataFrame(raw.pop("contrasts"))
    name = raw.pop("name")
    citation = raw.pop("citation")
    return PublishedResults(name=name, citation=citation, arms=arms, contrasts=contrasts, meta=raw)
