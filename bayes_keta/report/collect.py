"""Everything a report shows, computed once from the fits: :func:`collect` -> ReportData.

Compute only (no figures, no HTML). Per fit: the diagnostics gate, PSIS-LOO, posterior
predictive summaries, the contrast table of every estimand, the contrast draws, the threshold
curve, the by-day summary and the carryover rows. For the report: the design summary, observed
means, the flow per sequence and period, the PSIS-LOO comparison, the main spec with and without
carryover, power-scaling of the main spec, the prior sweep (the run's result, or a ``--sweep``
folder read here once), the published-results reanalysis (the flagship trial only, unless
asked) and the assurance of the main fit (when asked). Sections that need more register a
collector in :data:`bayes_keta.report.sections.registry.SECTIONS`; its result is in
``ReportData.extras[section id]``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bayes_keta.data.design import design_summary
from bayes_keta.data.trial import Trial
from bayes_keta.estimands import by_day_summary
from bayes_keta.exceptions import BayesKetaError
from bayes_keta.fitting.result import FitResult
from bayes_keta.models import capabilities
from bayes_keta.plots import observed_means
from bayes_keta.report.data import (
    CarryoverCheck,
    GateThresholds,
    LooComparison,
    ReportData,
    SpecResult,
    SweepData,
)
from bayes_keta.report.loo import compare_pair, loo_comparison, loo_fit
from bayes_keta.report.ppc import posterior_predictive_checks
from bayes_keta.report.sensitivity import power_scaling, read_sweep

__all__ = [
    "CARRYOVER_MIN_PERIODS",
    "GateThresholds",
    "ReportData",
    "SpecResult",
    "carryover_variant",
    "collect",
    "collect_fit",
    "flow_table",
]

#: Periods a design needs before the report compares the main spec with a carryover variant:
#: with two, direct effects and carryover are separated by between-subject information only.
CARRYOVER_MIN_PERIODS: int = 3


def carryover_variant(spec: Any) -> Any:
    """Flip the carryover option of a spec and rename it for the report's comparison.

    ``<name>_carryover`` (or ``<name>_no_carryover``): the report fits it beside the main spec
    and compares the two by PSIS-LOO.

    Examples
    --------
    >>> from bayes_keta.spec import load_spec
    >>> variant = carryover_variant(load_spec("daily"))
    >>> variant.name, variant.carryover
    ('daily_carryover', True)
    """
    flipped = spec.with_options(carryover=not spec.carryover)
    suffix = "_carryover" if flipped.carryover else "_no_carryover"
    return dataclasses.replace(flipped, name=f"{spec.name}{suffix}")


def collect_fit(
    name: str,
    fit: FitResult,
    trial: Trial,
    *,
    gate: GateThresholds,
    ppc_seed: int,
    seconds: float | None = None,
    role: str = "fitted",
) -> SpecResult:
    """Compute everything the report shows about one fit (see :class:`SpecResult`).

    ``ppc_seed`` seeds the subset of replicated data sets of the predictive checks (the
    report gives each fit its position in the fitting order).
    """
    tree = fit.datatree
    diag = fit.diagnostics(rhat_max=gate.rhat_max, ess_min=gate.ess_min, bfmi_min=gate.bfmi_min)
    caps = capabilities(fit.spec)
    try:
        ppc, ppc_error = (
            posterior_predictive_checks(tree, trial, capabilities=caps, seed=ppc_seed),
            None,
        )
    except KeyError as err:
        ppc, ppc_error = None, str(err).strip("'\"")
    draws = fit.contrast_draws()
    contrasts = fit_table(fit, draws)
    return SpecResult(
        name=name,
        fit=fit,
        diagnostics=diag,
        loo=loo_fit(name, tree, capabilities=caps),
        ppc=ppc,
        capabilities=caps,
        contrasts=contrasts,
        draws=draws,
        threshold_curve=_threshold_curve(fit, draws),
        by_day=by_day_summary(fit.by_day()),
        carryover=fit.carryover(),
        constant_over_day=bool(draws.attrs.get("constant_over_day")),
        role=role,
        ppc_error=ppc_error,
        seconds=seconds,
    )


def fit_table(fit: FitResult, draws: Any) -> pd.DataFrame:
    """Tabulate every estimand from the fit's draws (no gate warning: the report says it)."""
    from bayes_keta.estimands import contrast_table

    return contrast_table(draws, outcome=fit.outcome)


