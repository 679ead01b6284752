"""One source of truth for defaults used by tables, plots, reports and exports alike.

Clinically meaningful thresholds on a 0-10 pain NRS:

* Farrar JT et al., Pain 2001;94:149-158: about 1 point (~15%) matched "minimally improved",
  about 2 points or ~30% matched "much improved".
* Dworkin RH et al. (IMMPACT), J Pain 2008;9:105-121: 10-20% minimally important,
  >= 30% moderately important, >= 50% substantial.

On the AUC scale over ``N_DAYS`` days a d-point daily difference is ``N_DAYS * d`` pain
score-days.
"""

from __future__ import annotations

#: Probability mass of every credible interval the workbench reports.
CI_PROB: float = 0.95

#: Days of follow-up after each infusion in KETAPAIN (one infusion every 35 days).
N_DAYS: int = 35

#: Clinically meaningful benefit thresholds on daily NRS scales (points of pain reduction).
NRS_THRESHOLDS: tuple[float, ...] = (0.5, 1.0, 2.0)

#: Benefit thresholds on the standardized-mean-difference (SMD) scale: Cohen's conventional
#: "small", "medium" and "large" effects (Cohen J. Statistical Power Analysis for the Behavioral
#: Sciences, 2nd ed. 1988). Conventions, not clinical anchors: use the NRS thresholds when the
#: outcome is on the pain scale itself.
SMD_THRESHOLDS: tuple[float, ...] = (0.2, 0.5, 0.8)

#: Relative difference of the arm means (a between-arm ratio of means, in percent) reported as a
#: threshold. The number echoes Farrar's and IMMPACT's 30%, which are WITHIN-PATIENT changes from
#: baseline: applied to a ratio of arm means it is a convention, not their anchor.
RELATIVE_THRESHOLD_PCT: float = 30.0

#: Half-width of the region of practical equivalence on daily NRS scales (points).
ROPE_NRS: float = 0.5

#: Thresholds (mm) and ROPE half-width (mm) of pain on a 100 mm visual analogue scale
#: (:meth:`bayes_keta.outcome.Outcome.vas_0_100`): 10 mm (Myles et al. 2017), 13 mm (Todd et
#: al. 1996; Gallagher et al. 2001) and, by convention, 20 mm and a 5 mm ROPE (the NRS's 2
#: points and 0.5 point x 10). Every one is a within-patient change in acute pain used as a
#: between-arm threshold; published MCIDs range from 8 to 40 mm (Olsen MF et al., BMC Med
#: 2017;15:35). See :data:`VAS_SOURCES`.
VAS_THRESHOLDS: tuple[float, ...] = (10.0, 13.0, 20.0)
VAS_ROPE: float = 5.0

#: Where the NRS thresholds come from (written into summary.json and the text).
NRS_SOURCES: tuple[str, ...] = (
    "Farrar JT et al. Pain 2001;94:149-158 (about 1 point minimally, about 2 points or 30%"
    " much improved)",
    "Dworkin RH et al. (IMMPACT) J Pain 2008;9:105-121 (>= 30% moderately important)",
)
#: Where the VAS thresholds come from; which of them are conventions.
VAS_SOURCES: tuple[str, ...] = (
    "Myles PS et al. Br J Anaesth 2017;118:424-429 (10 mm: minimal clinically important"
    " difference of the acute postoperative pain VAS)",
    "Todd KH et al. Ann Emerg Med 1996;27:485-489 and Gallagher EJ et al. Ann Emerg Med"
    " 2001;38:633-638 (13 mm: minimum clinically significant change in acute pain)",
    "Convention: 20 mm and the 5 mm ROPE are Farrar's 2-point anchor and the NRS ROPE x 10;"
    " all are within-patient changes in acute pain used as between-arm thresholds (Olsen MF"
    " et al. BMC Med 2017;15:35: published MCIDs range 8-40 mm)",
)
#: Heterogeneity of the treatment effect (``daily_hte``): tau's posterior "stays close to its
#: prior" when its SD is more than this fraction of the prior's SD (a posterior contraction
#: 1 - var_post/var_prior below 0.75; Schad, Betancourt & Vasishth, Psychol Methods
#: 2021;26:103-126). A convention, stated wherever the verdict is printed.
HTE_PRIOR_SD_RATIO: float = 0.5
#: Leave-one-subject-out ELPD difference (and multiples of its SE) beyond which the common-
#: effect and individual-effects models are told apart (Vehtari et al. 2017; Sivula et al.
#: 2022: |diff| < 4 is small, and within about 2 SE is no clear preference).
ELPD_DIFF_MIN: float = 4.0
ELPD_DIFF_SE: float = 2.0

