r"""The published adverse-event shares, reanalysed as independent binomials (summary level).

KETAPAIN reports the share of its 20 patients with at least one adverse event on each arm
(10%, 20%, 35%: 2, 4 and 7 patients). Here each arm's count is a binomial with a conjugate
Beta prior,

.. math::

    x_k \sim \operatorname{Binomial}(n_k, p_k),\quad p_k \sim \operatorname{Beta}(a, b)
    \;\Rightarrow\; p_k \mid x_k \sim \operatorname{Beta}(a + x_k, b + n_k - x_k),

by default Jeffreys' Beta(1/2, 1/2) (:data:`~bayes_keta.constants.PUBLISHED_AE_PRIOR`). Arm
summaries are exact (Beta quantiles); risk differences and ratios vs the reference are Monte
Carlo (:data:`~bayes_keta.constants.PUBLISHED_AE_DRAWS` seeded draws per arm).

**A summary-level approximation that ignores the pairing**: every patient was on every arm (a
crossover), so the counts are not independent; the published table does not give the pairs
(who had events on two arms), which the patient-level adverse-event model
(:mod:`bayes_keta.models.adverse_events`) uses. Treating the arms as independent samples
usually overstates the uncertainty of the differences when a patient's events are positively
correlated across arms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from bayes_keta.constants import (
    CI_PROB,
    DEFAULT_REFERENCE,
    DEFAULT_SEED,
    PUBLISHED_AE_DRAWS,
    PUBLISHED_AE_PRIOR,
)
from bayes_keta.estimands import CI_LABEL, format_probability
from bayes_keta.exceptions import DataError, SpecError

__all__ = ["APPROXIMATION", "PublishedAdverseEvents", "analyse_published_adverse_events"]

LO, HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"

#: The label every output of this analysis carries.
APPROXIMATION = (
    "summary-level approximation: the arms' adverse-event counts are treated as independent"
    " binomials, ignoring the crossover pairing (every patient was on every arm)"
)

#: Column order of :attr:`PublishedAdverseEvents.table`.
COLUMNS: tuple[str, ...] = (
    "row",
    "active",
    "reference",
    "events",
    "n",
    "observed",
    "mean",
    "sd",
    "median",
    LO,
    HI,
    "p_harm",
)


@dataclass(frozen=True)
class PublishedAdverseEvents:
    """Posterior of the published adverse-event shares (see the module docstring).

    Attributes
    ----------
    table : pandas.DataFrame
        :data:`COLUMNS`: ``row`` is ``arm`` (``active`` = the arm; ``reference`` empty),
        ``risk_difference`` or ``risk_ratio`` (active vs reference; ``p_harm`` = P(more
        adverse events on the active arm)); ``events``/``n``/``observed`` on arm rows.
    prior : tuple of float
        The Beta prior ``(a, b)`` of every arm.
    draws : int
        Monte Carlo draws per arm of the contrasts.
    seed : int
        Their seed.
    notes : tuple of str
        The approximation and how the counts were read.
    """

    table: pd.DataFrame
    prior: tuple[float, float]
    draws: int
    seed: int
    notes: tuple[str, ...]

    @property
    def arms(self) -> pd.DataFrame:
        """The arm rows."""
        return self.table[self.table["row"] == "arm"].reset_index(drop=True)

    @property
    def text(self) -> str:
        """Plain-text rendering: the approximation first, then arms and contrasts."""
        a, b = self.prior
        lines = [
            f"Adverse events as published, Beta({a:g}, {b:g}) prior per arm:",
            *(f"- {n}" for n in self.notes),
        ]
        for r in self.table.to_dict("records"):
            interval = f"{CI_LABEL}% CrI {r[LO]:.2f} to {r[HI]:.2f}"
            if r["row"] == "arm":
                lines.append(
                    f"  {r['active']:<20} {int(r['events'])}/{int(r['n'])} observed"
                    f" {r['observed']:.2f}; posterior {r['mean']:.2f} ({interval})"
                )
            else:
                lines.append(
                    f"  {r['active']} vs {r['reference']} {r['row']}: {r['mean']:+.2f}"
                    f" ({interval}); P(more adverse events) = {format_probability(r['p_harm'])}"
                )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able settings and notes (for the provenance sidecar)."""
        return {
            "model": "independent binomials, conjugate Beta prior",
            "prior": {"dist": "beta", "alpha": self.prior[0], "beta": self.prior[1]},
            "draws": self.draws,
            "seed": self.seed,
            "notes": list(self.notes),
        }


