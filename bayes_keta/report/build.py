"""Orchestrate a report: choose the output directory, fit the specs, collect, render, write.

Output layout (``DIR``)::

    DIR/report.html          one self-contained HTML file
    DIR/report.md            its Markdown twin
    DIR/summary.json         summary.json of the main spec (schema bayes_keta.summary/1)
    DIR/fits/<spec>/         posterior.nc + summary.json per fitted spec

A non-empty ``DIR`` is never overwritten silently: :func:`prepare_out_dir` refuses
(:class:`~bayes_keta.exceptions.OutputError`) unless ``force``, and says so when it does; it
also refuses, before any sampling, a ``DIR`` that cannot be written. Everything is written
into a hidden staging folder and published at once when complete
(:func:`bayes_keta.outputs.staged_folder`): an interrupted or failed report leaves nothing
behind. Without ``DIR`` the report goes to ``reports/<data-name>-<timestamp>/`` and the
symlink ``reports/latest`` is pointed at it once the report is complete.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bayes_keta import checks
from bayes_keta.constants import DEFAULT_MAIN_SPEC, DEFAULT_SPECS
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import ConvergenceError, SpecError
from bayes_keta.fitting.result import FitResult
from bayes_keta.outputs import atomic_write, check_writable, refuse_existing, staged_folder
from bayes_keta.report.collect import GateThresholds, ReportData, collect
from bayes_keta.report.render import render_html, render_markdown
from bayes_keta.report.sections import assemble
from bayes_keta.stages import stage

__all__ = [
    "DEFAULT_SPECS",
    "REPORTS_ROOT",
    "ReportOutcome",
    "build_report",
    "default_specs",
    "fit_specs",
    "prepare_out_dir",
    "update_latest",
    "write_report",
]

#: Default parent of report directories (git-ignored).
REPORTS_ROOT = Path("reports")

HTML_FILE, MD_FILE, SUMMARY_FILE, FITS_DIR = "report.html", "report.md", "summary.json", "fits"


@dataclass(frozen=True)
class ReportOutcome:
    """What :func:`build_report` wrote.

    Attributes
    ----------
    out_dir : Path
        The report directory.
    html, markdown, summary : Path
        The files.
    fits : dict of str to Path
        Per-spec fit directories.
    passed : bool
        Whether every spec passed the diagnostics gate.
    failures : tuple of str
        ``"<spec>: <failure>"`` for every failed check.
    messages : tuple of str
        What was done (overwrites, the ``latest`` link, timings).
    data : ReportData
        The collected results.
    """

    out_dir: Path
    html: Path
    markdown: Path
    summary: Path
    fits: dict[str, Path]
    passed: bool
    failures: tuple[str, ...]
    messages: tuple[str, ...]
    data: ReportData


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


def prepare_out_dir(
    out_dir: str | Path | None,
    *,
    data_name: str,
    force: bool = False,
    root: str | Path = REPORTS_ROOT,
    now: datetime | None = None,
) -> tuple[Path, tuple[str, ...], bool]:
    """Decide the output directory; refuse a non-empty one unless ``force``.

    Parameters
    ----------
    out_dir : str, Path or None
        Requested directory; None means ``<root>/<data_name>-<YYYYmmdd-HHMMSS>``.
    data_name : str
        Name of the data set (default directory name).
    force : bool
        Allow writing into a non-empty directory (existing report files are replaced).
    root : str or Path
        Parent of default directories.
    now : datetime, optional
        Time stamp (default: now).

    Returns
    -------
    (Path, tuple of str, bool)
        The directory (not yet created), messages to show, and whether it is a default one
        (then ``latest`` should be updated).

    Raises
    ------
    OutputError
        The directory exists and is not empty (without ``force``), or is a file.
    """
    messages: list[str] = []
    is_default = out_dir is None
    if out_dir is None:
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        out = Path(root) / f"{data_name}-{stamp}"
    else:
        out = Path(out_dir)
    if out.is_dir() and any(out.iterdir()):
        refuse_existing(
            sorted(out.iterdir()),
            force=force,
            advice="a previous report? choose another --out or pass --force to replace its"
            " report files",
        )
        messages.append(f"--force: overwriting report files in the existing directory {out}")
    check_writable(out)
    return out, tuple(messages), is_default


def update_latest(out_dir: Path, *, root: str | Path = REPORTS_ROOT) -> Path:
    """Point ``<root>/latest`` at ``out_dir`` (a relative symlink, replaced atomically)."""
    root = Path(root)
    target = os.path.relpath(out_dir.resolve(), root.resolve())

    def link(tmp: Path) -> None:
        tmp.unlink()
        os.symlink(target, tmp)

    return atomic_write(root / "latest", link)


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


def _save_fit(fit: FitResult, out: Path, *, diagnostics: Any, command: str) -> Path:
    """Write posterior.nc + summary.json of one fit into ``out`` (inside the staging folder)."""
    from bayes_keta.fitting.io import write_fit_files

    write_fit_files(fit, out, command=command, diagnostics=diagnostics)
    return out


def _write_files(data: ReportData, folder: Path) -> dict[str, Any]:
    """Write the per-spec fits, the main summary.json and the report into ``folder``."""
    import shutil

    fits = {
        name: _save_fit(
            r.fit, folder / FITS_DIR / name, diagnostics=r.diagnostics, command=data.command
        )
        for name, r in data.results.items()
    }
    main_summary = folder / SUMMARY_FILE
    shutil.copyfile(fits[data.main] / SUMMARY_FILE, main_summary)
    report = assemble(data)
    html, md = folder / HTML_FILE, folder / MD_FILE
    atomic_write(html, lambda tmp: tmp.write_text(render_html(report), encoding="utf-8"))
    atomic_write(md, lambda tmp: tmp.write_text(render_markdown(report), encoding="utf-8"))
    return {"html": html, "markdown": md, "summary": main_summary, "fits": fits}


def _moved(paths: dict[str, Any], staging: Path, out: Path) -> dict[str, Any]:
    """Rebase the staged ``paths`` onto ``out``, where they are once published."""

    def move(p: Path) -> Path:
        return out / p.relative_to(staging)

    return {
        k: {n: move(p) for n, p in v.items()} if isinstance(v, dict) else move(v)
        for k, v in paths.items()
    }


def write_report(data: ReportData, out_dir: Path, *, force: bool = False) -> dict[str, Any]:
    """Render and write the report, the per-spec fits and the main ``summary.json``.

    Written into a staging folder and published at once when complete
    (:func:`bayes_keta.outputs.staged_folder`).

    Returns
    -------
    dict
        ``html``, ``markdown``, ``summary`` paths and ``fits`` (spec -> directory).

    Raises
    ------
    OutputError
        A report file exists without ``force``, or writing fails (then nothing is written).
    """
    out_dir = Path(out_dir)
    with staged_folder(out_dir, force=force) as tmp:
        paths = _write_files(data, tmp)
    return _moved(paths, tmp, out_dir)


def _run_sweep(
    trial: Trial,
    main_fit: FitResult,
    *,
    grid: str | Path,
    priors: Any,
    draws: int,
    tune: int,
    chains: int,
    seed: int | None,
    command: str,
    log: Callable[[str], None],
) -> Any:
    """Sweep the main spec's priors over ``grid`` (serial: the compiled model is reused)."""
    from bayes_keta.sweep import load_grid, prior_sweep

    log(f"prior-sensitivity sweep of '{main_fit.spec.name}' over grid {grid}...")
    kwargs = {} if seed is None else {"seed": seed}
    return prior_sweep(
        trial,
        main_fit.spec,
        grid=load_grid(grid),
        priors=priors,
        draws=draws,
        tune=tune,
        chains=chains,
        scheduler="serial",
        progress=False,
        command=command,
        **kwargs,
    )


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
        A ``bayes-keta sweep`` output directory to include.
    sweep_grid : str or Path, optional
        Run a prior-sensitivity sweep of the main spec over this grid (a name such as
        ``"default"`` or a grid TOML) after fitting, reusing the compiled model, save it under
        ``<out_dir>/sweep`` and include it (ignored when ``sweep_dir`` is given).
    force : bool
        Replace report files in a non-empty ``out_dir``.
    strict : bool
        Raise :class:`ConvergenceError` (after writing the report) when any spec fails the gate.
    command : str
        Command line recorded in the provenance.
    fits : mapping of spec name to FitResult, optional
        Already fitted results (no sampling).
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
        Invalid specs or ``main`` not among them.
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
    if sweep_dir is not None:
        from bayes_keta.report.sensitivity import read_sweep

        read_sweep(sweep_dir)  # fail before sampling
    elif sweep_grid is not None:
        from bayes_keta.sweep import load_grid

        load_grid(sweep_grid)  # fail before sampling
    if fits is None:
        fits, seconds = fit_specs(
            trial,
            specs,
            priors=priors,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            sampler=sampler,
            log=say,
        )
    else:
        fits, seconds = dict(fits), {}
    if main is None:
        main = DEFAULT_MAIN_SPEC if DEFAULT_MAIN_SPEC in fits else next(iter(fits))
    if main not in fits:
        raise SpecError(f"--main {main!r} is not among the fitted specs {list(fits)}")
    sweep = None
    if sweep_dir is None and sweep_grid is not None:
        sweep = _run_sweep(
            trial,
            fits[main],
            grid=sweep_grid,
            priors=priors,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            command=command,
            log=say,
        )
    with staged_folder(out, force=force) as tmp:
        if sweep is not None:  # written with the report, so that it is part of it
            sweep.save(tmp / "sweep", force=True)
            sweep_dir = tmp / "sweep"
        stage("checking")
        say("checking: diagnostics gate, PSIS-LOO, posterior predictive, power-scaling...")
        data = collect(
            trial,
            fits,
            main=main,
            gate=gate,
            seconds=seconds,
            command=command,
            sweep_dir=sweep_dir,
            out_dir=out,
            log=say,
        )
        if sweep is not None:
            data = dataclasses.replace(data, sweep_shown=out / "sweep")
        stage("writing")
        say("rendering the report...")
        paths = _write_files(data, tmp)
    paths = _moved(paths, tmp, out)
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