#: Default treatment labels of KETAPAIN, reference first.
DEFAULT_TREATMENTS: tuple[str, ...] = ("placebo", "ketamine", "ketamine_magnesium")
DEFAULT_REFERENCE: str = "placebo"

#: Bounds of the pain numeric rating scale.
PAIN_MIN: float = 0.0
PAIN_MAX: float = 10.0

#: ``bayes-keta validate`` warns that missingness depends on the day when the Cochran-Armitage
#: trend test of completion over the days has P below this (strict, so that a few missing
#: readings at random rarely set it off; :mod:`bayes_keta.data.missingness`).
COMPLETION_TREND_ALPHA: float = 0.01

#: The ordinal (cumulative-logit) spec suits only integer outcomes with a small declared range:
#: at most this many categories (``upper - lower + 1``; the 0-10 NRS has 11).
ORDINAL_MAX_CATEGORIES: int = 11

#: Secondary time points of the trial (days after infusion).
SECONDARY_DAYS: tuple[int, ...] = (7, 15, 21, 28)

#: Diagnostic gate thresholds (Vehtari et al. 2021; Betancourt 2016).
RHAT_MAX: float = 1.01
ESS_MIN: float = 400.0
DIVERGENCES_MAX: int = 0
BFMI_MIN: float = 0.3

#: THE default seed (the trial's publication month): fits, sweeps, SBC, published
#: reanalyses, benchmarks (the embedded trial's draw has its own, :data:`EMBEDDED_SEED`).
DEFAULT_SEED: int = 20200701

#: Seed of the embedded synthetic KETAPAIN-like trial (``simulate_trial``'s and ``bayes-keta
#: simulate``'s default draw): chosen among seeds of the calibrated generator so that the
#: draw mirrors the published arms (AUC means within 5 and SDs within 10 pain score-days of
#: 185/196/187 and 100/92/90; 2, 4 and 7 of 20 patients with adverse events); the search is
#: scripts/choose_embedded_seed.py. Changing it changes that trial and its sha256.
EMBEDDED_SEED: int = 20242776

#: Default seed of the random-effects meta-analysis (``bayes-keta meta``). Kept apart so its
#: outputs stay identical; fold it into DEFAULT_SEED when its numbers may move.
META_SEED: int = 20210448

#: Seeds of two sub-steps whose numbers are part of shipped results: the PIT randomisation of
#: the SBC rank-uniformity test (calibration/sbc_results.json) and the replicated data sets
#: the report's predictive checks subsample.
PIT_SEED: int = 0
PPC_SEED: int = 0

#: Default sampler settings of a fit (:class:`bayes_keta.fitting.SamplerSettings`): nutpie's
#: NUTS, 4 chains x 1000 draws after 1000 tuning steps; prior (and prior predictive) draws kept
#: with every fit.
DEFAULT_SAMPLER: str = "nutpie"
SAMPLERS: tuple[str, ...] = ("nutpie", "pymc")
DEFAULT_DRAWS: int = 1000
DEFAULT_TUNE: int = 1000
DEFAULT_CHAINS: int = 4
DEFAULT_PRIOR_DRAWS: int = 500
#: Mass matrix adaptations of nutpie (PyMC's NUTS always adapts a diagonal one).
MASS_MATRICES: tuple[str, ...] = ("diag", "low_rank")