def _threshold_curve(fit: FitResult, draws: Any) -> pd.DataFrame:
    from bayes_keta.estimands import threshold_curve

    curve = threshold_curve(draws, outcome=fit.outcome)
    curve.attrs = {"n_days": int(draws.attrs["n_days"])}
    return curve


def flow_table(trial: Trial) -> pd.DataFrame:
    """Participants per sequence and period: allocated, present, analysed, readings.

    The crossover CONSORT flow (Dwan et al. 2019) as far as the data file can say: only
    subjects present in the data are counted.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> flow_table(bk.ketapain_synthetic()).columns.tolist()[:4]
    ['sequence', 'period', 'treatment', 'allocated']
    """
    cells = trial.cells.copy()
    if "sequence" in trial.data:
        seq = trial.data.groupby("subject", sort=False)["sequence"].first().astype(str)
    else:
        ordered = cells.sort_values(["subject", "period"])
        seq = ordered.groupby("subject", sort=False)["treatment"].agg("-".join)
    cells["sequence"] = cells["subject"].map(seq)
    allocated = cells.groupby("sequence")["subject"].nunique()
    rows = []
    for (sequence, period), sub in cells.groupby(["sequence", "period"], sort=True):
        rows.append(
            {
                "sequence": sequence,
                "period": int(period),
                "treatment": ", ".join(sorted(set(sub["treatment"]))),
                "allocated": int(allocated[sequence]),
                "present": int(sub["subject"].nunique()),
                "analysed": int((sub["n_obs"] > 0).sum()),
                "readings observed": int(sub["n_obs"].sum()),
                "readings expected": int(len(sub) * trial.n_days),
            }
        )
    return pd.DataFrame(rows)


def _replicated(trial: Trial) -> bool:
    return bool(trial.cells.groupby(["subject", "treatment"]).size().max() > 1)


def _carryover_check(
    trial: Trial, results: Mapping[str, SpecResult], main: str, variant: str | None
) -> CarryoverCheck:
    n_periods = len(trial.periods)
    if n_periods < CARRYOVER_MIN_PERIODS:
        return CarryoverCheck(
            f"The design has {n_periods} periods: a carryover term would be separated from the"
            " direct treatment effects by between-subject information alone, so the main model"
            " is not compared with a carryover variant."
        )
    if variant is None or variant not in results:
        return CarryoverCheck(
            f"No carryover variant of '{main}' was fitted (the report fits one when it samples"
            " the specs itself)."
        )
    first, second = results[main], results[variant]
    table, notes = compare_pair(first.loo, second.loo)
    with_c, without = (variant, main) if second.fit.spec.carryover else (main, variant)
    return CarryoverCheck(
        f"'{main}' was refitted with its carryover option flipped ('{variant}') and the two are"
        " compared by PSIS-LOO on the same readings.",
        without=without,
        with_carryover=with_c,
        comparison=LooComparison(table, notes),
    )


def _published(trial: Trial, wanted: bool | None) -> tuple[Any, str | None]:
    if not (trial.flagship if wanted is None else wanted):
        return None, None
    from bayes_keta.published import reanalyse_published

    try:
        return reanalyse_published(), None
    except BayesKetaError as err:
        return None, str(err)


def _assurance(
    fit: FitResult, sizes: Sequence[int] | None, seed: int | None, command: str
) -> tuple[Any, str | None]:
    if not sizes:
        return None, None
    from bayes_keta.planning import assurance

    options: dict[str, Any] = {} if seed is None else {"seed": seed}
    try:
        result = assurance(fit, n=sizes, scheduler="serial", command=command, **options)
    except BayesKetaError as err:
        return None, str(err)
    return result, None