def _counts(arms: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Events per arm from the published percentages (refused when they are not counts)."""
    notes = []
    events = arms["adverse_event_pct"].to_numpy(float) / 100 * arms["n"].to_numpy(float)
    rounded = np.round(events)
    if np.any(np.abs(events - rounded) > 0.05):
        raise DataError(
            f"the published adverse-event percentages do not give whole patients: {events}"
        )
    out = arms[["treatment", "n"]].copy()
    out["events"] = rounded.astype(int)
    notes.append(
        "counts = published percentage x n: "
        + ", ".join(
            f"{t} {e}/{n}"
            for t, e, n in zip(out["treatment"], out["events"], out["n"], strict=True)
        )
    )
    return out, notes


def analyse_published_adverse_events(
    published: Any = None,
    *,
    prior: tuple[float, float] = PUBLISHED_AE_PRIOR,
    reference: str = DEFAULT_REFERENCE,
    draws: int = PUBLISHED_AE_DRAWS,
    seed: int = DEFAULT_SEED,
    ci_prob: float = CI_PROB,
) -> PublishedAdverseEvents:
    """Reanalyse published adverse-event shares as independent binomials with a Beta prior.

    Parameters
    ----------
    published : PublishedResults, optional
        With ``arms`` columns ``treatment``, ``n``, ``adverse_event_pct`` (default: KETAPAIN,
        :func:`bayes_keta.ketapain_published`).
    prior : tuple of float
        Beta ``(a, b)`` of every arm, both > 0 (default Jeffreys' (1/2, 1/2)).
    reference : str
        Arm the others are compared with.
    draws, seed : int
        Monte Carlo draws per arm for the contrasts, and their seed.
    ci_prob : float
        Probability of the equal-tailed intervals.

    Returns
    -------
    PublishedAdverseEvents

    Raises
    ------
    SpecError
        A prior parameter that is not a positive number, or an unknown reference.
    DataError
        Percentages that are not whole patients.

    Examples
    --------
    >>> result = analyse_published_adverse_events(draws=2000)
    >>> result.arms[["active", "events", "n"]].values.tolist()
    [['placebo', 2, 20], ['ketamine', 4, 20], ['ketamine_magnesium', 7, 20]]
    >>> round(float(result.arms.set_index("active").loc["placebo", "mean"]), 3)  # 2.5 / 21
    0.119
    """
    if published is None:
        from bayes_keta.data.published import ketapain_published

        published = ketapain_published()
    a, b = (float(v) for v in prior)
    if not (np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0):
        raise SpecError(f"the Beta prior needs two positive numbers, got {prior!r}")
    counts, notes = _counts(published.arms)
    if reference not in set(counts["treatment"]):
        raise SpecError(f"reference {reference!r} is not a published arm")
    counts = pd.concat(
        [counts[counts["treatment"] == reference], counts[counts["treatment"] != reference]]
    )
    tail = (1 - ci_prob) / 2
    rng = np.random.default_rng(seed)
    rows, samples = [], {}
    for r in counts.to_dict("records"):
        post = stats.beta(a + r["events"], b + r["n"] - r["events"])
        lo, median, hi = post.ppf([tail, 0.5, 1 - tail])
        rows.append(
            {
                "row": "arm",
                "active": r["treatment"],
                "reference": "",
                "events": r["events"],
                "n": r["n"],
                "observed": r["events"] / r["n"],
                "mean": post.mean(),
                "sd": post.std(),
                "median": median,
                LO: lo,
                HI: hi,
                "p_harm": np.nan,
            }
        )
        samples[r["treatment"]] = post.rvs(size=draws, random_state=rng)
    base = samples[reference]
    for arm in (t for t in counts["treatment"] if t != reference):
        for name, x in (
            ("risk_difference", samples[arm] - base),
            ("risk_ratio", samples[arm] / base),
        ):
            lo, median, hi = np.quantile(x, [tail, 0.5, 1 - tail])
            rows.append(
                {
                    "row": name,
                    "active": arm,
                    "reference": reference,
                    "events": np.nan,
                    "n": np.nan,
                    "observed": np.nan,
                    "mean": float(np.mean(x)),
                    "sd": float(np.std(x, ddof=1)),
                    "median": median,
                    LO: lo,
                    HI: hi,
                    "p_harm": float(np.mean(samples[arm] > base)),
                }
            )
    notes = [APPROXIMATION, *notes]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in ("events", "n"):
        table[col] = table[col].astype("Int64")
    return PublishedAdverseEvents(
        table=table, prior=(a, b), draws=draws, seed=seed, notes=tuple(notes)
    )
