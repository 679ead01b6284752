r"""Bayesian random-effects (normal-normal hierarchical) meta-analysis of trial-level estimates.

Model (non-centred), for trials :math:`i = 1..k` with estimates :math:`y_i` and standard
errors :math:`s_i` taken as known:

.. math::

    y_i \sim \mathcal N(\theta_i, s_i), \quad \theta_i = \mu + \tau z_i, \quad
    z_i \sim \mathcal N(0, 1), \\
    \mu \sim \mathcal N(0, \sigma_\mu), \quad
    \tau \sim \mathrm{HalfNormal}(\lambda)\ \text{or}\ \mathrm{HalfCauchy}(\lambda), \\
    \theta_{\mathrm{new}} = \mu + \tau z_{\mathrm{new}}, \quad
    z_{\mathrm{new}} \sim \mathcal N(0, 1).

:math:`\mu` is the pooled (mean) effect, :math:`\tau` the between-trial SD, :math:`\theta_i`
the shrunken trial effects and :math:`\theta_{\mathrm{new}}` the effect in a new trial (its
interval is the Bayesian prediction interval). ``tau_prior="fixed0"`` gives the common-effect
model :math:`\theta_i = \mu`. Defaults of :math:`\lambda` and :math:`\sigma_\mu` come from the
scale (:mod:`bayes_keta.published.scales`; e.g. HalfNormal(0.5) on SMD, HalfNormal(1.0) on NRS
points, after Roever et al., Res Synth Methods 2021;12:448-474).

Benefit is a negative effect (active - reference < 0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from bayes_keta import checks
from bayes_keta.constants import CI_PROB, ESS_MIN, META_SEED, RHAT_MAX
from bayes_keta.diagnostics import diagnose
from bayes_keta.exceptions import ConvergenceError, SpecError
from bayes_keta.meta.inputs import MetaInputs, meta_inputs_from_frame, read_meta_inputs
from bayes_keta.published.scales import scale_info
from bayes_keta.stages import stage

__all__ = ["MetaAnalysisResult", "build_meta_model", "meta_analysis", "TAU_PRIORS"]

TAU_PRIORS: tuple[str, ...] = ("half_normal", "half_cauchy", "fixed0")
_PCT = round(100 * CI_PROB)
_LO, _HI = f"lo{_PCT}", f"hi{_PCT}"


def build_meta_model(
    inputs: MetaInputs,
    *,
    tau_prior: Literal["half_normal", "half_cauchy", "fixed0"] = "half_normal",
    tau_scale: float,
    mu_sd: float,
):
    """Build (do not sample) the normal-normal random-effects model as a ``pm.Model``.

    Parameters
    ----------
    inputs : MetaInputs
        Trial estimates and standard errors.
    tau_prior : {"half_normal", "half_cauchy", "fixed0"}
        Prior family of the between-trial SD; ``fixed0`` = common-effect model.
    tau_scale : float
        Scale of the half-normal / half-Cauchy prior.
    mu_sd : float
        SD of the Normal(0, mu_sd) prior on the pooled effect.

    Returns
    -------
    pymc.Model
        With ``mu``, ``tau`` (unless fixed0), ``theta`` (dims ``trial``), ``theta_new`` and the
        observed ``y``.

    Examples
    --------
    >>> df = pd.DataFrame({"trial": ["A", "B"], "estimate": [-0.3, -0.1], "se": [0.2, 0.1]})
    >>> m = build_meta_model(meta_inputs_from_frame(df, scale="smd"), tau_scale=0.5, mu_sd=10)
    >>> sorted(m.named_vars)
    ['mu', 'tau', 'theta', 'theta_new', 'y', 'z', 'z_new']
    """
    import pymc as pm

    y = inputs.table["estimate"].to_numpy(float)
    se = inputs.table["se"].to_numpy(float)
    with pm.Model(coords={"trial": inputs.table["trial"].tolist()}) as model:
        mu = pm.Normal("mu", 0.0, mu_sd)
        if tau_prior == "fixed0":
            theta = pm.Deterministic("theta", mu * pm.math.ones_like(y), dims="trial")
            pm.Deterministic("theta_new", mu)
        else:
            if tau_prior == "half_normal":
                tau = pm.HalfNormal("tau", sigma=tau_scale)
            elif tau_prior == "half_cauchy":
                tau = pm.HalfCauchy("tau", beta=tau_scale)
            else:
                raise SpecError(f"unknown tau_prior {tau_prior!r} (known: {TAU_PRIORS})")
            z = pm.Normal("z", 0.0, 1.0, dims="trial")
            theta = pm.Deterministic("theta", mu + tau * z, dims="trial")
            z_new = pm.Normal("z_new", 0.0, 1.0)
            pm.Deterministic("theta_new", mu + tau * z_new)
        pm.Normal("y", mu=theta, sigma=se, observed=y, dims="trial")
    return model


@dataclass(frozen=True)
class MetaAnalysisResult:
    """Result of :func:`meta_analysis`.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows ``pooled``, ``tau`` (absent for fixed0), ``prediction`` and one ``trial`` row per
        trial; columns ``quantity``, ``trial``, ``input_estimate``, ``input_se``, ``mean``,
        ``sd``, ``median``, ``lo95``, ``hi95``, ``p_benefit``, ``p_beyond_<t>``, ``mcse_mean``,
        ``rhat``, ``ess_bulk``.
    datatree : xarray.DataTree
        Posterior draws (provenance in ``attrs``).
    inputs : MetaInputs
        The trial estimates pooled.
    diagnostics : pandas.DataFrame
        R-hat, bulk/tail ESS per parameter, with the gate verdict in ``passed``.
    passed : bool
        Whether the diagnostic gate passed.
    settings : dict
        Priors and sampler settings.
    """

    table: pd.DataFrame
    datatree: Any
    inputs: MetaInputs
    diagnostics: pd.DataFrame
    passed: bool
    settings: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Plain-text summary with the model, priors, inputs basis and the diagnostic verdict."""
        s = self.settings
        lines = [
            f"Bayesian random-effects meta-analysis of {self.inputs.k} trial(s), scale"
            f" {self.inputs.scale}",
            f"- model: {s['model']}",
            f"- priors: mu ~ Normal(0, {s['mu_sd']:g}); tau ~ {s['tau_prior_label']}",
            f"- {_PCT}% equal-tailed credible intervals; benefit = negative effect (active better)",
        ]
        lines += [f"- {n}" for n in self.inputs.notes]
        lines.append(
            "- sampling diagnostics: "
            + ("passed" if self.passed else "FAILED (do not trust these numbers)")
            + f" (R-hat <= {RHAT_MAX}, ESS >= {ESS_MIN:g}, divergences {s['divergences']})"
        )
        lines.append("")
        thr = [c for c in self.table.columns if c.startswith("p_beyond_")]
        for r in self.table.to_dict("records"):
            name = r["trial"] if r["quantity"] == "trial" else r["quantity"]
            line = f"  {name:<24} {r['mean']:+8.3f} ({_PCT}% CrI {r[_LO]:+.3f} to {r[_HI]:+.3f})"
            if r["quantity"] != "tau":
                line += f"  P(benefit)={r['p_benefit']:.2f}"
                line += "".join(f"  P(>{c[9:]})={r[c]:.2f}" for c in thr)
            if r["quantity"] == "trial":
                line += f"  [input {r['input_estimate']:+.3f}, se {r['input_se']:.3f}]"
            lines.append(line)
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        """Render a compact card for Jupyter: the gate verdict and the pooled estimates."""
        from bayes_keta.cards import html_card

        keep = ["quantity", "trial", "mean", _LO, _HI, "p_benefit"]
        return html_card(
            f"Meta-analysis of {self.inputs.k} trial(s) ({self.inputs.scale})",
            verdict=self.passed,
            facts=(("model", str(self.settings.get("model"))),),
            table=self.table[[c for c in keep if c in self.table]].round(3),
        )

    def plot_forest(self, **kwargs: Any):
        """Forest plot as a Figure (see :func:`bayes_keta.plots.meta_forest`)."""
        from bayes_keta.plots.meta import meta_forest

        return meta_forest(self, **kwargs).figure


