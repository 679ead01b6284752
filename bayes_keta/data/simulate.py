r"""Simulate KETAPAIN-like crossover trials of daily pain (synthetic data, never patients).

Generative model
----------------
Subject ``i`` receives treatment ``k = k(i, p)`` in period ``p``; on day ``t`` = 1..D after
the infusion the latent pain is

.. math::

    y^*_{ipt} = \\mu + b_i + c_{ip} + \\pi_p + \\delta_k(t) + e_{ipt},\\qquad
    b_i \\sim N(0, \\sigma_b^2),\\; c_{ip} \\sim N(0, \\sigma_c^2),

    e_{ip1} \\sim N(0, \\sigma_e^2),\\qquad
    e_{ipt} = \\phi\\, e_{ip,t-1} + \\sqrt{1-\\phi^2}\\,\\sigma_e\\, z_{ipt},

and the recorded score is ``clip(round(y*), 0, 10)`` (integer NRS). ``pi_p`` are optional
period effects, ``delta_k(t)`` the treatment effect (0 for the reference): a constant shift, or
``sustained + transient * exp(-(t - 1) / tau)``. Diary days go missing completely at random
(``missing_rate``; pain left empty, row kept) and optional drop-outs lose every period after a
uniformly drawn one (rows absent). ``baseline_pain`` (pre-infusion pain of the subject-period)
is ``clip(round(mu + b_i + c_ip + N(0, baseline_sd^2)), 0, 10)``: correlated with the subject
mean.

Design
------
All orderings of the treatments (for 3 treatments the 6 orderings form a Williams design,
balanced for first-order carry-over), assigned to subjects in randomly permuted blocks so every
sequence is used ``n_subjects // 6`` or one more times. The ``sequence`` column uses one letter
per period: ``P`` = placebo, ``K`` = ketamine, ``M`` = ketamine_magnesium (other labels: the
labels joined by ``-``).

Replicated designs (load them with ``load_trial(..., replicated=True)``): ``sequences=`` gives
the orders to assign instead (e.g. ABBA / BAAB), in the same permuted blocks; ``cycles=c``
makes a series of N-of-1 trials: each subject receives ``c`` cycles, each an independently
randomised order of every treatment (two treatments, ``c = 3``: three randomised pairs of
periods). Individual effects: ``individual_sd`` adds to each subject's effect of each active
treatment a deviation ``N(0, individual_sd^2)`` (the same in every period on that treatment;
drawn from a generator of its own, so the rest of the draw is the trial without them); each
subject's own effect (the mean over days of its shift) is in ``frame.attrs``
``["individual_effects"]`` as ``{subject: {treatment: effect}}``.

Calibration (to Pickering et al., Anesthesiology 2020, via :func:`bayes_keta.ketapain_published`)
---------------------------------------------------------------------------------------------
Targets: the per-arm AUC over 35 days (sum of daily scores, a missing day imputed by its
subject-period mean) had means 187/185/196 and SDs 90/100/92 pain score-days. With no effect
(as published) all arms share one mean, so the target is their average, 189.3 (5.41 per day),
and the pooled SD sqrt(mean(SD^2)) = 94.1 (2.69 per day). The AUC is dominated by the
subject-period level ``b_i + c_ip``: the AR(1) residual (``sigma_e`` = 1.2, ``phi`` = 0.6: a
plausible day-to-day wobble of about one NRS point with multi-day runs) adds only about 14 to
the AUC SD. **Assumption** (not published): the correlation of a subject's AUCs between periods
is 0.65, so ``sigma_b^2 / (sigma_b^2 + sigma_c^2)`` = 0.65. Rounding and clipping to 0..10
shrink the spread, so the latent parameters were tuned empirically (100 000 simulated
subject-periods per candidate)
until the recorded scores hit the targets: ``mu`` = 5.48, ``sigma_b`` = 2.44, ``sigma_c`` =
1.77 (latent subject-period SD 3.01, latent between-period correlation 0.655; on the recorded,
clipped scores a 180 000 subject-period run gives AUC mean 189.6, SD 94.2 and between-period
correlation 0.63). One draw of 20 subjects wanders (SE of an arm's AUC mean about 21), so the
default draw, the embedded trial, is one chosen to mirror the published arms (seed
:data:`~bayes_keta.constants.EMBEDDED_SEED`, the first from 20200701 meeting every target;
``scripts/choose_embedded_seed.py``): AUC 187 +/- 89 (placebo), 186 +/- 92 (ketamine),
195 +/- 91 (ketamine/magnesium), and adverse events in 2, 4 and 7 of 20 patients
(:mod:`bayes_keta.data.simulate_adverse_events`). The test suite checks that draw and the
average over 20 seeds against the published means, SDs and adverse-event shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from bayes_keta import checks
from bayes_keta.constants import (
    DEFAULT_TREATMENTS,
    EMBEDDED_SEED,
    N_DAYS,
    PAIN_MAX,
    PAIN_MIN,
)
from bayes_keta.data.replicated import check_replicated_design, individual_deviations
from bayes_keta.data.sequence_orders import SEQUENCE_LETTERS, treatment_orders, williams_sequences
from bayes_keta.data.simulate_adverse_events import (
    AE_SD_SUBJECT,
    draw_adverse_events,
    resolve_risks,
)
from bayes_keta.exceptions import SpecError

__all__ = [
    "CALIBRATION",
    "SEQUENCE_LETTERS",
    "simulate_trial",
    "effect_curve",
    "williams_sequences",
]


#: Calibrated parameters of the default generator (see the module docstring).
CALIBRATION: dict[str, float] = {
    "mu": 5.48,
    "sd_subject": 2.44,
    "sd_period": 1.77,
    "sd_residual": 1.2,
    "phi": 0.6,
    "baseline_sd": 1.0,
    "between_period_correlation": 0.65,
}

Effect = float | Mapping[str, float]


def effect_curve(effect: Effect, days: np.ndarray) -> np.ndarray:
    """Daily NRS shift of a treatment effect specification on the given days.

    Parameters
    ----------
    effect : float or mapping
        A constant shift, or ``{"sustained": s, "transient": a, "tau": tau}`` meaning
        ``s + a * exp(-(day - 1) / tau)`` (missing keys: ``sustained`` 0, ``transient`` 0,
        ``tau`` 5).
    days : numpy.ndarray
        Days after infusion (1-based).

    Returns
    -------
    numpy.ndarray
        The shift on each day.

    Raises
    ------
    SpecError
        Unknown keys or a non-positive ``tau``.

    Examples
    --------
    >>> effect_curve({"transient": -2.0, "tau": 5.0}, np.array([1, 6])).round(3).tolist()
    [-2.0, -0.736]
    """
    days = np.asarray(days, dtype=float)
    if isinstance(effect, Mapping):
        unknown = sorted(set(effect) - {"sustained", "transient", "tau"})
        if unknown:
            raise SpecError(f"unknown effect keys {unknown}; allowed: sustained, transient, tau")
        tau = float(effect.get("tau", 5.0))
        if not tau > 0:
            raise SpecError(f"effect tau must be positive, got {tau}")
        sustained = float(effect.get("sustained", 0.0))
        transient = float(effect.get("transient", 0.0))
        return sustained + transient * np.exp(-(days - 1.0) / tau)
    return np.full(days.shape, float(effect))


def _ar1(rng: np.random.Generator, shape: tuple[int, int], sd: float, phi: float) -> np.ndarray:
    z = rng.standard_normal(shape)
    e = np.empty(shape)
    e[:, 0] = sd * z[:, 0]
    innovation = sd * np.sqrt(1.0 - phi**2)
    for t in range(1, shape[1]):
        e[:, t] = phi * e[:, t - 1] + innovation * z[:, t]
    return e


def simulate_trial(
    *,
    n_subjects: int = 20,
    n_days: int = N_DAYS,
    effects: Mapping[str, Effect] | None = None,
    seed: int = EMBEDDED_SEED,
    missing_rate: float = 0.03,
    dropout_rate: float = 0.0,
    period_effects: Sequence[float] | None = None,
    treatments: Sequence[str] = DEFAULT_TREATMENTS,
    mu: float = CALIBRATION["mu"],
    sd_subject: float = CALIBRATION["sd_subject"],
    sd_period: float = CALIBRATION["sd_period"],
    sd_residual: float = CALIBRATION["sd_residual"],
    phi: float = CALIBRATION["phi"],
    baseline_sd: float = CALIBRATION["baseline_sd"],
    sequences: Sequence[Sequence[str]] | None = None,
    bounds: tuple[float | None, float | None] = (PAIN_MIN, PAIN_MAX),
    integer: bool = True,
    adverse_event_risks: Mapping[str, float] | None = None,
    adverse_event_sd: float = AE_SD_SUBJECT,
    cycles: int = 1,
    individual_sd: float | Mapping[str, float] = 0.0,
) -> pd.DataFrame:
    """Simulate a crossover trial of daily 0-10 pain in the data-contract format.

    The default draw is the embedded synthetic KETAPAIN-like trial (20 subjects, 3 periods,
    35 days, no treatment effect, calibrated to the published AUC means and SDs; see the
    module docstring for the model and calibration).

    Parameters
    ----------
    n_subjects : int
        Number of subjects.
    n_days : int
        Days of diary per period.
    effects : mapping, optional
        Treatment label -> daily NRS shift (negative = less pain): a number, or
        ``{"sustained": s, "transient": a, "tau": tau}`` (see :func:`effect_curve`). The first
        treatment is the reference and gets no effect. Default: no effect (as published).
    seed : int
        Random seed; the same arguments and seed give the same frame.
    missing_rate : float
        Probability that a diary day is missing (MCAR; pain left empty).
    dropout_rate : float
        Probability that a subject drops out after a uniformly drawn period 1..P-1.
    period_effects : sequence of float, optional
        Daily NRS shift of each period (length = number of periods). Default zeros.
    treatments : sequence of str
        Treatment labels, reference first; one period per treatment (unless ``sequences`` or
        ``cycles`` say otherwise).
    mu, sd_subject, sd_period, sd_residual, phi, baseline_sd : float
        Latent mean, between-subject SD, subject-by-period SD, AR(1) residual SD and
        autocorrelation, baseline noise SD (defaults: :data:`CALIBRATION`).
    sequences : sequence of sequences of str, optional
        The treatment orders subjects are assigned to (default: all orderings); e.g.
        :func:`williams_sequences` for a Williams square of 4 treatments.
    bounds : (float or None, float or None)
        Readings are clipped to these (default the 0-10 NRS; None: unbounded on that side).
    integer : bool
        Round the readings to integers (as a diary records NRS scores).
    adverse_event_risks : mapping, optional
        Treatment label -> population-averaged risk of at least one adverse event in a period
        (:mod:`bayes_keta.data.simulate_adverse_events`). Default: the published KETAPAIN
        shares (10/20/35%) for the default labels, no ``adverse_event`` column for others; an
        empty mapping: no column.
    adverse_event_sd : float
        Between-subject SD of the adverse-event log-odds (default 1, an assumption).
        Treatment orders to assign (one label per period, all of one length; labels may
        repeat: a replicated crossover such as ABBA / BAAB). Default: all orderings.
    cycles : int
        N-of-1 series: each subject gets ``cycles`` independently randomised orders of all
        the treatments in a row (``cycles * len(treatments)`` periods). 1: the design above.
    individual_sd : float or mapping
        SD of each subject's deviation from the mean effect of each active treatment (a
        mapping: per treatment); the subjects' own effects go in
        ``attrs["individual_effects"]``. Default 0: everyone has the mean effect.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject``, ``sequence``, ``period``, ``treatment``, ``day``, ``pain``,
        ``baseline_pain`` and ``adverse_event`` (see ``adverse_event_risks``); ``frame.attrs``
        holds ``synthetic=True`` and ``source`` (generator and seed), which
        :func:`bayes_keta.load_trial` reads. The adverse events are drawn after everything
        else, so the pain scores of a seed do not depend on them.

    Raises
    ------
    SpecError
        Unknown treatment in ``effects``, an effect on the reference, or out-of-range settings.

    Examples
    --------
    >>> df = simulate_trial(n_subjects=6, n_days=7, seed=1, effects={"ketamine": -1.0})
    >>> df.shape
    (126, 8)
    >>> df.attrs["synthetic"]
    True
    """
    treatments = tuple(treatments)
    effects = dict(effects or {})
    n_periods = check_replicated_design(treatments, sequences, cycles, individual_sd)
    _check_settings(
        n_subjects,
        n_days,
        effects,
        treatments,
        missing_rate,
        dropout_rate,
        period_effects,
        phi,
        n_periods=n_periods,
    )
    checks.SEED.check(seed, "seed")
    ae_risks = resolve_risks(adverse_event_risks, treatments)
    period_shift = np.zeros(n_periods) if period_effects is None else np.asarray(period_effects)
    rng = np.random.default_rng(seed)

    order, codes_list = treatment_orders(treatments, sequences, cycles, n_subjects, rng)
    b = rng.normal(0.0, sd_subject, n_subjects)
    c = rng.normal(0.0, sd_period, (n_subjects, n_periods))
    resid = _ar1(rng, (n_subjects * n_periods, n_days), sd_residual, phi)
    resid = resid.reshape(n_subjects, n_periods, n_days)
    baseline_noise = rng.normal(0.0, baseline_sd, (n_subjects, n_periods))
    missing = rng.random((n_subjects, n_periods, n_days)) < missing_rate
    drops = rng.random(n_subjects) < dropout_rate
    last_period = np.where(drops, rng.integers(1, max(n_periods, 2), n_subjects), n_periods)

    days = np.arange(1, n_days + 1)
    shift = np.stack(
        [np.stack([effect_curve(effects.get(t, 0.0), days) for t in row]) for row in order]
    )
    deviation = individual_deviations(individual_sd, treatments, n_subjects, seed)
    position = {t: k for k, t in enumerate(treatments)}
    arm = np.vectorize(position.get, otypes=[int])(order)  # (subject, period) treatment index
    shift = shift + deviation[np.arange(n_subjects)[:, None], arm][..., None]
    level = mu + b[:, None] + c  # (subject, period)
    latent = level[..., None] + period_shift[None, :, None] + shift + resid
    low = -np.inf if bounds[0] is None else bounds[0]
    high = np.inf if bounds[1] is None else bounds[1]
    pain = np.clip(np.round(latent) if integer else latent, low, high)
    pain[missing] = np.nan
    base = level + baseline_noise
    baseline = np.clip(np.round(base) if integer else base, low, high)

    width = len(str(n_subjects))
    subjects = np.array([f"S{i + 1:0{width}d}" for i in range(n_subjects)], dtype=object)
    codes = np.array(codes_list, dtype=object)
    shape = (n_subjects, n_periods, n_days)
    idx_s, idx_p, idx_d = np.indices(shape).reshape(3, -1)
    frame = pd.DataFrame(
        {
            "subject": subjects[idx_s],
            "sequence": codes[idx_s],
            "period": idx_p + 1,
            "treatment": order[idx_s, idx_p],
            "day": idx_d + 1,
            "pain": pain.reshape(-1),
            "baseline_pain": baseline[idx_s, idx_p],
        }
    )
    if ae_risks is not None:
        flags = draw_adverse_events(rng, order, ae_risks, sd_subject=adverse_event_sd)
        frame["adverse_event"] = flags[idx_s, idx_p]
    kept = frame["period"].to_numpy() <= last_period[idx_s]
    frame = frame.loc[kept].reset_index(drop=True)
    for col in ("subject", "sequence", "treatment"):
        frame[col] = frame[col].astype(str)
    settings = f"n_subjects={n_subjects}, n_days={n_days}, seed={seed}"
    if effects:
        settings += f", effects={effects}"
    for name, value, default in (
        ("sequences", sequences, None),
        ("cycles", cycles, 1),
        ("individual_sd", individual_sd, 0.0),
    ):
        if value != default:
            settings += f", {name}={value if name != 'sequences' else [list(q) for q in value]}"
    if individual_sd:
        mean = {t: float(effect_curve(effects.get(t, 0.0), days).mean()) for t in treatments[1:]}
        frame.attrs["individual_effects"] = {
            str(subjects[i]): {t: mean[t] + float(deviation[i, position[t]]) for t in mean}
            for i in range(n_subjects)
        }
    frame.attrs["synthetic"] = True
    frame.attrs["source"] = f"bayes_keta.simulate_trial({settings}) [SYNTHETIC, not patients]"
    return frame


def _check_settings(
    n_subjects: int,
    n_days: int,
    effects: dict,
    treatments: tuple[str, ...],
    missing_rate: float,
    dropout_rate: float,
    period_effects: Sequence[float] | None,
    phi: float,
    *,
    n_periods: int,
) -> None:
    checks.SUBJECTS.check(n_subjects, "n_subjects")
    checks.DAYS.check(n_days, "n_days")
    if not 2 <= len(treatments) <= 4 or len(set(treatments)) != len(treatments):
        raise SpecError(f"need 2 to 4 distinct treatments, got {list(treatments)}")
    unknown = sorted(set(effects) - set(treatments))
    if unknown:
        raise SpecError(f"effects name unknown treatments {unknown}; known: {list(treatments)}")
    if treatments[0] in effects:
        raise SpecError(f"the reference {treatments[0]!r} cannot have an effect")
    for label, value in effects.items():
        if isinstance(value, bool) or not isinstance(value, Mapping | int | float):
            raise SpecError(f"effect of {label!r} must be a number or a mapping, got {value!r}")
        if not isinstance(value, Mapping):
            checks.FINITE.check(value, f"effect of {label!r}")
        effect_curve(value, np.array([1.0]))  # validates the mapping form
    checks.MISSING_RATE.check(missing_rate, "missing_rate")
    checks.DROPOUT_RATE.check(dropout_rate, "dropout_rate")
    if period_effects is not None and len(period_effects) != n_periods:
        raise SpecError(f"period_effects needs {n_periods} values, got {len(period_effects)}")
    if not -1 < phi < 1:
        raise SpecError(f"phi must be in (-1, 1), got {phi}")
