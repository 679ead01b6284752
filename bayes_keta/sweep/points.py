"""One sweep point at a time: a NUTS fit of a setting, or the base fit and its reweightings.

Both functions run where the scheduler puts them (this process, a Dask thread or a worker
process) and return small picklable dicts, one per setting (a *point*: ``setting``, ``seed``,
``rows``, ``prior``, ``priors``, ``diagnostics``, ``sampler``, ``method``, ``pareto_k``,
``reweight_ess``, ``reason``).

* :func:`run_setting` fits one setting with NUTS (``method`` ``"fit"``, or ``"refit"`` when
  reweighting was not reliable enough for it).
* :func:`run_base` fits the base setting (``default``: the caller's base priors) with NUTS and
  reweights its draws to every other setting (:mod:`bayes_keta.sweep.reweight`); it returns
  the reweighted points and the settings to refit (Pareto k above ``k_max`` or too few
  effective draws left).

Compile once, reuse everywhere: each process keeps one :class:`bayes_keta.fitting.Fitter` per
sweep (the spec compiled for the trial under the base priors) and samples it under every
setting's priors; threads of a process share it (a lock makes them wait for the one compile).
A setting's seed is :func:`~bayes_keta.sweep.grid.setting_seed` ``(seed, name)``, whatever
ran before it or where it runs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bayes_keta.constants import ESS_MIN, SWEEP_ESS_FRACTION, SWEEP_K_MAX
from bayes_keta.data.trial import Trial
from bayes_keta.spec import ModelSpec, PriorsArg, resolve_priors
from bayes_keta.sweep.grid import SweepSetting, setting_seed
from bayes_keta.sweep.output import SWEEP_ESTIMANDS, summarize_point, threshold_columns

if TYPE_CHECKING:
    from bayes_keta.fitting import Fitter, Sampled, SamplerSettings
    from bayes_keta.models.scaling import PriorScaling
    from bayes_keta.sweep.reweight import PriorDensity

__all__ = ["BASE_SETTING", "run_base", "run_setting", "setting_model_priors"]

#: Name of the base setting (the caller's base priors): the one fitted and reweighted.
BASE_SETTING = "default"

#: The process's Fitters by sweep (trial, spec, base priors, settings); the last few kept.
_FITTERS: dict[str, Fitter] = {}
_FITTERS_KEPT = 4
_FITTERS_LOCK = threading.Lock()


def _fitter(trial: Trial, spec: ModelSpec, base: PriorsArg, settings: SamplerSettings) -> Fitter:
    """Return the process's Fitter for a sweep: compiled by the first setting, shared after."""
    from bayes_keta.fitting import Fitter

    key = json.dumps(
        [trial.sha256, spec.sha256, base, settings.to_dict()], sort_keys=True, default=str
    )
    with _FITTERS_LOCK:  # other threads wait for the one compile
        fitter = _FITTERS.get(key)
        if fitter is None:
            fitter = Fitter.compile(trial, spec, base, settings=settings)
            _FITTERS[key] = fitter
            while len(_FITTERS) > _FITTERS_KEPT:
                _FITTERS.pop(next(iter(_FITTERS)))
    return fitter


def _sample(
    trial: Trial,
    spec: ModelSpec,
    setting: SweepSetting,
    *,
    base: PriorsArg,
    draws: int,
    tune: int,
    chains: int,
    cores: int,
    seed: int,
) -> Sampled:
    from bayes_keta.fitting import SamplerSettings

    settings = SamplerSettings(draws=draws, tune=tune, chains=chains, cores=cores, seed=seed)
    fitter = _fitter(trial, spec, base, settings)
    return fitter.sample(setting.sources(base), seed=setting_seed(seed, setting.name))


