"""Orchestrate a report: check the outputs, fit the specs, sweep, collect, write.

:func:`build_report` checks everything it can before sampling (the output directory, a sweep
folder or grid, assurance sizes), fits the specs (:func:`fit_specs`) plus the main spec with its
carryover flipped (when the design has at least three periods), runs a prior sweep when asked,
collects every number once (:func:`bayes_keta.report.collect.collect`) and writes the report
(:mod:`bayes_keta.report.output`: layout, staging, the ``latest`` link).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bayes_keta import checks
from bayes_keta.constants import DEFAULT_MAIN_SPEC, DEFAULT_SPECS
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import ConvergenceError, SpecError
from bayes_keta.fitting.result import FitResult
from bayes_keta.outputs import staged_folder
from bayes_keta.report.collect import CARRYOVER_MIN_PERIODS, carryover_variant, collect
from bayes_keta.report.data import GateThresholds
from bayes_keta.report.output import (
    REPORTS_ROOT,
    ReportOutcome,
    moved,
    prepare_out_dir,
    update_latest,
    write_files,
)
from bayes_keta.stages import stage

__all__ = ["DEFAULT_SPECS", "build_report", "default_specs", "fit_specs"]


def default_specs() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the :data:`DEFAULT_SPECS` present in the models directory, and the missing ones.

    Examples
    --------
    >>> present, missing = default_specs()
    >>> "daily" in present
    True
    """
    from bayes_keta.spec import available_models

    available = set(available_models())
    present = tuple(s for s in DEFAULT_SPECS if s in available)
    return present, tuple(s for s in DEFAULT_SPECS if s not in available)