def _diagnostics(dt, var_names: Sequence[str]) -> tuple[pd.DataFrame, int, bool]:
    """Per-parameter R-hat and ESS, divergences and the gate verdict (:func:`diagnose`)."""
    diag = diagnose(dt, var_names=list(var_names))
    table = diag.table.rename(columns={"r_hat": "rhat"})[["rhat", "ess_bulk", "ess_tail"]]
    table = table.rename_axis("parameter").reset_index()
    return table, int(diag.divergences or 0), bool(diag.passed)


def _summarise(draws: np.ndarray, thresholds: Sequence[float], benefit: bool) -> dict:
    tail = (1 - CI_PROB) / 2
    d = draws.ravel()
    out = {
        "mean": float(d.mean()),
        "sd": float(d.std(ddof=1)),
        "median": float(np.median(d)),
        _LO: float(np.quantile(d, tail)),
        _HI: float(np.quantile(d, 1 - tail)),
        "p_benefit": float(np.mean(d < 0)) if benefit else math.nan,
    }
    for t in thresholds:
        out[f"p_beyond_{t:g}"] = float(np.mean(d < -t)) if benefit else math.nan
    return out


def meta_analysis(
    data: MetaInputs | pd.DataFrame | str | Sequence[str],
    *,
    scale: str | None = None,
    tau_prior: Literal["half_normal", "half_cauchy", "fixed0"] = "half_normal",
    tau_scale: float | None = None,
    mu_sd: float | None = None,
    thresholds: Sequence[float] | None = None,
    seed: int = META_SEED,
    draws: int = 4000,
    tune: int = 1000,
    chains: int = 2,
    target_accept: float = 0.99,
    nuts_sampler: Literal["pymc", "nutpie"] = "nutpie",
    strict: bool = False,
) -> MetaAnalysisResult:
    """Fit the Bayesian random-effects meta-analysis (see the module docstring for the model).

    Parameters
    ----------
    data : MetaInputs, DataFrame, path or list of paths
        Trial estimates (DataFrame: ``trial``, ``estimate``, ``se`` or ``lo95``/``hi95``,
        ``scale`` or the ``scale`` option; paths: see :func:`read_meta_inputs`).
    scale : str, optional
        Effect scale; must match the data's.
    tau_prior : {"half_normal", "half_cauchy", "fixed0"}
        Prior on the between-trial SD; ``fixed0`` is the common-effect model (tau = 0).
    tau_scale : float, optional
        Scale of the tau prior; default from the scale (SMD 0.5, NRS 1.0, log ratios 0.5).
    mu_sd : float, optional
        SD of the Normal(0, mu_sd) prior on the pooled effect; default from the scale (10 on
        SMD/NRS/log scales: vague).
    thresholds : sequence of float, optional
        Benefit thresholds (magnitudes) for ``p_beyond_<t>``; default from the scale (none for
        log ratios).
    seed, draws, tune, chains, target_accept, nuts_sampler
        Sampler settings (chains run sequentially on one core).
    strict : bool
        Raise :class:`~bayes_keta.exceptions.ConvergenceError` if diagnostics fail.

    Returns
    -------
    MetaAnalysisResult

    Examples
    --------
    >>> df = pd.DataFrame({"trial": ["A", "B", "C"], "estimate": [-0.4, -0.1, -0.3],
    ...                    "se": [0.2, 0.15, 0.25], "scale": "smd"})
    >>> res = meta_analysis(df, draws=500, tune=500)  # doctest: +SKIP
    >>> res.table.set_index("quantity").loc["pooled", "mean"]  # doctest: +SKIP
    """
    from bayes_keta.fitting.runner import sample_model
    from bayes_keta.fitting.settings import SamplerSettings

    checks.check_sampling(draws=draws, tune=tune, chains=chains, seed=seed)
    if isinstance(data, MetaInputs):
        inputs = data
    elif isinstance(data, pd.DataFrame):
        inputs = meta_inputs_from_frame(data, scale=scale)
    else:
        inputs = read_meta_inputs(data, scale=scale)
    if scale is not None and inputs.scale != scale.strip().lower():
        raise SpecError(f"data are on scale {inputs.scale!r}, not {scale!r}")
    info = scale_info(inputs.scale)
    if tau_prior not in TAU_PRIORS:
        raise SpecError(f"unknown tau_prior {tau_prior!r} (known: {', '.join(TAU_PRIORS)})")
    if tau_scale is None and tau_prior != "fixed0":
        if info is None:
            raise SpecError(f"scale {inputs.scale!r} has no default tau_scale; give tau_scale")
        tau_scale = info.tau_scale
    if mu_sd is None:
        if info is None:
            raise SpecError(f"scale {inputs.scale!r} has no default mu_sd; give mu_sd")
        mu_sd = info.vague_sd
    if thresholds is None:
        thresholds = info.thresholds if info is not None and info.thresholds else ()
    thresholds = tuple(float(t) for t in thresholds)
    for name, value in (("tau_scale", tau_scale), ("mu_sd", mu_sd)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise SpecError(f"{name} must be a positive number, got {value}")
    if any(not (math.isfinite(t) and t > 0) for t in thresholds):
        raise SpecError(f"thresholds must be positive magnitudes, got {thresholds}")
    if tau_prior != "fixed0" and inputs.k < 2:
        raise SpecError("a random-effects meta-analysis needs at least 2 trials (or fixed0)")

    model = build_meta_model(
        inputs, tau_prior=tau_prior, tau_scale=float(tau_scale or 0.0), mu_sd=float(mu_sd)
    )
    settings = SamplerSettings(
        sampler=nuts_sampler,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=1,
        seed=seed,
        target_accept=target_accept,
    )
    stage("compiling and sampling")  # pm.sample compiles the model, then samples it
    dt = sample_model(model, settings)
    stage("summarising")
    free = ["mu"] if tau_prior == "fixed0" else ["mu", "tau", "theta"]
    diag, div, passed = _diagnostics(dt, free)
    if strict and not passed:
        raise ConvergenceError(f"meta-analysis sampling diagnostics failed:\n{diag.to_string()}")

    if tau_prior == "fixed0":
        label = "fixed at 0 (common-effect model)"
    else:
        family = "HalfNormal" if tau_prior == "half_normal" else "HalfCauchy"
        label = f"{family}({tau_scale:g})"
    settings = {
        "model": "common-effect (tau = 0)"
        if tau_prior == "fixed0"
        else "random-effects, non-centred",
        "scale": inputs.scale,
        "tau_prior": tau_prior,
        "tau_scale": tau_scale,
        "tau_prior_label": label,
        "mu_sd": mu_sd,
        "thresholds": list(thresholds),
        "seed": seed,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "target_accept": target_accept,
        "nuts_sampler": nuts_sampler,
        "divergences": div,
        "ci_prob": CI_PROB,
    }
    dt.attrs["bayes_keta_meta_settings"] = json.dumps(settings)
    dt.attrs["bayes_keta_meta_inputs"] = inputs.table.to_json(orient="records")

    post = dt.posterior
    dg = diag.set_index("parameter")
    rows = []

    def add(quantity: str, trial: str, draws_: np.ndarray, key: str | None, benefit: bool, **extra):
        rec = {
            "quantity": quantity,
            "trial": trial,
            "input_estimate": math.nan,
            "input_se": math.nan,
        }
        rec.update(extra)
        rec.update(_summarise(np.asarray(draws_), thresholds, benefit))
        ess = float(dg.loc[key, "ess_bulk"]) if key in dg.index else math.nan
        rec["mcse_mean"] = rec["sd"] / math.sqrt(ess) if ess == ess else math.nan
        rec["rhat"] = float(dg.loc[key, "rhat"]) if key in dg.index else math.nan
        rec["ess_bulk"] = ess
        rows.append(rec)

    add("pooled", "", post["mu"].values, "mu", True)
    if tau_prior != "fixed0":
        add("tau", "", post["tau"].values, "tau", False)
    add("prediction", "", post["theta_new"].values, None, True)
    for rec in inputs.table.to_dict("records"):
        t = rec["trial"]
        key = f"theta[{t}]" if tau_prior != "fixed0" else "mu"
        add(
            "trial",
            t,
            post["theta"].sel(trial=t).values,
            key,
            True,
            input_estimate=rec["estimate"],
            input_se=rec["se"],
        )
    return MetaAnalysisResult(
        table=pd.DataFrame(rows),
        datatree=dt,
        inputs=inputs,
        diagnostics=diag,
        passed=passed,
        settings=settings,
    )