def collect(
    trial: Trial,
    fits: Mapping[str, FitResult],
    *,
    main: str,
    gate: GateThresholds | None = None,
    seconds: Mapping[str, float] | None = None,
    command: str = "python API",
    sweep: Any = None,
    sweep_dir: str | Path | None = None,
    sweep_location: Path | None = None,
    published: bool | None = None,
    assurance_sizes: Sequence[int] | None = None,
    carryover: str | None = None,
    seed: int | None = None,
    out_dir: str | Path | None = None,
    log: Callable[[str], None] | None = None,
    harm_weights: Sequence[float] | None = None,
    adverse_events: bool = True,
) -> ReportData:
    """Compute everything the report shows (see the module docstring).

    Parameters
    ----------
    trial : Trial
        The fitted data.
    fits : mapping of spec name to FitResult
        The fits (the report's own carryover variant included).
    main : str
        The main spec (must be in ``fits``).
    gate : GateThresholds, optional
        Gate thresholds.
    seconds : mapping, optional
        Wall time of each fit.
    command : str
        Command line recorded in the provenance.
    sweep : SweepResult or pandas.DataFrame, optional
        A prior sweep run with the report (its result object).
    sweep_dir : str or Path, optional
        A ``bayes-keta sweep`` output folder to include (read here once; ignored with
        ``sweep``).
    sweep_location : Path, optional
        Where the report says the sweep's files are (default ``sweep_dir``).
    published : bool, optional
        Include the published-results reanalysis (default: only for the flagship trial).
    assurance_sizes : sequence of int, optional
        Run the assurance of the main fit for these next-trial sizes.
    carryover : str, optional
        Name of the report's carryover variant of the main spec among ``fits``.
    seed : int, optional
        Seed of the assurance simulations.
    out_dir : str or Path, optional
        Where the report is written.
    log : callable, optional
        Progress messages.
    harm_weights : sequence of float, optional
        Net-benefit weights for the benefit-and-harm section (``--harm-weight``).
    adverse_events : bool
        Fit the adverse-event model beside the main spec when the data have adverse events.

    Returns
    -------
    ReportData

    Raises
    ------
    KeyError
        ``main`` is not among the fits.
    OutputError
        ``sweep_dir`` has no readable ``sweep.csv``.
    """
    if main not in fits:
        raise KeyError(f"main spec {main!r} was not fitted (fitted: {list(fits)})")
    gate = gate or GateThresholds()
    say = log or (lambda _msg: None)
    results: dict[str, SpecResult] = {}
    for k, (name, fit) in enumerate(fits.items()):
        t0 = time.perf_counter()
        results[name] = collect_fit(
            name,
            fit,
            trial,
            gate=gate,
            ppc_seed=k,
            seconds=None if seconds is None else seconds.get(name),
            role="carryover check" if name == carryover else "fitted",
        )
        verdict = "passed" if results[name].passed else "FAILED"
        say(f"  {name}: diagnostics {verdict}; checks in {time.perf_counter() - t0:.1f} s")
    main_fit = fits[main]
    if sweep is not None:
        table = sweep.table if hasattr(sweep, "table") else sweep
        sweep_data = SweepData(table, sweep_location)
    elif sweep_dir is not None:
        sweep_data = SweepData(read_sweep(sweep_dir)[0], sweep_location or Path(sweep_dir))
    else:
        sweep_data = None
    pub, pub_error = _published(trial, published)
    assured, assurance_error = _assurance(main_fit, assurance_sizes, seed, command)
    data = ReportData(
        trial=trial,
        outcome=main_fit.outcome,
        design=design_summary(trial),
        observed=observed_means(trial),
        flow=flow_table(trial),
        replicated=_replicated(trial),
        results=results,
        main=main,
        gate=gate,
        psense=power_scaling(main_fit.datatree, model=main_fit.model),
        loo=LooComparison(
            *loo_comparison({n: r.loo for n, r in results.items()}, outcome=main_fit.outcome)
        ),
        carryover_check=_carryover_check(trial, results, main, carryover),
        sweep=sweep_data,
        published=pub,
        published_error=pub_error,
        assurance=assured,
        assurance_error=assurance_error,
        harm_weights=None if harm_weights is None else tuple(float(w) for w in harm_weights),
        adverse_events=adverse_events,
        command=command,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        out_dir=None if out_dir is None else Path(out_dir),
    )
    return dataclasses.replace(data, extras=_extras(data))


def _extras(data: ReportData) -> dict[str, Any]:
    """Run the collectors the registered sections declare."""
    from bayes_keta.report.sections.registry import SECTIONS

    return {s.id: s.collect(data) for s in SECTIONS if s.collect is not None}
