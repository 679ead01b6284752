"""Summary-level Bayesian reanalysis of published effect estimates (no patient data).

Likelihood
    Normal approximation ``m ~ N(theta, se)``. When only a 95% CI is given,
    ``se = (hi95 - lo95) / (2 * 1.959964)``, i.e. the *mean of both half-widths*. Published
    numbers are rounded (KETAPAIN: to 0.1), so estimate and CI are not exactly symmetric
    (e.g. -0.2 [-0.6, 0.3]: half-widths 0.4 and 0.5). The centre ``m`` (column ``lik_mean``)
    is, by default (``centre="fit"``), the least-squares fit of a symmetric interval to the
    three rounded numbers, ``m = (estimate + lo95 + hi95) / 3``: it reproduces each of them
    within its rounding (+/- 0.05 for one decimal; KETAPAIN: within 0.033), whereas keeping
    the estimate as published (``centre="published"``) leaves the interval ends exactly at the
    edge of the rounding band (0.05 off for KETAPAIN). The published two-sided P values, not
    used, sit closer to the fitted centres (KETAPAIN: implied |m| = 0.18, 0.17, 0.36 against
    fitted 0.17, 0.17, 0.37 and published 0.2, 0.2, 0.4). Rows given with ``se`` use their
    estimate as is. The ``estimate`` column keeps the published number in the row's reading
    (``published_estimate``: exactly as printed).

Orientation and benefit
    Rows are stored as published (``active`` vs ``reference``, effect =
    ``active - reference``, negative = less pain on ``active``). A row whose sign contradicts
    the published arm means (KETAPAIN's "placebo vs ketamine/magnesium +0.2") is flagged
    (``inconsistent``) and analysed in both readings: the one the arm means support (the
    default: ``reading = "arm_means"``, ``default = True``) and the row as printed
    (``reading = "as_printed"``); see :mod:`bayes_keta.published.orientation`. ``p_benefit``
    is the posterior probability that the row's **favoured** arm has less pain than the other
    arm. The favoured arm is given by an optional ``favoured`` column; by default it is the
    non-placebo arm when one arm is the placebo (``reference_label``), else the row's
    ``active`` (first-listed) arm.
    So for KETAPAIN's "placebo vs ketamine_magnesium" row, ``p_benefit`` = P(theta > 0) =
    P(ketamine/magnesium has less pain than placebo); for the other two rows
    ``p_benefit`` = P(theta < 0). ``p_beyond_<t>`` = P(favoured arm better by more than t).

Priors
    Stated on the benefit orientation (negative = favoured arm better) and mirrored onto each
    row's published orientation for the table, so every number in the table except
    ``p_benefit``/``p_beyond_*`` reads in the row's own orientation.

Computation
    Closed form (conjugate normal-normal, and normal-mixture priors by component updating,
    :func:`~bayes_keta.published.dists.conjugate_update`) where conjugate; PyMC NUTS for the
    rest (Student-t), a small seeded model per prior (:mod:`bayes_keta.published.sampled`).
    The inputs are read in :mod:`bayes_keta.published.estimates`; the result types live in
    :mod:`bayes_keta.published.result`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from bayes_keta import checks
from bayes_keta.constants import CI_PROB, DEFAULT_REFERENCE, DEFAULT_SEED
from bayes_keta.exceptions import SpecError
from bayes_keta.published.dists import NormalMixtureDist, SampledDist, conjugate_update
from bayes_keta.published.estimates import embedded_rows, read_estimates, read_rows
from bayes_keta.published.orientation import AS_PRINTED, OrientationCheck
from bayes_keta.published.priors import DEFAULT_PRIOR_NAMES, Prior, spiegelhalter_priors
from bayes_keta.published.result import POST_HI, POST_LO, PublishedReanalysis, ReanalysisEntry
from bayes_keta.published.sampled import sample_posteriors
from bayes_keta.published.scales import scale_info

__all__ = ["reanalyse_published"]

_PCT = round(100 * CI_PROB)


def _summ(dist: NormalMixtureDist | SampledDist, sign: int) -> tuple[float, float, float]:
    tail = (1 - CI_PROB) / 2
    a, b = sign * dist.ppf(tail), sign * dist.ppf(1 - tail)
    return sign * dist.mean, min(a, b), max(a, b)


def _mirror(prior: Prior, sign: int) -> Prior:
    return prior if sign == 1 else prior.mirrored()


def reanalyse_published(
    estimates: str | Path | pd.DataFrame | None = None,
    *,
    priors: Sequence[Prior] | str | Path | None = None,
    include_defaults: bool = True,
    design_effect: float | None = None,
    thresholds: Sequence[float] | None = None,
    vague_sd: float | None = None,
    reference_label: str = DEFAULT_REFERENCE,
    centre: Literal["fit", "published"] = "fit",
    method: Literal["auto", "pymc"] = "auto",
    seed: int = DEFAULT_SEED,
    draws: int = 4000,
    chains: int = 2,
    nuts_sampler: Literal["pymc", "nutpie"] = "nutpie",
) -> PublishedReanalysis:
    """Reanalyse published effect estimates under skeptical, enthusiastic, vague and user priors.

    Parameters
    ----------
    estimates : path, DataFrame or None
        Estimates (see :func:`read_estimates`); None uses the embedded KETAPAIN effect sizes
        (Pickering et al., Anesthesiology 2020;133:154-164), scale ``smd``.
    priors : sequence of Prior, path to a priors TOML, or None
        User priors (benefit orientation), added after the default families.
    include_defaults : bool
        Include the ``vague``, ``skeptical`` and ``enthusiastic`` families.
    design_effect : float, optional
        Design hypothesis (negative = benefit) that calibrates the skeptical and enthusiastic
        priors. Default on the ``smd`` scale: -0.5, a "medium" effect (Cohen) -- an
        ASSUMPTION standing in for the protocol's planned effect (Delage et al., Trials
        2017;18:517); other scales need it given.
    thresholds : sequence of float, optional
        Benefit thresholds (magnitudes); default by scale (``smd``:
        :data:`bayes_keta.constants.SMD_THRESHOLDS`).
    vague_sd : float, optional
        SD of the vague prior; default by scale (10 on ``smd``).
    reference_label : str
        Placebo label for the default favoured-arm rule.
    centre : {"fit", "published"}
        Likelihood centre of CI-given rows: least-squares fit ``(estimate + lo95 + hi95) / 3``
        (default) or the estimate as published (see the module docstring).
    method : {"auto", "pymc"}
        ``auto``: closed form where conjugate (normal, normal mixture), PyMC otherwise;
        ``pymc``: PyMC for every prior (used to check the closed form).
    seed, draws, chains, nuts_sampler
        PyMC settings (``tune`` is 1000; chains run sequentially on one core).

    Returns
    -------
    PublishedReanalysis
        ``.table`` has one row per (contrast, reading, prior) with ``active``, ``reference``,
        ``reading``, ``inconsistent``, ``default``, ``favoured``, ``scale``,
        ``published_estimate``, ``estimate``, ``lik_mean``, ``se``, ``se_source``,
        ``published_lo95``,
        ``published_hi95``, ``prior``, ``prior_family``, ``prior_spec``, ``prior_mean``,
        ``prior_sd``, ``method``, ``post_mean``, ``post_sd``, ``post_lo95``, ``post_hi95``,
        ``p_benefit``, ``p_beyond_<t>`` per threshold, ``mcse_mean`` (0 for closed form).

    Examples
    --------
    >>> res = reanalyse_published()
    >>> res.table.query("prior == 'vague'")[["reading", "post_lo95"]].round(1).values.tolist()
    [['published', -0.6], ['arm_means', -0.6], ['published', -0.8], ['as_printed', -0.3]]
    """
    checks.check_sampling(draws=draws, tune=1000, chains=chains, seed=seed)
    if design_effect is not None:
        design_effect = checks.NEGATIVE.check(design_effect, "design_effect")
    orientation: tuple[OrientationCheck, ...] = ()
    if estimates is None:
        rows, orientation = embedded_rows()
        inputs = read_rows(rows, reference_label=reference_label, centre=centre)
    else:
        inputs = read_estimates(estimates, reference_label=reference_label, centre=centre)
        inputs = inputs.assign(
            published_estimate=inputs["estimate"], reading="published", inconsistent=False
        ).assign(default=True)
    scale = str(inputs["scale"].iloc[0])
    info = scale_info(scale)
    notes: list[str] = []
    if estimates is None:
        notes.append(
            "Data: KETAPAIN published effect sizes (Pickering et al., Anesthesiology"
            " 2020;133:154-164), orientation as published except where flagged below."
        )
    notes += [c.text for c in orientation if not c.consistent]
    if scale == "percent":
        notes.append(
            "Percent effects are between-arm ratios of mean pain (active / reference - 1),"
            " not within-patient changes: a 30% threshold here is not IMMPACT's within-patient"
            " 30% (a responder criterion), only the same number."
        )

    if design_effect is None:
        if info is None or info.design_effect is None:
            raise SpecError(f"scale {scale!r} has no default design effect; give design_effect")
        design_effect = info.design_effect
        notes.append(
            f"Design hypothesis {design_effect:g} on the {scale} scale is an ASSUMPTION (a"
            " 'medium' effect, Cohen): the protocol's planned standardized effect was not"
            " available; override with --design-effect."
        )
    else:
        notes.append(f"Design hypothesis: {design_effect:g} ({scale}).")
    if thresholds is None:
        if info is None or info.thresholds is None:
            raise SpecError(f"scale {scale!r} has no default thresholds; give thresholds")
        thresholds = info.thresholds
    thresholds = tuple(float(t) for t in thresholds)
    if not thresholds or any(not (math.isfinite(t) and t > 0) for t in thresholds):
        raise SpecError(f"thresholds must be positive magnitudes, got {thresholds}")
    if vague_sd is None:
        vague_sd = info.vague_sd if info is not None else 20 * abs(float(design_effect))

    all_priors: list[Prior] = []
    if include_defaults:
        all_priors += spiegelhalter_priors(design_effect, vague_sd=vague_sd)
    if priors is not None:
        from bayes_keta.published.priors import read_priors_toml

        user = read_priors_toml(priors) if isinstance(priors, str | Path) else tuple(priors)
        for p in user:
            if not isinstance(p, Prior):
                raise SpecError(f"priors must be Prior objects, got {type(p).__name__}")
            if include_defaults and p.name in DEFAULT_PRIOR_NAMES:
                raise SpecError(f"user prior name {p.name!r} is reserved for a default family")
        all_priors += user
    names = [p.name for p in all_priors]
    if not all_priors:
        raise SpecError("no priors to analyse with")
    if len(set(names)) != len(names):
        raise SpecError(f"duplicated prior names: {names}")
    if method not in ("auto", "pymc"):
        raise SpecError(f"method must be 'auto' or 'pymc', got {method!r}")
    notes += [
        "Likelihood: normal approximation; SE from the 95% CI as (hi95 - lo95) / (2 x 1.96),"
        " the mean of both half-widths (published numbers are rounded and not symmetric); "
        + (
            "centre (lik_mean) = (estimate + lo95 + hi95) / 3, the symmetric interval closest"
            " (least squares) to the three rounded numbers."
            if centre == "fit"
            else "centre (lik_mean) = the estimate as published."
        ),
        "p_benefit = P(favoured arm has less pain); favoured = the non-placebo arm if one arm"
        " is placebo, else the row's active arm (or the 'favoured' column). Priors are stated"
        " with negative = benefit of the favoured arm and mirrored onto the row orientation.",
        f"Intervals are {_PCT}% equal-tailed credible intervals.",
    ]

    signs = inputs["sign"].to_numpy()
    y_b = signs * inputs["lik_mean"].to_numpy()
    se = inputs["se"].to_numpy()
    labels = [
        f"{a} vs {r}" + (" (as printed)" if reading == AS_PRINTED else "")
        for a, r, reading in zip(
            inputs["active"], inputs["reference"], inputs["reading"], strict=True
        )
    ]

    posts: dict[tuple[int, str], tuple[Any, str, float]] = {}
    datatrees: dict[str, Any] = {}
    for k, prior in enumerate(all_priors):
        if method == "auto" and prior.conjugate:  # closed form
            for i in range(len(inputs)):
                posts[i, prior.name] = (
                    conjugate_update(prior.dist, y_b[i], se[i]),
                    "closed_form",
                    0.0,
                )
            continue
        sampled = sample_posteriors(
            prior,
            y_b,
            se,
            labels,
            seed=seed + k,
            draws=draws,
            chains=chains,
            nuts_sampler=nuts_sampler,
        )
        datatrees[prior.name] = sampled.datatree
        for i, d in enumerate(sampled.dists):
            posts[i, prior.name] = (d, "pymc", d.mcse_mean)
        if sampled.warning is not None:
            notes.append(sampled.warning)

    records, entries = [], []
    for i, row in enumerate(inputs.itertuples(index=False)):
        s = int(row.sign)
        for prior in all_priors:
            post, how, mcse = posts[i, prior.name]
            shown = _mirror(prior, s)
            mean, lo, hi = _summ(post, s)
            rec = {
                "active": row.active,
                "reference": row.reference,
                "reading": row.reading,
                "inconsistent": bool(row.inconsistent),
                "default": bool(row.default),
                "favoured": row.favoured,
                "scale": row.scale,
                "published_estimate": row.published_estimate,
                "estimate": row.estimate,
                "lik_mean": row.lik_mean,
                "se": row.se,
                "se_source": row.se_source,
                "published_lo95": row.lo95,
                "published_hi95": row.hi95,
                "prior": prior.name,
                "prior_family": prior.family,
                "prior_spec": shown.label,
                "prior_mean": s * prior.dist.mean + 0.0,
                "prior_sd": prior.dist.sd,
                "method": how,
                "post_mean": mean,
                "post_sd": post.sd,
                POST_LO: lo,
                POST_HI: hi,
                "p_benefit": float(post.cdf(0.0)),
            }
            for t in thresholds:
                rec[f"p_beyond_{t:g}"] = float(post.cdf(-t))
            rec["mcse_mean"] = mcse
            records.append(rec)
            entries.append(
                ReanalysisEntry(
                    i, labels[i], prior, s, float(y_b[i]), float(se[i]), prior.dist, post, how
                )
            )
    return PublishedReanalysis(
        table=pd.DataFrame(records),
        inputs=inputs,
        priors=tuple(all_priors),
        design_effect=float(design_effect),
        thresholds=thresholds,
        scale=scale,
        entries=tuple(entries),
        datatrees=datatrees,
        notes=tuple(notes),
        orientation=orientation,
    )