def _fitted_point(
    sampled: Sampled, setting: SweepSetting, trial: Trial, start: float, method: str
) -> tuple[dict[str, Any], Any]:
    """Summarise a NUTS fit into its point; also return its diagnostics."""
    from bayes_keta.diagnostics import diagnose

    run = sampled.run
    diag = diagnose(sampled.datatree, var_names=sampled.free_variables)
    point = {
        "setting": setting.name,
        "seed": sampled.settings.seed,
        "rows": summarize_point(
            sampled.posterior, reference=trial.reference, outcome=trial.outcome
        ),
        **_prior_block(setting, sampled.built.priors, sampled.built.scaling),
        "diagnostics": {
            "passed": bool(diag.passed),
            "max_rhat": float(diag.max_rhat),
            "min_ess_bulk": float(diag.min_ess_bulk),
            "divergences": diag.divergences,
            "failures": list(diag.failures),
        },
        "sampler": {
            "sampler": run.sampler,
            "compile_cache_hit": run.cache_hit,
            "sample_seconds": round(run.sample_seconds, 3),
            "seconds": round(time.perf_counter() - start, 3),
            "fallback_reason": run.fallback_reason,
        },
        "method": method,
        "pareto_k": float("nan"),
        "reweight_ess": float("nan"),
        "reason": "",
    }
    return point, diag


def _prior_block(
    setting: SweepSetting, priors: Mapping[str, Any], scaling: PriorScaling | None
) -> dict[str, Any]:
    """Return a setting's prior columns (outcome scale) and its priors as written and applied.

    ``priors`` are written in 0-10 NRS points; ``scaling`` (the trial's
    :class:`~bayes_keta.models.scaling.PriorScaling`, the one every fit applies) puts them on
    the outcome's scale: the table's ``prior_effect*`` columns, ``priors_outcome_scale``.
    """
    on_outcome = dict(priors) if scaling is None else scaling.apply_all(priors)
    effect = on_outcome["treatment_effect"]
    return {
        "prior": {
            "kind": setting.kind,
            "prior_set": setting.prior_set,
            "prior_effect": _short(effect),
            "prior_effect_mu": float(effect.params.get("mu", float("nan"))),
            "prior_effect_sigma": float(effect.params.get("sigma", float("nan"))),
            "hyper_scale": float(setting.hyper_scale),
        },
        "priors": {role: p.to_dict() for role, p in sorted(priors.items())},
        "priors_outcome_scale": {role: p.to_dict() for role, p in sorted(on_outcome.items())},
    }


def _short(prior: Any) -> str:
    """Compact prior text for tables: ``normal(0, 0.608)``."""
    args = ", ".join(f"{v:g}" for v in prior.params.values() if not isinstance(v, tuple))
    return f"{prior.dist}({args})"


def run_setting(
    trial: Trial,
    spec: ModelSpec,
    setting: SweepSetting,
    *,
    base: PriorsArg = None,
    draws: int,
    tune: int,
    chains: int,
    cores: int,
    seed: int,
    method: str = "fit",
    reason: str = "",
    pareto_k: float = float("nan"),
    reweight_ess: float = float("nan"),
) -> dict[str, Any]:
    """Fit one prior setting with NUTS and summarise it (runs on a Dask worker or in-process).

    Parameters
    ----------
    method : {"fit", "refit"}
        ``"refit"`` when the setting is fitted because reweighting was not reliable enough
        (``reason``, ``pareto_k`` and ``reweight_ess`` say why; recorded with the point).

    Returns
    -------
    dict
        ``setting``, ``seed``, ``rows`` (:func:`summarize_point`), ``prior`` (the setting's
        prior columns, outcome scale), ``priors`` (every resolved prior, as written in NRS
        points), ``priors_outcome_scale`` (the same on the outcome's scale), ``diagnostics``
        (``passed``, ``max_rhat``, ``min_ess_bulk``, ``divergences``, ``failures``),
        ``sampler`` (name, cache hit, timings), ``method``, ``pareto_k``, ``reweight_ess``,
        ``reason``: small, picklable.
    """
    start = time.perf_counter()
    options = {"draws": draws, "tune": tune, "chains": chains, "cores": cores, "seed": seed}
    sampled = _sample(trial, spec, setting, base=base, **options)
    point, _ = _fitted_point(sampled, setting, trial, start, method)
    point.update(reason=reason, pareto_k=float(pareto_k), reweight_ess=float(reweight_ess))
    return point


