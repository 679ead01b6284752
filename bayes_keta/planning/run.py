"""``bk.assurance``: the probability that a next crossover trial succeeds, given a fit.

Assurance (O'Hagan, Stevens & Campbell, Pharm Stat 2005;4:187-201) is the power of a future
trial averaged over a design prior: here the fit's posterior (:mod:`.prior`). For each sample
size ``n`` and each of ``sims`` simulated trials: one posterior draw of the effects and
variance components, a trial of ``n`` subjects in the chosen design (:mod:`.design`)
simulated from the fitted Gaussian model (:mod:`.simulate`), analysed on its own data under
the analysis prior (:mod:`.analysis_prior`, :mod:`.analyse`), and called a success when
``P(benefit beyond threshold) > prob`` for a contrast (and, as a preset, ``P(benefit) >
0.975``). The assurance of a contrast is its fraction of successes, with a Clopper-Pearson
interval for the Monte Carlo error.

Scheduling (``scheduler``, as for :func:`bayes_keta.prior_sweep`): the simulations are split
into tasks of :data:`~bayes_keta.constants.ASSURANCE_CHUNK` trials (:mod:`.tasks`), run in
this process (``"serial"``), on a ``dask.distributed.LocalCluster`` of threads (``"local"``,
the default) or on a running Dask cluster (an address, ``tcp://host:8786``; its workers need
this version of bayes_keta installed). A task's random numbers depend on ``(seed, n, task)``
only and the chunk size is fixed, so every schedule gives the same numbers.

``exact=k`` (``--exact K``) also analyses the first ``k`` simulated trials per ``n`` (their
own seed stream) with full NUTS (:mod:`.exact`): readings simulated in full, the fitted spec
under the same analysis priors, :func:`bayes_keta.fit`; the fast analysis of the same
readings is reported beside it.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from bayes_keta import checks
from bayes_keta.constants import (
    ASSURANCE_CHUNK,
    ASSURANCE_DESIGNS,
    ASSURANCE_EXACT_CHAINS,
    ASSURANCE_EXACT_DRAWS,
    ASSURANCE_EXACT_TUNE,
    ASSURANCE_PROB,
    ASSURANCE_SIMS,
    ASSURANCE_THRESHOLD,
    DEFAULT_SEED,
)
from bayes_keta.exceptions import SpecError
from bayes_keta.models.scaling import PriorScaling
from bayes_keta.outcome import Outcome
from bayes_keta.planning.analyse import success_rules, within_plan
from bayes_keta.planning.analysis_prior import FLAT, analysis_prior
from bayes_keta.planning.design import future_designs
from bayes_keta.planning.output import AssuranceResult, assurance_table
from bayes_keta.planning.prior import DesignPrior, design_prior_from_fit
from bayes_keta.planning.record import build_record
from bayes_keta.planning.tasks import TaskSetup, run_task, task_sizes
from bayes_keta.spec import PriorsArg
from bayes_keta.stages import reporter

__all__ = [
    "DESIGN_PRIORS",
    "SCHEDULERS",
    "assurance",
    "check_sizes",
    "check_threshold",
    "default_threshold",
]

#: Named schedulers (anything else is taken as a Dask scheduler address).
SCHEDULERS: tuple[str, ...] = ("local", "serial")
#: Design priors: the posterior draws, or their means.
DESIGN_PRIORS: tuple[str, ...] = ("posterior", "point")


def check_sizes(n: int | Iterable[int]) -> tuple[int, ...]:
    """Sample sizes, ascending and distinct; each an integer >= 2.

    Examples
    --------
    >>> check_sizes([24, 12, 24])
    (12, 24)
    >>> check_sizes(1)
    Traceback (most recent call last):
    ...
    bayes_keta.exceptions.SpecError: n must be an integer >= 2 (a crossover trial of at least \
two subjects), got 1
    """
    values = [n] if isinstance(n, int | np.integer) else list(n)
    if not values:
        raise SpecError("n must list at least one sample size")
    for value in values:
        checks.TRIAL_SIZE.check(value, "n")
    return tuple(sorted({int(v) for v in values}))


def check_threshold(threshold: object, outcome: Outcome | None) -> float:
    """Check a size of benefit (>= 0, outcome units); its direction comes from the outcome.

    ``outcome`` words the message (None: not known yet, e.g. before a fit folder is read).

    Examples
    --------
    >>> check_threshold(1, Outcome.nrs_0_10())
    1.0
    >>> check_threshold(-1.0, Outcome.nrs_0_10())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayes_keta.exceptions.SpecError: threshold must be >= 0, got -1.0: it is the size of the \
