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
    Closed form (conjugate normal-normal, and normal-mixture priors by component updating)
    where conjugate; PyMC NUTS for the rest (Student-t), a small seeded model per prior.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from bayes_keta import checks
from bayes_keta.constants import CI_PROB, DEFAULT_REFERENCE, DEFAULT_SEED
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.published.dists import (
    NormalMixtureDist,
    SampledDist,
    StudentTDist,
    conjugate_update,
)
from bayes_keta.published.orientation import (
    AS_PRINTED,
    OrientationCheck,
    check_orientation,
    read_both_ways,
)
from bayes_keta.published.priors import DEFAULT_PRIOR_NAMES, Prior, spiegelhalter_priors
from bayes_keta.published.scales import scale_info

__all__ = [
    "PublishedReanalysis",
    "ReanalysisEntry",
    "reanalyse_published",
    "read_estimates",
    "published_estimates",
    "Z95",
    "DEFAULT_SEED",
]

#: Normal quantile of the *input* 95% CI columns (``lo95``/``hi95`` are 95% by definition).
Z95: float = float(stats.norm.ppf(0.975))

_PCT = round(100 * CI_PROB)
_LO, _HI = f"post_lo{_PCT}", f"post_hi{_PCT}"
_INPUT_COLUMNS = ("active", "reference", "scale", "estimate", "se", "lo95", "hi95", "favoured")


# --------------------------------------------------------------------------- inputs


def published_estimates() -> pd.DataFrame:
    """Return the embedded KETAPAIN effect sizes as an estimates table (as published).

    Examples
    --------
    >>> published_estimates()[["active", "reference"]].iloc[0].tolist()
    ['ketamine', 'placebo']
    """
    from bayes_keta.data.published import ketapain_published

    return ketapain_published().contrasts[
        ["active", "reference", "scale", "estimate", "lo95", "hi95"]
    ]