def run_base(
    trial: Trial,
    spec: ModelSpec,
    settings: Sequence[SweepSetting],
    *,
    base: PriorsArg = None,
    draws: int,
    tune: int,
    chains: int,
    cores: int,
    seed: int,
    k_max: float = SWEEP_K_MAX,
    min_ess: float | None = None,
) -> dict[str, Any]:
    """Fit the base setting with NUTS and reweight its draws to every other setting.

    Parameters
    ----------
    settings : sequence of SweepSetting
        The grid's settings (the base is the one named ``default``; fitted, not reported,
        when the grid leaves it out).
    k_max : float
        Largest Pareto k accepted (default :data:`~bayes_keta.constants.SWEEP_K_MAX`).
    min_ess : float, optional
        Fewest effective draws accepted after reweighting (default: ``SWEEP_ESS_FRACTION``
        of the base fit's smallest bulk ESS, and at least ``ESS_MIN``).

    Returns
    -------
    dict
        ``points`` (the base's, if in the grid, and the reweighted ones), ``refit`` (one dict
        per setting to refit: ``setting``, ``reason``, ``pareto_k``, ``reweight_ess``) and
        ``base`` (seed, diagnostics, the ESS threshold used).
    """
    from bayes_keta.sweep.reweight import PriorDensity, WeightedRows, psis

    start = time.perf_counter()
    base_setting = next(
        (s for s in settings if s.name == BASE_SETTING), SweepSetting(BASE_SETTING, "default")
    )
    options = {"draws": draws, "tune": tune, "chains": chains, "cores": cores, "seed": seed}
    sampled = _sample(trial, spec, base_setting, base=base, **options)
    base_point, diag = _fitted_point(sampled, base_setting, trial, start, "fit")
    posterior = sampled.posterior
    n_draws = posterior.sizes["chain"] * posterior.sizes["draw"]
    base_ess = float(diag.min_ess_bulk) if np.isfinite(diag.min_ess_bulk) else 0.0
    r_eff = min(1.0, base_ess / n_draws) if base_ess > 0 else 1.0
    floor = max(ESS_MIN, SWEEP_ESS_FRACTION * base_ess)
    threshold = float(min_ess) if min_ess is not None else floor
    points = [base_point] if any(s.name == BASE_SETTING for s in settings) else []
    refit = []
    try:
        density = PriorDensity(sampled.built.model)
    except ValueError as err:  # no reweighting for this model: every other setting refits
        others = [s for s in settings if s.name != BASE_SETTING]
        refit = [_refit(s, f"cannot reweight: {err}", *_NA) for s in others]
        density = None
    densities: dict[str, PriorDensity] = {}
    if density is not None:
        densities[_families(sampled.built.scaled)] = density
        base_log_prior = density(posterior, _values(sampled.built.scaled))
    weighted: WeightedRows | None = None
    scaling = sampled.built.scaling
    for setting in settings if density is not None else ():
        if setting.name == BASE_SETTING:
            continue
        t0 = time.perf_counter()
        resolved = resolve_priors(spec, setting.sources(base))
        target = _log_prior(
            trial, spec, setting, base, resolved, posterior, densities, density, scaling
        )
        if target is None:
            refit.append(
                _refit(setting, "its priors' densities differ in form from the base's", *_NA)
            )
            continue
        rw = psis(target - base_log_prior, r_eff=r_eff)
        if not rw.reliable(k_max=k_max, min_ess=threshold):
            why = f"Pareto k {rw.pareto_k:.2f} > {k_max:g}" if rw.pareto_k > k_max else ""
            why = why or f"{rw.ess:.0f} effective draws after reweighting < {threshold:.0f}"
            refit.append(_refit(setting, why, rw.pareto_k, rw.ess))
            continue
        if weighted is None:
            weighted = WeightedRows(
                posterior,
                reference=trial.reference,
                outcome=trial.outcome,
                estimands=SWEEP_ESTIMANDS,
                columns=threshold_columns(trial.outcome),
            )
        rows = weighted(rw.weights)
        points.append(
            {
                "setting": setting.name,
                "seed": base_point["seed"],
                "rows": rows,
                **_prior_block(setting, resolved, scaling),
                "diagnostics": {
                    **base_point["diagnostics"],
                    "min_ess_bulk": float(min(rw.ess, base_ess)),
                },
                "sampler": {
                    **base_point["sampler"],
                    "compile_cache_hit": None,
                    "sample_seconds": 0.0,
                    "seconds": round(time.perf_counter() - t0, 3),
                },
                "method": "reweighted",
                "pareto_k": rw.pareto_k,
                "reweight_ess": rw.ess,
                "reason": f"reweighted from the {BASE_SETTING!r} fit",
            }
        )
    return {
        "points": points,
        "refit": refit,
        "base": {
            "setting": base_setting.name,
            "seed": base_point["seed"],
            "diagnostics": base_point["diagnostics"],
            "sampler": base_point["sampler"],
            "min_ess": threshold,
            "k_max": float(k_max),
            "seconds": round(time.perf_counter() - start, 3),
        },
    }


