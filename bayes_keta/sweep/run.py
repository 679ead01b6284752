"""Run a prior grid: one NUTS fit per setting, one compiled model, serially or on Dask.

Compile once, reuse everywhere: each process makes one :class:`bayes_keta.fitting.Fitter`
for the sweep (the spec built and compiled for the trial, under the base priors) and samples
it under every setting's priors (:meth:`~bayes_keta.fitting.Fitter.sample`): settings differ
only in prior *values* (``pm.Data``), so they all reuse the one compiled nutpie model, their
values swapped in (``with_data``). Threads of a process share its Fitter (a lock makes them
wait for the one compile instead of compiling it twice).

Scheduling (``scheduler``):

* ``"local"`` (default): a ``dask.distributed.LocalCluster`` of *threads* in this process
  (``processes=False``, one thread per worker, ``workers`` workers, default
  ``min(settings, cpu count)``). Threads share the Fitter, so the model compiles once per
  sweep (compiled nutpie models hold numba function pointers and are not shipped between
  processes); nutpie releases the GIL while it samples. Each setting runs its chains one after
  another (``cores=1``) so settings, not chains, fill the cores.
* an address (``tcp://host:8786``): an existing Dask cluster. Each worker *process* compiles the
  model once, on its first setting, and reuses it after.
* ``"serial"``: in this process without Dask, chains in parallel on the available cores.

Diagnostics: every setting goes through the convergence gate (:func:`bayes_keta.diagnose`,
thresholds from :mod:`bayes_keta.constants`) on its *sampled parameters* (the model's free
random variables; ``arm_mean`` and the contrasts are functions of them), which halves the gate's
cost per setting compared with also checking every Deterministic.

Seeds: setting ``s`` is sampled with :func:`bayes_keta.sweep.grid.setting_seed` ``(seed, s)``,
a function of the base seed and the setting's name only, so any schedule gives the same numbers.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bayes_keta import checks
from bayes_keta.constants import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_SEED, DEFAULT_TUNE
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import SpecError
from bayes_keta.provenance import provenance_record
from bayes_keta.spec import ModelSpec, PriorsArg, load_spec, resolve_priors
from bayes_keta.sweep.grid import SweepGrid, SweepSetting, load_grid, setting_seed
from bayes_keta.sweep.output import (
    SweepResult,
    summarize_point,
    sweep_dataset,
    sweep_table,
    sweep_text,
)

if TYPE_CHECKING:
    from bayes_keta.fitting import Fitter, SamplerSettings

__all__ = ["SCHEDULERS", "prior_sweep", "run_setting"]

#: Named schedulers (anything else is taken as a Dask scheduler address).
SCHEDULERS: tuple[str, ...] = ("local", "serial")

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
) -> dict[str, Any]:
    """Fit one prior setting and summarise it (runs on a Dask worker or in-process).

    Returns
    -------
    dict
        ``setting``, ``seed``, ``rows`` (:func:`summarize_point`), ``prior`` (the setting's
        prior columns), ``priors`` (every resolved prior, NRS points), ``diagnostics``
        (``passed``, ``max_rhat``, ``min_ess_bulk``, ``divergences``, ``failures``) and
        ``sampler`` (name, cache hit, timings): small, picklable.
    """
    from bayes_keta.diagnostics import diagnose
    from bayes_keta.fitting import SamplerSettings

    start = time.perf_counter()
    settings = SamplerSettings(draws=draws, tune=tune, chains=chains, cores=cores, seed=seed)
    fitter = _fitter(trial, spec, base, settings)
    point_seed = setting_seed(seed, setting.name)
    sampled = fitter.sample(setting.sources(base), seed=point_seed)
    run = sampled.run
    diag = diagnose(sampled.datatree, var_names=sampled.free_variables)
    priors = sampled.built.priors
    effect = priors["treatment_effect"]
    return {
        "setting": setting.name,
        "seed": point_seed,
        "rows": summarize_point(sampled.posterior, reference=trial.reference),
        "prior": {
            "kind": setting.kind,
            "prior_set": setting.prior_set,
            "prior_effect": _short(effect),
            "prior_effect_mu": float(effect.params.get("mu", float("nan"))),
            "prior_effect_sigma": float(effect.params.get("sigma", float("nan"))),
            "hyper_scale": float(setting.hyper_scale),
        },
        "priors": {role: p.to_dict() for role, p in sorted(priors.items())},
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
    }


def prior_sweep(
    trial: Trial,
    spec: str | Path | ModelSpec,
    *,
    grid: str | Path | Mapping[str, Any] | SweepGrid | None = None,
    priors: PriorsArg = None,
    draws: int = DEFAULT_DRAWS,
    tune: int = DEFAULT_TUNE,
    chains: int = DEFAULT_CHAINS,
    seed: int = DEFAULT_SEED,
    scheduler: str = "local",
    workers: int | None = None,
    progress: bool = True,
    command: str | None = None,
) -> SweepResult:
    """Fit a model under every prior setting of a grid and tabulate the contrasts.

    Parameters
    ----------
    trial : Trial
        Validated data (:func:`bayes_keta.load_trial`).
    spec : str, Path or ModelSpec
        Model name (``"daily"``), spec path, or spec; any patient-level spec.
    grid : str, Path, dict or SweepGrid, optional
        Grid name in ``models/grids``, TOML path, dict in the TOML schema, or grid
        (default: ``default``, 15 settings: see :mod:`bayes_keta.sweep.grid`).
    priors : str, Path, dict or list, optional
        Base prior sets / overrides every setting starts from (precedence: setting > base >
        spec default).
    draws, tune, chains : int
        Per setting.
    seed : int
        Base seed; setting ``s`` uses ``setting_seed(seed, s)`` whatever the schedule.
    scheduler : str
        ``"local"`` (Dask LocalCluster of threads), ``"serial"`` (no Dask) or the address of
        a running Dask scheduler.
    workers : int, optional
        Local Dask workers (default ``min(settings, cpu count)``).
    progress : bool
        Show a progress bar (tqdm) over settings.
    command : str, optional
        Command line, for provenance (the CLI passes it).

    Returns
    -------
    SweepResult

    Raises
    ------
    SpecError
        Invalid spec, grid, priors or settings (before any sampling).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.ketapain_synthetic()
    >>> res = bk.prior_sweep(trial, "daily", draws=200, tune=200, chains=2)  # doctest: +SKIP
    >>> res.table.query("estimand == 'mean_daily_difference'")[["setting", "p_beyond_1"]]
    ... # doctest: +SKIP
    """
    spec = load_spec(spec)
    grid = load_grid(grid)
    settings = grid.settings(spec, base=priors)
    _check(draws, tune, chains, seed, workers)
    if scheduler not in SCHEDULERS and "://" not in scheduler and ":" not in scheduler:
        raise SpecError(
            f"scheduler must be 'local', 'serial' or a Dask address (tcp://host:port),"
            f" got {scheduler!r}"
        )
    n_workers = workers or min(len(settings), os.cpu_count() or 1)
    cores = min(chains, os.cpu_count() or 1) if scheduler == "serial" else 1
    options = {
        "base": priors,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "cores": cores,
        "seed": seed,
    }

    start = time.perf_counter()
    if scheduler == "serial":
        points = _serial(lambda s: run_setting(trial, spec, s, **options), settings, progress)
    else:
        points = _dask(trial, spec, settings, options, scheduler, n_workers, progress)
    elapsed = time.perf_counter() - start

    table = sweep_table(points)
    sampler = {
        "sampler": sorted({p["sampler"]["sampler"] for p in points}),
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "cores_per_setting": cores,
        "seed": seed,
        "seed_rule": "setting_seed(seed, name) = sha256(f'{seed}:{name}')[:4] & 0x7fffffff",
        "scheduler": scheduler,
        "workers": None if scheduler == "serial" else n_workers,
        "compile_cache_hits": sum(bool(p["sampler"]["compile_cache_hit"]) for p in points),
        "seconds": round(elapsed, 3),
    }
    record = provenance_record(
        trial=trial,
        spec=spec,
        priors=resolve_priors(spec, priors),
        prior_sources=priors,
        sampler=sampler,
        command=command,
        extra={
            "grid": grid.to_dict(),
            "settings": [
                {k: p[k] for k in ("setting", "seed", "prior", "priors", "diagnostics", "sampler")}
                for p in points
            ],
            "diagnostics_gate": "bayes_keta.diagnose on each setting's free random variables",
            "table_scheme": (
                "one row per setting x contrast x estimand; p_beyond_<t>: P(diff < -t) with t"
                " in daily NRS points (AUC rows: n_days * t score-days)"
            ),
        },
    )
    text = sweep_text(table, synthetic=trial.synthetic, model=spec.name, data=trial.name)
    return SweepResult(
        table=table,
        dataset=sweep_dataset(table, attrs=record),
        text=text,
        provenance=record,
    )


def _serial(
    task: Callable[[SweepSetting], dict[str, Any]],
    settings: Sequence[SweepSetting],
    progress: bool,
) -> list[dict[str, Any]]:
    from tqdm.auto import tqdm

    return [task(s) for s in tqdm(settings, desc="prior sweep", disable=not progress)]


def _dask(
    trial: Trial,
    spec: ModelSpec,
    settings: Sequence[SweepSetting],
    options: dict[str, Any],
    scheduler: str,
    n_workers: int,
    progress: bool,
) -> list[dict[str, Any]]:
    from distributed import Client, LocalCluster, as_completed
    from tqdm.auto import tqdm

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=30)
        except OSError as err:
            raise SpecError(f"cannot reach the Dask scheduler {scheduler!r}: {err}") from err
    try:
        trial_f, spec_f = client.scatter([trial, spec], broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        futures = [
            client.submit(
                run_setting,
                trial_f,
                spec_f,
                s,
                **options,
                pure=False,
                key=f"sweep-{token}-{s.name}",
            )
            for s in settings
        ]
        bar = tqdm(total=len(futures), desc="prior sweep", disable=not progress)
        for _ in as_completed(futures):
            bar.update()
        bar.close()
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _short(prior: Any) -> str:
    """Compact prior text for tables: ``normal(0, 0.608)``."""
    args = ", ".join(f"{v:g}" for v in prior.params.values() if not isinstance(v, tuple))
    return f"{prior.dist}({args})"


def _check(draws: int, tune: int, chains: int, seed: int, workers: int | None) -> None:
    checks.check_sampling(draws=draws, tune=tune, chains=chains, seed=seed)
    if workers is not None:
        checks.WORKERS.check(workers, "workers")