#: Specs ``bayes-keta report`` fits by default (those missing from models/ are skipped): the
#: four daily-level models compared by LOO (Gaussian, decaying effect, AR(1) residuals, ordinal
#: 0-10 likelihood) and the AUC twin of the published analysis. The ordinal spec samples with
#: nutpie's low-rank mass matrix (with a diagonal one its cutpoints mixed badly: R-hat 1.07,
#: bulk ESS 43).
DEFAULT_SPECS: tuple[str, ...] = ("daily", "daily_decay", "daily_ar1", "daily_ordinal", "auc")

#: The main spec of a report (its headline contrasts, sweep and power-scaling) when the caller
#: names none and it was fitted; else the first fitted spec is the main one.
DEFAULT_MAIN_SPEC: str = "daily"

#: Smallest sampler settings accepted (checked before anything runs, by
#: :mod:`bayes_keta.checks`). nutpie 0.16 panics with zero tuning steps (its adaptation
#: schedule asserts ``early_end < num_tune``; measured: tune 0 panics, 1 and up sample), so
#: every sampler needs at least one tuning step: one rule whatever sampler (or fallback) runs.
MIN_TUNE: int = 1
#: R-hat and ESS take differences and variances along the draws of a chain: with one draw they
#: are undefined (NaN, and NumPy warns), so the diagnostics gate needs at least two.
MIN_DRAWS: int = 2
#: One chain is accepted for quick looks, but R-hat compares chains: with fewer than
#: ``MIN_CHAINS_RHAT`` the diagnostics gate fails (the CLI says so before sampling).
MIN_CHAINS: int = 1
MIN_CHAINS_RHAT: int = 2
#: Largest seed: 32-bit seeds are accepted by every generator the workbench seeds (nutpie
#: takes 64-bit seeds, NumPy any non-negative integer, NumPy's legacy RandomState 32-bit ones),
#: so a seed written in a report reproduces with any of them.
SEED_MAX: int = 2**32 - 1

#: Prior sweeps (:mod:`bayes_keta.sweep`) fit one setting (the base priors) with NUTS and
#: reweight its draws to every other setting by Pareto-smoothed importance sampling; a setting
#: is refitted with NUTS instead when its Pareto k exceeds SWEEP_K_MAX (Vehtari et al. 2024,
#: JMLR 25(72): above 0.7 the estimates are unreliable) or when its effective draws after
#: reweighting fall below SWEEP_ESS_FRACTION of the base fit's bulk ESS (and never below
#: ESS_MIN, the gate's floor). A quarter keeps a reweighted P(benefit) within about 0.04 of a
#: refit's (two independent 4 x 1000-draw runs differ by up to ~0.03 already).
SWEEP_K_MAX: float = 0.7
SWEEP_ESS_FRACTION: float = 0.25

#: Canonical dims, in order, for every labelled array crossing a module boundary.
SAMPLE_DIMS: tuple[str, str] = ("chain", "draw")
DOMAIN_DIMS: tuple[str, ...] = ("subject", "period", "treatment", "contrast", "day")

#: Environment variable notebooks and tests read to use small draws.
FAST_ENV: str = "BAYES_KETA_FAST"

#: Least free space (bytes) an output folder's disk must have before a long run starts: a
#: default fit writes about 90 MB (posterior.nc), a five-model report several times that.
MIN_FREE_BYTES: int = 100 * 2**20


def auc_thresholds(n_days: int = N_DAYS) -> tuple[float, ...]:
    """Thresholds on the AUC scale (pain score-days) matching :data:`NRS_THRESHOLDS`.

    Parameters
    ----------
    n_days : int
        Days of follow-up the AUC integrates over.

    Returns
    -------
    tuple of float
        ``n_days * t`` for each daily threshold ``t``.

    Examples
    --------
    >>> auc_thresholds(35)
    (17.5, 35.0, 70.0)
    """
    return tuple(float(n_days * t) for t in NRS_THRESHOLDS)


