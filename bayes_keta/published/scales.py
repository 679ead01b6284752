"""Effect scales the summary-level tools know, with their documented defaults.

Both the published-results reanalysis (:mod:`bayes_keta.published`) and the meta-analysis
(:mod:`bayes_keta.meta`) work on one effect scale at a time. A known scale brings default
benefit thresholds, a default vague prior SD, a default design hypothesis (where one exists)
and a default heterogeneity-prior scale; an unknown scale is accepted only when the caller
supplies those numbers.

Effects are differences ``active - reference`` in pain (or a log ratio of harms), so a
**negative** value means the ``active`` arm did better.
"""

from __future__ import annotations

from dataclasses import dataclass

from bayes_keta.constants import (
    NRS_THRESHOLDS,
    RELATIVE_THRESHOLD_PCT,
    SMD_THRESHOLDS,
    auc_thresholds,
)

__all__ = ["ScaleInfo", "SCALES", "scale_info", "DEFAULT_DESIGN_EFFECT_SMD"]

#: Default design hypothesis on the SMD scale (benefit is negative): a "medium" effect in
#: Cohen's terms. ASSUMPTION: the KETAPAIN protocol (Delage et al., Trials 2017;18:517) plans
#: 22 patients for the AUC of pain; the standardized effect its sample size assumed was not
#: available to us, so -0.5 SMD stands in for it. Override with ``design_effect``.
DEFAULT_DESIGN_EFFECT_SMD: float = -0.5


@dataclass(frozen=True)
class ScaleInfo:
    """Defaults attached to one effect scale.

    Attributes
    ----------
    name : str
        Scale code as it appears in the ``scale`` column of input files.
    label : str
        Human-readable description for tables and plot axes.
    thresholds : tuple of float or None
        Default benefit thresholds (magnitudes, positive numbers), or None when there is no
        defensible default.
    design_effect : float or None
        Default design hypothesis (negative = benefit), or None.
    vague_sd : float
        SD of the vague reference prior Normal(0, vague_sd), flat over any plausible effect.
    tau_scale : float
        Scale of the default half-normal prior on the between-trial SD.
    """

    name: str
    label: str
    thresholds: tuple[float, ...] | None
    design_effect: float | None
    vague_sd: float
    tau_scale: float


#: Known scales. ``tau_scale``: Roever C, Bender R, Dias S, et al. On weakly informative prior
#: distributions for the heterogeneity parameter in Bayesian random-effects meta-analysis.
#: Res Synth Methods 2021;12:448-474 argue for half-normal (or half-Cauchy) priors scaled so
#: that "fairly high" heterogeneity is plausible but extreme values are not, and discuss
#: HalfNormal(0.5) for log odds ratios; we use the same for the other unit-free effects (SMD,
#: log ratios). On the 0-10 NRS we take HalfNormal(1.0 point) (a between-trial SD of one pain
#: point is already large next to the 1-2 point clinical thresholds), 35 times that on the AUC
#: scale and 15 percent points on the relative-change scale (one NRS point ~ 15%, Farrar et
#: al. 2001). Percent thresholds follow ``bayes_keta.estimands`` (RELATIVE_THRESHOLD_PCT):
#: applied to a between-arm ratio of means the 30% is a convention, not IMMPACT's within-patient
#: anchor.
#: These are weakly informative defaults, to be varied in a sensitivity analysis.
SCALES: dict[str, ScaleInfo] = {
    "smd": ScaleInfo(
        "smd",
        "standardized mean difference",
        SMD_THRESHOLDS,
        DEFAULT_DESIGN_EFFECT_SMD,
        10.0,
        0.5,
    ),
    "nrs": ScaleInfo("nrs", "daily pain, 0-10 NRS points", NRS_THRESHOLDS, None, 10.0, 1.0),
    "auc": ScaleInfo(
        "auc", "AUC of daily pain, pain score-days", auc_thresholds(), None, 350.0, 35.0
    ),
    "percent": ScaleInfo(
        "percent",
        "between-arm ratio of mean pain (active / reference - 1), %; not a within-patient"
        " change (IMMPACT's 30% is one)",
        (RELATIVE_THRESHOLD_PCT,),
        None,
        100.0,
        15.0,
    ),
    "log_or": ScaleInfo("log_or", "log odds ratio", None, None, 10.0, 0.5),
    "log_rr": ScaleInfo("log_rr", "log risk ratio", None, None, 10.0, 0.5),
    "log_hr": ScaleInfo("log_hr", "log hazard ratio", None, None, 10.0, 0.5),
}


def scale_info(name: str) -> ScaleInfo | None:
    """Return the defaults of a known scale, or None for an unknown one.

    Parameters
    ----------
    name : str
        Scale code (case-insensitive).

    Returns
    -------
    ScaleInfo or None

    Examples
    --------
    >>> scale_info("smd").thresholds
    (0.2, 0.5, 0.8)
    >>> scale_info("furlongs") is None
    True
    """
    return SCALES.get(str(name).strip().lower())