_NA = (float("nan"), float("nan"))


def _refit(setting: SweepSetting, reason: str, k: float, ess: float) -> dict[str, Any]:
    return {"setting": setting.name, "reason": reason, "pareto_k": float(k), "reweight_ess": ess}


def setting_model_priors(
    trial: Trial,
    spec: ModelSpec,
    resolved: Mapping[str, Any],
    *,
    scaling: PriorScaling | None = None,
) -> dict[str, Any]:
    """Put a setting's resolved priors (NRS points) on the model's scale, as a fit does.

    The trial's outcome scaling (:func:`bayes_keta.models.scaling.prior_scaling`, or
    ``scaling`` when the caller has it: x10 on a 0-100 VAS) and then the builder's own scale
    (:func:`bayes_keta.models.priors.scaled_priors`): what :func:`bayes_keta.models.build`
    gives the graph, so a reweighted setting's target density is its refit's prior.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> from bayes_keta.spec import Prior, load_spec
    >>> frame = bk.simulate_trial(n_subjects=6, n_days=3, seed=1, mu=50, bounds=(0, 100))
    >>> vas = bk.load_trial(frame, outcome="vas_0_100")
    >>> effect = {"treatment_effect": Prior("normal", {"mu": -1.0, "sigma": 0.5})}
    >>> setting_model_priors(vas, load_spec("daily"), effect)["treatment_effect"].params
    {'mu': -10.0, 'sigma': 5.0}
    """
    from bayes_keta.models.priors import scaled_priors
    from bayes_keta.models.scaling import prior_scaling

    scaling = scaling if scaling is not None else prior_scaling(trial)
    return scaled_priors(spec, dict(resolved), trial.n_days, scaling=scaling)


def _families(scaled: Mapping[str, Any]) -> str:
    """Families and parameter shapes of a set of priors: equal ones share a density."""
    return json.dumps(
        {r: [p.dist, {k: np.shape(v) for k, v in p.params.items()}] for r, p in scaled.items()},
        sort_keys=True,
    )


def _values(scaled: Mapping[str, Any]) -> dict[str, np.ndarray]:
    from bayes_keta.models.priors import prior_data_values

    return prior_data_values(scaled)


def _log_prior(
    trial: Trial,
    spec: ModelSpec,
    setting: SweepSetting,
    base: PriorsArg,
    resolved: Mapping[str, Any],
    posterior: Any,
    densities: dict[str, PriorDensity],
    base_density: PriorDensity,
    scaling: PriorScaling | None,
) -> np.ndarray | None:
    """Log prior of every base draw under a setting (None: other parameters carry priors).

    The setting's priors go on the model's scale as a fit of it would put them (the outcome's
    scaling, then the builder's: :func:`setting_model_priors`).
    """
    from bayes_keta.models import build
    from bayes_keta.sweep.reweight import PriorDensity

    scaled = setting_model_priors(trial, spec, resolved, scaling=scaling)
    key = _families(scaled)
    if key not in densities:  # another family: its own graph, built (not compiled for NUTS)
        try:
            densities[key] = PriorDensity(build(trial, spec, setting.sources(base)).model)
        except ValueError:
            return None
    density = densities[key]
    if set(density.variables) != set(base_density.variables):
        return None
    return density(posterior, _values(scaled))