#: Assurance of a next trial (:mod:`bayes_keta.planning`; O'Hagan, Stevens & Campbell, Pharm
#: Stat 2005;4:187-201). Simulated trials per sample size, and the success rule
#: "P(benefit beyond ASSURANCE_THRESHOLD) > ASSURANCE_PROB" per active-vs-reference contrast;
#: the threshold is a size of benefit in the outcome's units (0-10 NRS: Farrar's 1 point,
#: "minimally improved"), its direction comes from the outcome.
ASSURANCE_SIMS: int = 2000
ASSURANCE_THRESHOLD: float = 1.0
ASSURANCE_PROB: float = 0.9
#: The preset rule reported beside it: P(any benefit) > 0.975 (one-sided 2.5%, the Bayesian
#: twin of a two-sided 5% test).
ASSURANCE_PRESET_PROB: float = 0.975
#: Future-trial designs: all orderings / a Williams square of the fitted trial's treatments,
#: AB/BA of each active vs the reference, or the fitted trial's own sequences.
ASSURANCE_DESIGNS: tuple[str, ...] = ("williams", "2x2", "same")
#: Simulated trials per Dask task (fixed, so any cluster gives the same numbers).
ASSURANCE_CHUNK: int = 500
#: Gauss-Legendre nodes over the residual variance when the analysis prior of the effects is
#: normal (the flat prior has a closed form: Student-t).
ASSURANCE_QUADRATURE_NODES: int = 48
#: NUTS settings of the ``--exact`` check (one fit per simulated trial of the subset).
ASSURANCE_EXACT_DRAWS: int = 1000
ASSURANCE_EXACT_TUNE: int = 500
ASSURANCE_EXACT_CHAINS: int = 2


#: Benefit and harm (:mod:`bayes_keta.harms`). Gauss-Hermite nodes of the population-averaged
#: adverse-event risk (the subject effect integrated out per draw). Measured against adaptive
#: quadrature: error < 1e-10 for subject SDs up to 2 on the log-odds scale, < 1e-6 up to 4
#: (32 nodes: 2e-5 at SD 3).
AE_QUADRATURE_NODES: int = 64
#: Margins of excess adverse-event risk (risk difference vs the reference, probability scale)
#: over which P(benefit beyond a threshold AND excess risk below the margin) is reported.
AE_MARGINS: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.3)
#: The margin drawn on the benefit-risk plane and worded in the text (10 more patients in 100
#: with an adverse event on the active arm than on the reference).
AE_MARGIN: float = 0.1
#: Net benefit = benefit (mean daily difference in the outcome's units, signed so that > 0 is
#: benefit) - w x excess adverse-event risk (risk difference, probability scale): w is how many
#: outcome units of benefit one unit of risk (100 percentage points) is worth, a value
#: judgement (multi-criteria weighting) that the user sets (``--harm-weight``). Without one the
#: score is shown at these illustrative weights (w = 5: 10 more patients in 100 with an adverse
#: event cost half a point of pain).
HARM_WEIGHTS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0)
#: The adverse-event spec fitted beside the efficacy spec when the data have the column.
AE_SPEC: str = "adverse_events"
#: ``bayes-keta published``: the published adverse-event shares analysed as independent
#: binomials per arm under a conjugate Beta prior, by default Jeffreys' Beta(1/2, 1/2) (the
#: reference prior of a binomial proportion; Brown, Cai & DasGupta, Stat Sci 2001;16:101-133
#: recommend its interval); risk differences and ratios by Monte Carlo with this many draws.
PUBLISHED_AE_PRIOR: tuple[float, float] = (0.5, 0.5)
PUBLISHED_AE_DRAWS: int = 200_000