def _num(value: Any) -> float:
    """Parse a cell: NaN when empty/missing; +inf when present but not a number.

    Every check below treats a non-finite value as invalid and a NaN as "not given", so a
    malformed cell is reported rather than silently treated as missing.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan if pd.isna(value) else math.inf


def read_estimates(
    source: str | Path | pd.DataFrame,
    *,
    reference_label: str = DEFAULT_REFERENCE,
    centre: Literal["fit", "published"] = "fit",
) -> pd.DataFrame:
    """Read and validate summary estimates; derive the SE and the favoured arm of each row.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        CSV path (lines starting with ``#`` are comments) or a frame with columns ``active``,
        ``reference``, ``scale``, ``estimate`` and either ``lo95`` + ``hi95`` or ``se``
        (both allowed; ``se`` then wins), optionally ``favoured``.
    reference_label : str
        Label of the placebo/control arm, used by the default favoured-arm rule.
    centre : {"fit", "published"}
        Centre of the normal likelihood for rows given by a CI (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns ``active``, ``reference``, ``scale``, ``estimate``, ``lik_mean`` (centre of
        the likelihood), ``se``, ``se_source`` (``"se"`` or ``"ci"``), ``lo95``, ``hi95``,
        ``favoured``, ``sign`` (+1 when the favoured arm is ``active``, -1 when it is
        ``reference``).

    Raises
    ------
    DataError
        Naming every bad row (data rows numbered from 1), or when rows mix scales.

    Examples
    --------
    >>> df = pd.DataFrame({"active": ["a"], "reference": ["placebo"], "scale": ["smd"],
    ...                    "estimate": [-0.3], "se": [0.1]})
    >>> read_estimates(df)["favoured"].tolist()
    ['a']
    """
    if isinstance(source, pd.DataFrame):
        raw, where = source.copy(), "estimates table"
    else:
        path = Path(source)
        where = str(path)
        try:
            raw = pd.read_csv(path, comment="#", dtype=str, skipinitialspace=True)
        except FileNotFoundError:
            raise DataError(f"estimates file not found: {path}") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise DataError(f"cannot parse estimates CSV {path}: {err}") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in ("active", "reference", "scale", "estimate") if c not in raw.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {missing}")
    if "se" not in raw.columns and not {"lo95", "hi95"} <= set(raw.columns):
        raise DataError(f"{where}: needs a 'se' column or both 'lo95' and 'hi95'")
    if raw.empty:
        raise DataError(f"{where}: no rows")
    if centre not in ("fit", "published"):
        raise SpecError(f"centre must be 'fit' or 'published', got {centre!r}")

    rows, problems = [], []
    for i, rec in enumerate(raw.to_dict("records"), start=1):
        issues: list[str] = []
        active = str(rec.get("active") or "").strip()
        reference = str(rec.get("reference") or "").strip()
        scale = str(rec.get("scale") or "").strip().lower()
        if not active or active == "nan" or not reference or reference == "nan":
            issues.append("empty active/reference")
        elif active == reference:
            issues.append(f"active and reference are both {active!r}")
        if not scale or scale == "nan":
            issues.append("empty scale")
        est, se = _num(rec.get("estimate")), _num(rec.get("se"))
        lo, hi = _num(rec.get("lo95")), _num(rec.get("hi95"))
        if not math.isfinite(est):
            issues.append(f"estimate {rec.get('estimate')!r} is not a finite number")
        has_ci = not (math.isnan(lo) and math.isnan(hi))
        if has_ci and not (math.isfinite(lo) and math.isfinite(hi)):
            issues.append("lo95/hi95 must both be finite numbers")
        elif has_ci and lo >= hi:
            issues.append(f"lo95 {lo:g} is not below hi95 {hi:g}")
        elif has_ci and math.isfinite(est) and not lo <= est <= hi:
            issues.append(f"estimate {est:g} lies outside [{lo:g}, {hi:g}]")
        if not math.isnan(se) and not (math.isfinite(se) and se > 0):
            issues.append(f"se {rec.get('se')!r} must be a positive number")
        if math.isnan(se) and not has_ci:
            issues.append("neither se nor lo95/hi95 given")
        favoured = str(rec.get("favoured") or "").strip()
        if favoured in ("", "nan"):
            favoured = _default_favoured(active, reference, reference_label)
        elif favoured not in (active, reference):
            issues.append(f"favoured {favoured!r} is neither {active!r} nor {reference!r}")
        if issues:
            problems.append(f"row {i}: " + "; ".join(issues))
            continue
        ok_se = math.isfinite(se)
        rows.append(
            {
                "active": active,
                "reference": reference,
                "scale": scale,
                "estimate": est,
                "lik_mean": est if ok_se or centre == "published" else (est + lo + hi) / 3,
                "se": se if ok_se else (hi - lo) / (2 * Z95),
                "se_source": "se" if ok_se else "ci",
                "lo95": lo if has_ci else math.nan,
                "hi95": hi if has_ci else math.nan,
                "favoured": favoured,
                "sign": 1 if favoured == active else -1,
            }
        )
    if problems:
        raise DataError(
            f"{where}: bad row(s) (data rows numbered from 1):\n  " + "\n  ".join(problems)
        )
    out = pd.DataFrame(rows)
    if out["scale"].nunique() > 1:
        raise DataError(f"{where}: rows mix scales {sorted(out['scale'].unique())}; use one scale")
    dup = out.duplicated(["active", "reference"], keep=False)
    if dup.any():
        which = sorted({f"{a} vs {r}" for a, r in out.loc[dup, ["active", "reference"]].values})
        raise DataError(f"{where}: duplicated contrast(s) {which}")
    return out


def _default_favoured(active: str, reference: str, reference_label: str) -> str:
    if active == reference_label and reference != reference_label:
        return reference
    return active


# --------------------------------------------------------------------------- results


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
                    f" {rd['post_mean']:+.2f} ({pct}% CrI {rd[_LO]:+.2f} to {rd[_HI]:+.2f});"
                    f" P(benefit)={rd['p_benefit']:.2f}; {beyond} [{rd['method']}]"
                )
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def _repr_html_(self) -> str:
        """Render a compact card for Jupyter: one row per contrast and prior."""
        from bayes_keta.cards import html_card

        keep = ["active", "reference", "prior", "post_mean", _LO, _HI, "p_benefit"]
        return html_card(
            f"Summary-level reanalysis of the published estimates ({self.scale})",
            table=self.table[[c for c in keep if c in self.table]].round(3),
            notes=self.notes,
        )

    def plot(self, **kwargs: Any):
        """Prior, likelihood and posterior per contrast and prior (see ``published.plots``)."""
        from bayes_keta.published.plots import plot_published_reanalysis

        return plot_published_reanalysis(self, **kwargs)


# --------------------------------------------------------------------------- compute


_READING_TEXT = {
    "arm_means": " [INCONSISTENT as printed; DEFAULT reading, the arm means' sign]",
    AS_PRINTED: " [INCONSISTENT; alternative reading, as printed]",
}


def _embedded_rows() -> tuple[pd.DataFrame, tuple[OrientationCheck, ...]]:
    """Return KETAPAIN's published rows, flagged ones in both readings (arm means first)."""
    from bayes_keta.data.published import ketapain_published

    pub = ketapain_published()
    rows = published_estimates()
    checks = check_orientation(
        rows, dict(zip(pub.arms["treatment"], pub.arms["auc_mean"], strict=True))
    )
    return read_both_ways(rows, checks), checks


def _read_rows(rows: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """:func:`read_estimates` of the default rows, then of the alternative readings, joined."""
    extra = ["published_estimate", "reading", "inconsistent", "default"]
    parts = [
        read_estimates(part.drop(columns=extra).reset_index(drop=True), **options).assign(
            **{c: part[c].to_numpy() for c in extra}
        )
        for part in (rows[rows["default"]], rows[~rows["default"]])
        if len(part)
    ]
    return pd.concat(parts, ignore_index=True)


def _summ(dist: NormalMixtureDist | SampledDist, sign: int) -> tuple[float, float, float]:
    tail = (1 - CI_PROB) / 2
    a, b = sign * dist.ppf(tail), sign * dist.ppf(1 - tail)
    return sign * dist.mean, min(a, b), max(a, b)


def _mirror(prior: Prior, sign: int) -> Prior:
    return prior if sign == 1 else prior.mirrored()


def build_summary_model(prior: Prior, y: np.ndarray, se: np.ndarray, labels: Sequence[str]):
    """PyMC model ``theta[c] ~ prior; y[c] ~ Normal(theta[c], se[c])`` (benefit orientation).

    Returns the built (unsampled) ``pm.Model``.

    Examples
    --------
    >>> from bayes_keta.published.priors import parse_prior_spec
    >>> prior = parse_prior_spec("t=student_t(3,0,1)")
    >>> m = build_summary_model(prior, np.zeros(1), np.ones(1), ["a"])
    >>> sorted(m.named_vars)
    ['theta', 'y']
    """
    import pymc as pm

    with pm.Model(coords={"contrast": list(labels)}) as model:
        theta = prior.random_variable("theta", dims="contrast")
        pm.Normal("y", mu=theta, sigma=se, observed=y, dims="contrast")
    return model


def _sample(model, *, seed: int, draws: int, chains: int, nuts_sampler: str):
    from bayes_keta.diagnostics import diagnose
    from bayes_keta.fitting.runner import sample_model
    from bayes_keta.fitting.settings import SamplerSettings

    settings = SamplerSettings(
        sampler=nuts_sampler, draws=draws, tune=1000, chains=chains, cores=1, seed=seed
    )
    dt = sample_model(model, settings)
    return dt, diagnose(dt, var_names=["theta"])


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
        rows, orientation = _embedded_rows()
        inputs = _read_rows(rows, reference_label=reference_label, centre=centre)
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
        if method == "auto" and prior.conjugate:
            for i in range(len(inputs)):
                posts[i, prior.name] = (
                    conjugate_update(prior.dist, y_b[i], se[i]),
                    "closed_form",
                    0.0,
                )
            continue
        model = build_summary_model(prior, y_b, se, labels)
        dt, diag = _sample(
            model, seed=seed + k, draws=draws, chains=chains, nuts_sampler=nuts_sampler
        )
        datatrees[prior.name] = dt
        theta = dt.posterior["theta"]
        for i, lab in enumerate(labels):
            ess = float(diag.table.loc[f"theta[{lab}]", "ess_bulk"])
            d = SampledDist(theta.sel(contrast=lab).values.ravel(), ess)
            posts[i, prior.name] = (d, "pymc", d.mcse_mean)
        if not diag.passed:
            from bayes_keta.formatting import format_ess, format_rhat

            notes.append(
                f"WARNING: prior {prior.name!r}: sampling diagnostics failed (max R-hat"
                f" {format_rhat(diag.max_rhat)}, min ESS {format_ess(diag.min_ess_bulk)},"
                f" {diag.divergences} divergences)."
            )

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
                _LO: lo,
                _HI: hi,
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