benefit in points; lower pain is better ...
    """
    if checks.BENEFIT_SIZE.problem(threshold) is None:
        return float(threshold)  # type: ignore[arg-type]
    if outcome is None:
        raise SpecError(
            f"threshold must be >= 0, got {threshold!r}: it is the size of the benefit in the"
            " outcome's units; its direction comes from the outcome"
        )
    raise SpecError(
        f"threshold must be >= 0, got {threshold!r}: it is the size of the benefit in"
        f" {outcome.units}; {outcome.better} {outcome.noun} is better (the outcome's"
        f" direction), so a benefit of 1 {outcome.units} is threshold 1"
    )


def default_threshold(scaling: PriorScaling) -> float:
    """Return the default benefit size: one NRS point on the outcome's scale (outcome units).

    Parameters
    ----------
    scaling : PriorScaling
        The fit's prior scaling (outcome units per NRS point).

    Returns
    -------
    float
        ``ASSURANCE_THRESHOLD * scaling.factor``, rounded to 3 significant digits.

    Examples
    --------
    >>> default_threshold(PriorScaling.identity())
    1.0
    """
    return float(f"{ASSURANCE_THRESHOLD * scaling.factor:.3g}")


def assurance(
    fit: Any,
    *,
    n: int | Sequence[int],
    design: str = "williams",
    threshold: float | None = None,
    prob: float = ASSURANCE_PROB,
    sims: int = ASSURANCE_SIMS,
    seed: int = DEFAULT_SEED,
    design_prior: str = "posterior",
    analysis_priors: PriorsArg = None,
    outcome: Outcome | None = None,
    exact: int = 0,
    exact_draws: int = ASSURANCE_EXACT_DRAWS,
    exact_tune: int = ASSURANCE_EXACT_TUNE,
    exact_chains: int = ASSURANCE_EXACT_CHAINS,
    scheduler: str = "local",
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    command: str | None = None,
) -> AssuranceResult:
    """Assurance of a next crossover trial of each size ``n``, from a fit.

    Parameters
    ----------
    fit : str, Path, fit or DesignPrior
        A fit folder (``bayes-keta fit --out DIR``), a fit object, or a design prior.
    n : int or sequence of int
        Subjects of the next trial (each >= 2; designs may need more, said up front).
    design : {"williams", "2x2", "same"}
        Future design (:mod:`bayes_keta.planning.design`).
    threshold : float, optional
        Size of the benefit to detect, >= 0, in the outcome's units (direction from
        ``outcome``). Default: :data:`~bayes_keta.constants.ASSURANCE_THRESHOLD` (one 0-10
        NRS point) put on the fit's outcome by the fit's own prior scaling (a 0-100 VAS: 10
        mm), the rule that put its NRS-point priors there (:func:`default_threshold`).
    prob : float
        Posterior probability the benefit must exceed, in (0, 1).
    sims : int
        Simulated trials per ``n``.
    seed : int
        Base seed (task seeds derive from ``(seed, n, task)``).
    design_prior : {"posterior", "point"}
        Posterior draws, or posterior means (classical power).
    analysis_priors : str, Path, dict, list or None
        Priors of the next trial's analysis: the spec's defaults (None), prior sets or
        overrides as for :func:`bayes_keta.fit`, or ``"flat"``.
    outcome : Outcome, optional
        Direction, units and bounds (default: the fit's outcome; a design prior's, the
        0-10 NRS unless it says otherwise).
    exact : int
        Simulated trials per ``n`` also analysed with full NUTS (0: none).
    exact_draws, exact_tune, exact_chains : int
        NUTS settings of those fits.
    scheduler : str
        ``"local"``, ``"serial"`` or a Dask scheduler address.
    workers : int, optional
        Local Dask workers (default ``min(tasks, cores)``).
    progress : callable, optional
        Receives stage descriptions (the CLI shows them).
    command : str, optional
        Command line, for the provenance.

    Returns
    -------
    AssuranceResult

    Raises
    ------
    SpecError
        Invalid settings (checked before anything runs), or a spec or design assurance
        cannot handle.
    DataError
        ``fit`` is not a fit folder.

    Examples
    --------
    >>> prior = DesignPrior.from_values(effects={"ketamine": -1.0}, sigma=1.5,
    ...                                 sigma_subject_period=1.0, n_days=35)
    >>> res = assurance(prior, n=[12, 24], design="2x2", sims=400, scheduler="serial")
    >>> res.table[["n", "active", "rule", "assurance"]].shape
    (4, 4)
    """
    enter = reporter(progress)
    enter("validating", "checking the settings")
    sizes = check_sizes(n)
    if threshold is not None:
        threshold = check_threshold(threshold, outcome or getattr(fit, "outcome", None))
    checks.PROBABILITY.check(prob, "prob")
    checks.SIMS.check(sims, "sims")
    checks.SEED.check(seed, "seed")
    checks.EXACT_SIMS.check(exact, "exact")
    if exact:
        checks.check_sampling(draws=exact_draws, tune=exact_tune, chains=exact_chains)
    if workers is not None:
        checks.WORKERS.check(workers, "workers")
    if design not in ASSURANCE_DESIGNS:
        raise SpecError(f"design must be one of {', '.join(ASSURANCE_DESIGNS)}, got {design!r}")
    if design_prior not in DESIGN_PRIORS:
        raise SpecError(f"design_prior must be 'posterior' or 'point', got {design_prior!r}")
    if scheduler not in SCHEDULERS and ":" not in scheduler:
        raise SpecError(
            f"scheduler must be 'local', 'serial' or a Dask address (tcp://host:port),"
            f" got {scheduler!r}"
        )
    enter("reading", "reading the fit (design prior)")
    prior = fit if isinstance(fit, DesignPrior) else design_prior_from_fit(fit)
    if design_prior == "point":
        prior = prior.point()
    outcome = outcome or prior.outcome
    if threshold is None:
        threshold = default_threshold(prior.scaling)
    designs = tuple(
        future_designs(
            design,
            treatments=prior.treatments,
            reference=prior.reference,
            n_days=prior.n_days,
            fitted_sequences=prior.sequences,
        )
    )
    for size in sizes:
        for d in designs:
            within_plan(d, size)  # refuse a size the analysis cannot handle, before running
    aprior = analysis_prior(prior.spec, analysis_priors, n_days=prior.n_days, scaling=prior.scaling)
    if exact and aprior.kind == FLAT:
        raise SpecError("--exact fits NUTS, which needs proper analysis priors, not 'flat'")
    rules = success_rules(threshold, prob)
    setup = TaskSetup(
        mean_effect=prior.mean_effect,
        cell_sd=np.sqrt(prior.cell_variance),
        actives=prior.actives,
        designs=designs,
        rules=rules,
        prior=aprior,
        sign=outcome.benefit_sign,
        seed=seed,
    )
    jobs = [(s, t, size) for s in sizes for t, size in enumerate(task_sizes(sims, ASSURANCE_CHUNK))]
    n_workers = workers or min(len(jobs), os.cpu_count() or 1)
    enter("simulating", f"simulating {sims} trials x {len(sizes)} sizes ({len(jobs)} tasks)")
    start = time.perf_counter()
    if scheduler == "serial":
        outputs = [run_task(setup, *job) for job in jobs]
    else:
        outputs = _dask(setup, jobs, scheduler, n_workers)
    seconds = time.perf_counter() - start
    table = assurance_table(outputs, jobs, setup, outcome=outcome, design_prior=prior.kind)
    exact_table = None
    if exact:
        from bayes_keta.planning.exact import exact_check

        enter("exact", f"full NUTS analysis of {exact} simulated trials per size")
        exact_table = exact_check(
            prior,
            designs,
            sizes,
            k=exact,
            seed=seed,
            setup=setup,
            analysis_priors=analysis_priors,
            outcome=outcome,
            settings={"draws": exact_draws, "tune": exact_tune, "chains": exact_chains},
        )
    run = {
        "sizes": list(sizes),
        "sims": sims,
        "seed": seed,
        "seed_rule": "numpy.random.SeedSequence([seed, stream, n, task]); stream 0: fast"
        " tasks, 1: --exact trials",
        "chunk": ASSURANCE_CHUNK,
        "tasks": len(jobs),
        "scheduler": scheduler,
        "workers": None if scheduler == "serial" else n_workers,
        "seconds": round(seconds, 3),
        "analyses_per_minute": round(60.0 * sims * len(sizes) * len(designs) / seconds),
    }
    record = build_record(
        prior=prior,
        setup=setup,
        outcome=outcome,
        run=run,
        table=table,
        exact=exact_table,
        exact_settings={"draws": exact_draws, "tune": exact_tune, "chains": exact_chains},
        analysis_priors=analysis_priors,
        command=command,
    )
    return AssuranceResult(table=table, exact=exact_table, record=record, outcome=outcome)


def _dask(
    setup: TaskSetup, jobs: list[tuple[int, int, int]], scheduler: str, n_workers: int
) -> list[dict[str, Any]]:
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler == "local":
        with warnings.catch_warnings():  # "Port 8787 is already in use": another cluster's
            warnings.filterwarnings("ignore", message="Port .* is already in use")
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
        setup_f = client.scatter(setup, broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        futures = [
            client.submit(run_task, setup_f, *job, pure=False, key=f"assurance-{token}-{i}")
            for i, job in enumerate(jobs)
        ]
        try:
            return client.gather(futures)
        except ImportError as err:  # a worker without this package
            raise SpecError(
                f"the Dask workers of {scheduler!r} cannot import bayes_keta ({err}); install"
                " this version of bayes_keta where the workers run"
            ) from err
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
