"""Run a prior grid: one NUTS fit reweighted to every setting, refits where needed; Dask or not.

Near the cost of one fit: the base setting (``default``: the spec's priors under the caller's
base priors) is fitted with NUTS, and its draws are reweighted to every other setting by
Pareto-smoothed importance sampling (:mod:`bayes_keta.sweep.reweight`; settings differ only in
prior values, so the posterior under a setting is the base posterior times the ratio of the
priors). A setting is fitted with NUTS instead (``method`` ``"refit"``) when its Pareto k
exceeds ``k_max`` (default 0.7) or too few effective draws are left (default: a quarter of the
base fit's bulk ESS, at least the gate's 400). ``refit_all=True`` (``--refit-all``) fits every
setting with NUTS, as sweeps did before. The table, the Dataset, ``sweep.json`` and the text
say per setting which it was (``method``: ``fit``, ``reweighted``, ``refit``), its Pareto k
and its effective draws after reweighting (``pareto_k``, ``reweight_ess``).

Why the default priors' fit as the base: it is a setting of every grid (the reference row of
the tornado plot, then exact rather than reweighted), and it is already wide: its treatment
effect prior (normal(0, 2) on daily) is at least as wide as every effect-grid point, and
where a setting is wider (the neutral set, variance scales x2) the posterior is dominated by
the likelihood, so the prior ratio is nearly flat over the draws. Measured on the embedded
trial (4 x 1000 draws): every other setting of the default grid has Pareto k <= 0.17; only the
tight prior far from the data (``effect_mu-1_sd0.5``: normal(-1, 0.5)) keeps too few effective
draws (about 650 of the base's 3,400) and is refitted. A deliberately wide base would make no
setting exact, cost the same one fit, and leave the tight settings (those that move the
posterior most) with fewer effective draws, not more.

NUTS fits reuse one compiled model (:mod:`bayes_keta.sweep.points`). Scheduling
(``scheduler``) of the fits (the base fit, then the refits):

* ``"local"`` (default): the base fit in this process with its chains in parallel, the refits
  on a ``dask.distributed.LocalCluster`` of *threads* in this process (``processes=False``,
  one thread per worker, ``workers`` workers, default ``min(refits, cpu count)``; none is
  started for fewer than two refits). Threads share the compiled model; nutpie releases the
  GIL while it samples. Each refit runs its chains one after another (``cores=1``).
* an address (``tcp://host:8786``): an existing Dask cluster runs the base fit (with its
  reweightings) as one task, then the refits. Each worker *process* compiles the model once.
* ``"serial"``: everything in this process without Dask, chains in parallel.

Diagnostics: every fit goes through the convergence gate (:func:`bayes_keta.diagnose`,
thresholds from :mod:`bayes_keta.constants`) on its *sampled parameters*; a reweighted setting
carries the base fit's R-hat and divergences and its own effective draws.

Seeds: a fitted setting ``s`` is sampled with :func:`bayes_keta.sweep.grid.setting_seed`
``(seed, s)``, a function of the base seed and the setting's name only, so any schedule gives
the same numbers, bit for bit (tested with a real scheduler and worker processes); reweighted
settings carry the base fit's seed.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bayes_keta import checks
from bayes_keta.constants import (
    DEFAULT_CHAINS,
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    DEFAULT_TUNE,
    SWEEP_ESS_FRACTION,
    SWEEP_K_MAX,
)
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import SpecError
from bayes_keta.provenance import provenance_record
from bayes_keta.spec import ModelSpec, PriorsArg, load_spec, resolve_priors
from bayes_keta.sweep.grid import SweepGrid, SweepSetting, load_grid
from bayes_keta.sweep.outcome import check_sweep_outcome, outcome_record, table_scheme
from bayes_keta.sweep.output import SweepResult, sweep_dataset, sweep_table, sweep_text
from bayes_keta.sweep.points import BASE_SETTING, run_base, run_setting

__all__ = ["SCHEDULERS", "check_sweep_outcome", "prior_sweep", "run_setting"]

#: Named schedulers (anything else is taken as a Dask scheduler address).
SCHEDULERS: tuple[str, ...] = ("local", "serial")

_RECORD_KEYS = (
    "setting",
    "seed",
    "method",
    "pareto_k",
    "reweight_ess",
    "reason",
    "prior",
    "priors",
    "priors_outcome_scale",
    "diagnostics",
    "sampler",
)


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
    refit_all: bool = False,
    k_max: float = SWEEP_K_MAX,
    min_ess: float | None = None,
    progress: bool = True,
    command: str | None = None,
) -> SweepResult:
    """Posterior under every prior setting of a grid: one fit reweighted, refits where needed.

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
        spec default); the base fit is under these.
    draws, tune, chains : int
        Per NUTS fit.
    seed : int
        Base seed; setting ``s`` is fitted with ``setting_seed(seed, s)`` whatever the schedule.
    scheduler : str
        ``"local"`` (Dask LocalCluster of threads for the refits), ``"serial"`` (no Dask) or
        the address of a running Dask scheduler.
    workers : int, optional
        Local Dask workers (default ``min(fits, cpu count)``).
    refit_all : bool
        Fit every setting with NUTS (no reweighting).
    k_max : float
        Refit a setting whose Pareto k exceeds this (default 0.7).
    min_ess : float, optional
        Refit a setting with fewer effective draws after reweighting (default:
        ``SWEEP_ESS_FRACTION`` (a quarter) of the base fit's smallest bulk ESS, at least
        ``ESS_MIN``).
    progress : bool
        Show a progress bar (tqdm) over fits.
    command : str, optional
        Command line, for provenance (the CLI passes it).

    Returns
    -------
    SweepResult

    Raises
    ------
    SpecError
        Invalid spec, grid, priors or settings, before any sampling.
    DataError
        An outcome whose priors cannot be put on its scale (no declared bounds and readings
        without spread: :func:`bayes_keta.sweep.outcome.check_sweep_outcome`).

    Notes
    -----
    The sweep follows the trial's outcome (:mod:`bayes_keta.sweep.outcome`): units,
    thresholds and ROPE are the outcome's, and the grid's priors (NRS points) are put on its
    scale as in every fit.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.ketapain_synthetic()
    >>> res = bk.prior_sweep(trial, "daily", draws=200, tune=200, chains=2)  # doctest: +SKIP
    >>> res.table.query("estimand == 'mean_daily_difference'")[["setting", "method"]]
    ... # doctest: +SKIP
    """
    scaling = check_sweep_outcome(trial)
    spec = load_spec(spec)
    grid = load_grid(grid)
    settings = grid.settings(spec, base=priors)
    _check(draws, tune, chains, seed, workers, k_max, min_ess)
    if scheduler not in SCHEDULERS and "://" not in scheduler and ":" not in scheduler:
        raise SpecError(
            f"scheduler must be 'local', 'serial' or a Dask address (tcp://host:port),"
            f" got {scheduler!r}"
        )
    options = {"base": priors, "draws": draws, "tune": tune, "chains": chains, "seed": seed}
    run = _Runner(trial, spec, options, scheduler, workers, progress)
    start = time.perf_counter()
    try:
        if refit_all:
            points = run.fits([(s, {}) for s in settings])
            base_info: dict[str, Any] = {}
        else:
            reweighted = run.base(settings, k_max=k_max, min_ess=min_ess)
            base_info = reweighted["base"]
            by_name = {s.name: s for s in settings}
            todo = [(by_name[r["setting"]], _refit_options(r)) for r in reweighted["refit"]]
            points = [*reweighted["points"], *run.fits(todo)]
    finally:
        run.close()
    elapsed = time.perf_counter() - start
    order = {s.name: i for i, s in enumerate(settings)}
    points.sort(key=lambda p: order[p["setting"]])

    table = sweep_table(points, outcome=trial.outcome)
    n_fits = sum(p["method"] != "reweighted" for p in points) + (
        0 if refit_all or BASE_SETTING in order else 1
    )
    sampler = {
        "sampler": sorted({p["sampler"]["sampler"] for p in points}),
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "seed": seed,
        "seed_rule": "setting_seed(seed, name) = sha256(f'{seed}:{name}')[:4] & 0x7fffffff",
        "scheduler": scheduler,
        "workers": run.n_workers,
        "nuts_fits": n_fits,
        "compile_cache_hits": sum(bool(p["sampler"]["compile_cache_hit"]) for p in points),
        "seconds": round(elapsed, 3),
    }
    method = _method_record(refit_all, k_max, base_info)
    record = provenance_record(
        trial=trial,
        spec=spec,
        priors=resolve_priors(spec, priors),
        prior_sources=priors,
        sampler=sampler,
        command=command,
        extra={
            "grid": grid.to_dict(),
            "method": method,
            "settings": [{k: p[k] for k in _RECORD_KEYS} for p in points],
            "diagnostics_gate": (
                "bayes_keta.diagnose on each NUTS fit's free random variables; reweighted"
                " settings: the base fit's, with their own effective draws"
            ),
            "table_scheme": table_scheme(trial.outcome),
            **outcome_record(trial.outcome, scaling),
        },
    )
    text = sweep_text(
        table,
        synthetic=trial.synthetic,
        model=spec.name,
        data=trial.name,
        method=method,
        reasons={p["setting"]: p["reason"] for p in points if p["method"] == "refit"},
        outcome=trial.outcome,
    )
    return SweepResult(
        table=table,
        dataset=sweep_dataset(table, attrs=record, outcome=trial.outcome),
        text=text,
        provenance=record,
        outcome=trial.outcome,
    )


def _refit_options(refit: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "method": "refit",
        "reason": refit["reason"],
        "pareto_k": refit["pareto_k"],
        "reweight_ess": refit["reweight_ess"],
    }


def _method_record(refit_all: bool, k_max: float, base: Mapping[str, Any]) -> dict[str, Any]:
    if refit_all:
        return {"name": "refit_all", "text": "every setting fitted with NUTS (--refit-all)"}
    return {
        "name": "psis",
        "base_setting": BASE_SETTING,
        "k_max": float(k_max),
        "min_ess": base.get("min_ess"),
        "ess_fraction": SWEEP_ESS_FRACTION,
        "base_seconds": base.get("seconds"),
        "text": (
            f"the {BASE_SETTING!r} setting fitted with NUTS and its draws reweighted to every"
            f" other setting by Pareto-smoothed importance sampling; settings with Pareto k >"
            f" {k_max:g} or fewer than {base.get('min_ess', 0):.0f} effective draws after"
            " reweighting refitted with NUTS"
        ),
    }


class _Runner:
    """Where the NUTS fits of one sweep run: this process, local Dask threads or a cluster."""

    def __init__(
        self,
        trial: Trial,
        spec: ModelSpec,
        options: dict[str, Any],
        scheduler: str,
        workers: int | None,
        progress: bool,
    ) -> None:
        self.trial, self.spec, self.options = trial, spec, options
        self.scheduler, self.workers, self.progress = scheduler, workers, progress
        self.n_workers: int | None = None
        self._client: Any = None
        self._cluster: Any = None
        self._scattered: list[Any] | None = None
        self._cpus = os.cpu_count() or 1

    @property
    def _remote(self) -> bool:
        return self.scheduler not in SCHEDULERS

    def base(self, settings: Sequence[SweepSetting], **kwargs: Any) -> dict[str, Any]:
        """Fit the base setting and reweight the others (on the cluster for an address)."""
        cores = 1 if self._remote else min(self.options["chains"], self._cpus)
        options = {**self.options, "cores": cores, **kwargs}
        if not self._remote:
            return run_base(self.trial, self.spec, settings, **options)
        client = self._connect(1)
        trial_f, spec_f = self._scatter(client)
        key = f"sweep-base-{uuid.uuid4().hex[:8]}"
        future = client.submit(
            run_base, trial_f, spec_f, list(settings), **options, pure=False, key=key
        )
        return future.result()

    def fits(self, todo: Sequence[tuple[SweepSetting, dict[str, Any]]]) -> list[dict[str, Any]]:
        """NUTS fits of the given settings (with their method options)."""
        if not todo:
            return []
        if self.scheduler == "serial" or (self.scheduler == "local" and len(todo) < 2):
            cores = min(self.options["chains"], self._cpus)
            return _serial(
                lambda s, extra: run_setting(
                    self.trial, self.spec, s, **self.options, cores=cores, **extra
                ),
                todo,
                self.progress,
            )
        client = self._connect(len(todo))
        trial_f, spec_f = self._scatter(client)
        token = uuid.uuid4().hex[:8]
        futures = [
            client.submit(
                run_setting,
                trial_f,
                spec_f,
                s,
                **self.options,
                cores=1,
                **extra,
                pure=False,
                key=f"sweep-{token}-{s.name}",
            )
            for s, extra in todo
        ]
        from distributed import as_completed
        from tqdm.auto import tqdm

        bar = tqdm(total=len(futures), desc="prior sweep", disable=not self.progress)
        for _ in as_completed(futures):
            bar.update()
        bar.close()
        return client.gather(futures)

    def _connect(self, n_tasks: int) -> Any:
        if self._client is not None:
            return self._client
        from distributed import Client, LocalCluster

        if self._remote:
            try:
                self._client = Client(self.scheduler, timeout=30)
            except OSError as err:
                raise SpecError(
                    f"cannot reach the Dask scheduler {self.scheduler!r}: {err}"
                ) from err
            return self._client
        self.n_workers = self.workers or min(n_tasks, self._cpus)
        self._cluster = LocalCluster(
            n_workers=self.n_workers,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        self._client = Client(self._cluster)
        return self._client

    def _scatter(self, client: Any) -> list[Any]:
        if self._scattered is None:
            self._scattered = client.scatter([self.trial, self.spec], broadcast=True, hash=False)
        return self._scattered

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _serial(
    task: Callable[[SweepSetting, dict[str, Any]], dict[str, Any]],
    todo: Sequence[tuple[SweepSetting, dict[str, Any]]],
    progress: bool,
) -> list[dict[str, Any]]:
    from tqdm.auto import tqdm

    return [task(s, extra) for s, extra in tqdm(todo, desc="prior sweep", disable=not progress)]


def _check(
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    workers: int | None,
    k_max: float,
    min_ess: float | None,
) -> None:
    checks.check_sampling(draws=draws, tune=tune, chains=chains, seed=seed)
    if workers is not None:
        checks.WORKERS.check(workers, "workers")
    checks.POSITIVE.check(k_max, "k_max")
    if min_ess is not None:
        checks.ESS_MIN.check(min_ess, "min_ess")