def fit_specs(
    trial: Trial,
    specs: Sequence[str | Path],
    *,
    priors: Any = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    sampler: str | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[dict[str, FitResult], dict[str, float]]:
    """Fit each spec with :func:`bayes_keta.fitting.fit`; return fits and wall times by name.

    Specs are validated (loaded) before any sampling, so a typo fails in seconds.

    Raises
    ------
    SpecError
        Unknown or invalid spec, duplicated spec names.
    """
    from bayes_keta.fitting import fit
    from bayes_keta.spec import load_spec

    say = log or (lambda _msg: None)
    loaded = [load_spec(s) for s in specs]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise SpecError(f"spec names must be unique in one report, got {names}")
    options: dict[str, Any] = {"priors": priors, "draws": draws, "tune": tune, "chains": chains}
    if seed is not None:
        options["seed"] = seed
    if sampler is not None:
        options["sampler"] = sampler
    fits: dict[str, FitResult] = {}
    seconds: dict[str, float] = {}
    for k, spec in enumerate(loaded, start=1):
        t0 = time.perf_counter()
        say(f"fitting '{spec.name}', spec {k} of {len(loaded)} ({chains} chains x {draws} draws)")
        fits[spec.name] = fit(trial, spec, **options)
        seconds[spec.name] = time.perf_counter() - t0
        left = len(loaded) - k  # ETA: the mean time per spec so far, times the specs left
        eta = f"; about {sum(seconds.values()) / k * left:.0f} s left" if left else ""
        say(f"'{spec.name}' fitted in {seconds[spec.name]:.1f} s{eta}")
    return fits, seconds


def _run_sweep(
    trial: Trial,
    main_fit: FitResult,
    *,
    grid: str | Path,
    options: Mapping[str, Any],
    command: str,
    log: Callable[[str], None],
) -> Any:
    """Sweep the main spec's priors over ``grid`` (serial: the compiled model is reused)."""
    from bayes_keta.sweep import load_grid, prior_sweep

    log(f"prior-sensitivity sweep of '{main_fit.spec.name}' over grid {grid}...")
    kwargs = {k: v for k, v in options.items() if k in ("priors", "draws", "tune", "chains")}
    if options.get("seed") is not None:
        kwargs["seed"] = options["seed"]
    return prior_sweep(
        trial,
        main_fit.spec,
        grid=load_grid(grid),
        scheduler="serial",
        progress=False,
        command=command,
        **kwargs,
    )


def _check_before_sampling(
    trial: Trial,
    sweep_dir: str | Path | None,
    sweep_grid: str | Path | None,
    assurance: Sequence[int] | None,
) -> tuple[int, ...] | None:
    """Fail in seconds on a bad sweep folder, grid or outcome, or bad assurance sizes."""
    if sweep_dir is not None:
        from bayes_keta.report.sensitivity import read_sweep

        read_sweep(sweep_dir)
    elif sweep_grid is not None:
        from bayes_keta.sweep import load_grid
        from bayes_keta.sweep.run import check_sweep_outcome

        check_sweep_outcome(trial)
        load_grid(sweep_grid)
    if not assurance:
        return None
    from bayes_keta.planning.run import check_sizes

    return check_sizes(assurance)


def _with_carryover_check(
    trial: Trial, specs: Sequence[str | Path], main: str | None
) -> tuple[list[Any], str | None]:
    """Add the main spec with its carryover flipped to the specs, when the design allows."""
    from bayes_keta.spec import load_spec

    loaded = [load_spec(s) for s in specs]
    names = [s.name for s in loaded]
    main_spec = next((s for s in loaded if s.name == main), None) if main else None
    if main_spec is None:
        main_spec = (
            loaded[names.index(DEFAULT_MAIN_SPEC)]
            if DEFAULT_MAIN_SPEC in names
            else (loaded[0] if loaded else None)
        )
    if main_spec is None or len(trial.periods) < CARRYOVER_MIN_PERIODS:
        return loaded, None
    variant = carryover_variant(main_spec)
    if variant.name in names:
        return loaded, variant.name
    return [*loaded, variant], variant.name


def build_report(
    trial: Trial,
    specs: Sequence[str | Path] = DEFAULT_SPECS,
    *,
    out_dir: str | Path | None = None,
    main: str | None = None,
    priors: Any = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    sampler: str | None = None,
    gate: GateThresholds | None = None,
    sweep_dir: str | Path | None = None,
    sweep_grid: str | Path | None = None,
    published: bool | None = None,
    assurance: Sequence[int] | None = None,
    carryover_check: bool | None = None,
    harm_weights: Sequence[float] | None = None,
    adverse_events: bool = True,
    force: bool = False,
    strict: bool = False,
    command: str = "python API",
    fits: Mapping[str, FitResult] | None = None,
    root: str | Path = REPORTS_ROOT,
    log: Callable[[str], None] | None = None,
) -> ReportOutcome:
    """Fit the specs (or take given fits), check them, and write the report.

    Parameters
    ----------
    trial : Trial
        Validated data.
    specs : sequence of str or Path
        Spec names or TOML paths to fit (ignored when ``fits`` is given).
    out_dir : str or Path, optional
        Report directory (default ``reports/<data-name>-<timestamp>``, then ``reports/latest``
        points at it).
    main : str, optional
        Main spec (default: ``daily`` when fitted, else the first).
    priors : optional
        Prior sets / overrides for every spec (:func:`bayes_keta.spec.resolve_priors`).
    draws, tune, chains, seed, sampler
        Sampler settings (see :func:`bayes_keta.fitting.fit`).
    gate : GateThresholds, optional
        Diagnostics thresholds.
    sweep_dir : str or Path, optional
        A ``bayes-keta sweep`` output directory to include (read once).
    sweep_grid : str or Path, optional
        Run a prior-sensitivity sweep of the main spec over this grid (a name such as
        ``"default"`` or a grid TOML) after fitting, reusing the compiled model, save it under
        ``<out_dir>/sweep`` and include it (ignored when ``sweep_dir`` is given).
    published : bool, optional
        Include the KETAPAIN published-results reanalysis (default: only when the data are
        the embedded KETAPAIN-like trial, ``trial.flagship``).
    assurance : sequence of int, optional
        Also compute the assurance of a next trial of these sizes from the main fit
        (:func:`bayes_keta.assurance`) and include its section.
    carryover_check : bool, optional
        Fit the main spec with its carryover option flipped and compare the two by PSIS-LOO
        (default: when the report fits the specs itself and the design has at least three
        periods).
    harm_weights : sequence of float, optional
        Net-benefit weights of the benefit-and-harm section (outcome units per percentage
        point of adverse-event risk; default: illustrative weights, marked as such).
    adverse_events : bool
        When the data have an ``adverse_event`` column, fit the adverse-event model beside the
        main spec and report benefit and harm together (default True).
    force : bool
        Replace report files in a non-empty ``out_dir``.
    strict : bool
        Raise :class:`ConvergenceError` (after writing the report) when any spec fails the gate.
    command : str
        Command line recorded in the provenance.
    fits : mapping of spec name to FitResult, optional
        Already fitted results (no sampling, unless ``carryover_check=True``).
    root : str or Path
        Parent of default report directories.
    log : callable, optional
        Progress messages.

    Returns
    -------
    ReportOutcome

    Raises
    ------
    OutputError
        Non-empty ``out_dir`` without ``force`` (checked before any sampling).
    SpecError
        Invalid specs, ``main`` not among them, or invalid assurance sizes.
    ConvergenceError
        ``strict`` and a spec failed the gate (the report is written first).
    """
    say = log or (lambda _msg: None)
    checks.check_sampling(draws=draws, tune=tune, chains=chains, seed=seed)
    out, messages, is_default = prepare_out_dir(
        out_dir, data_name=trial.name, force=force, root=root
    )
    for m in messages:
        say(m)
    sizes = _check_before_sampling(trial, sweep_dir, sweep_grid, assurance)
    options: dict[str, Any] = {
        "priors": priors,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "seed": seed,
        "sampler": sampler,
    }
    check = fits is None if carryover_check is None else carryover_check
    variant = None
    if fits is None:
        to_fit, variant = _with_carryover_check(trial, specs, main) if check else (specs, None)
        fits, seconds = fit_specs(trial, to_fit, log=say, **options)
    else:
        fits, seconds = dict(fits), {}
        if check:
            main_name = main or (
                DEFAULT_MAIN_SPEC if DEFAULT_MAIN_SPEC in fits else next(iter(fits))
            )
            extra, variant = _with_carryover_check(trial, [fits[main_name].spec], main_name)
            more, more_seconds = fit_specs(trial, extra[1:], log=say, **options)
            fits.update(more)
            seconds.update(more_seconds)
    if main is None:
        main = DEFAULT_MAIN_SPEC if DEFAULT_MAIN_SPEC in fits else next(iter(fits))
    if main not in fits:
        raise SpecError(f"--main {main!r} is not among the fitted specs {list(fits)}")
    sweep = None
    if sweep_dir is None and sweep_grid is not None:
        sweep = _run_sweep(
            trial, fits[main], grid=sweep_grid, options=options, command=command, log=say
        )
    with staged_folder(out, force=force) as tmp:
        if sweep is not None:  # written with the report, so that it is part of it
            sweep.save(tmp / "sweep", force=True)
        stage("checking")
        say("checking: diagnostics gate, PSIS-LOO, posterior predictive, power-scaling...")
        data = collect(
            trial,
            fits,
            main=main,
            gate=gate,
            seconds=seconds,
            command=command,
            sweep=sweep,
            sweep_dir=sweep_dir,
            sweep_location=out / "sweep" if sweep is not None else None,
            published=published,
            assurance_sizes=sizes,
            carryover=variant,
            seed=seed,
            out_dir=out,
            log=say,
            harm_weights=harm_weights,
            adverse_events=adverse_events,
        )
        stage("writing")
        say("rendering the report...")
        paths = write_files(data, tmp)
    paths = moved(paths, tmp, out)
    notes = list(messages)
    if is_default:  # only now: the report is complete
        link = update_latest(out, root=root)
        notes.append(f"updated {link} -> {out.name}")
        say(notes[-1])
    failures = tuple(
        f"{name}: {f}" for name, r in data.results.items() for f in r.diagnostics.failures
    )
    outcome = ReportOutcome(
        out_dir=out,
        html=paths["html"],
        markdown=paths["markdown"],
        summary=paths["summary"],
        fits=paths["fits"],
        passed=data.passed,
        failures=failures,
        messages=tuple(notes),
        data=data,
    )
    if strict and not data.passed:
        raise ConvergenceError(
            f"diagnostics failed (report written to {paths['html']}): " + "; ".join(failures)
        )
    return outcome
