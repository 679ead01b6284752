"""A saved fit on disk: ``posterior.nc`` (the DataTree, record in its attrs) + ``summary.json``.

:func:`save_fit` writes both, checked and staged (nothing half-written); :func:`load_fit`
reopens them as a :class:`~bayes_keta.fitting.result.FitResult` after checking, through the
record, that they belong together.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import xarray as xr

from bayes_keta.diagnostics import Diagnostics
from bayes_keta.estimands import contrast_table
from bayes_keta.exceptions import OutputError
from bayes_keta.fitting.harms import adverse_events_mismatch
from bayes_keta.fitting.record import FitRecord
from bayes_keta.fitting.result import FitResult
from bayes_keta.netcdf import write_netcdf
from bayes_keta.outputs import atomic_write, check_writable, refuse_existing, staged_folder
from bayes_keta.summary import build_summary, read_summary, write_summary

__all__ = [
    "OUTPUT_FILES",
    "POSTERIOR_FILE",
    "SUMMARY_FILE",
    "check_outputs",
    "load_fit",
    "save_fit",
    "write_fit_files",
    "write_posterior",
]

POSTERIOR_FILE = "posterior.nc"
SUMMARY_FILE = "summary.json"
OUTPUT_FILES: tuple[str, str] = (POSTERIOR_FILE, SUMMARY_FILE)


def check_outputs(out_dir: str | Path, *, force: bool = False) -> dict[str, Path]:
    """Paths of a fit's outputs in ``out_dir``; refuse existing ones and unwritable folders.

    Call it before sampling so that a refusal costs nothing
    (:func:`bayes_keta.outputs.refuse_existing`, :func:`bayes_keta.outputs.check_writable`).

    Raises
    ------
    OutputError
        An output exists and ``force`` is False, or ``out_dir`` cannot be written (a file in
        the way, permissions, a full disk).

    Examples
    --------
    >>> import tempfile
    >>> sorted(check_outputs(tempfile.mkdtemp() + "/new"))
    ['posterior', 'summary']
    """
    out = Path(out_dir)
    paths = {"posterior": out / POSTERIOR_FILE, "summary": out / SUMMARY_FILE}
    refuse_existing(paths.values(), force=force)
    check_writable(out)
    return paths


def write_posterior(tree: xr.DataTree, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the whole DataTree to netCDF (h5netcdf engine), atomically.

    Raises
    ------
    OutputError
        The file exists and ``overwrite`` is False, or writing fails.
    """
    path = Path(path)
    refuse_existing([path], force=overwrite)
    try:
        return atomic_write(path, lambda tmp: write_netcdf(tree, tmp))
    except (ValueError, TypeError) as err:
        raise OutputError(f"cannot write {path}: {err}") from err


def write_fit_files(
    fit: FitResult,
    folder: str | Path,
    *,
    command: str | None = None,
    diagnostics: Diagnostics | None = None,
    blocks: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write ``summary.json`` (validated first) and ``posterior.nc`` into ``folder``.

    No staging: for writers that stage a larger folder themselves (the report, a fit with its
    adverse-event fit); use :func:`save_fit` otherwise. ``command`` replaces the record's
    command line in both files; ``blocks`` are optional summary blocks computed from other
    fits (:func:`bayes_keta.summary.build_summary`).
    """
    folder = Path(folder)
    record = fit.record.with_command(command)
    tree = fit.datatree.copy()  # shallow: the draws are shared, the attrs are this copy's
    tree.attrs = {**fit.datatree.attrs, **record.to_attrs()}
    summary = build_summary(fit, command=record.command, diagnostics=diagnostics, blocks=blocks)
    paths = {"posterior": folder / POSTERIOR_FILE, "summary": folder / SUMMARY_FILE}
    write_summary(summary, paths["summary"])  # validated first: fails fast
    write_posterior(tree, paths["posterior"])
    return paths


def save_fit(
    fit: FitResult,
    out_dir: str | Path,
    *,
    force: bool = False,
    command: str | None = None,
    diagnostics: Diagnostics | None = None,
) -> dict[str, Path]:
    """Write ``posterior.nc`` and ``summary.json`` into ``out_dir``, together or not at all.

    The summary is built and validated before anything is written; existing outputs are
    refused unless ``force``; both files are written into a staging folder and published at
    once (:func:`bayes_keta.outputs.staged_folder`).

    Parameters
    ----------
    fit : FitResult
        The fit.
    out_dir : str or Path
        The directory.
    force : bool
        Replace existing outputs.
    command : str, optional
        Command line recorded in both files (default: the record's).
    diagnostics : Diagnostics, optional
        The gate verdict to record (default: :attr:`FitResult.verdict`).

    Returns
    -------
    dict
        ``{"posterior": path, "summary": path}``.

    Raises
    ------
    OutputError
        Outputs exist without ``force``, the summary is invalid, or writing fails.
    """
    paths = check_outputs(out_dir, force=force)
    with staged_folder(out_dir, force=force) as tmp:
        write_fit_files(fit, tmp, command=command, diagnostics=diagnostics)
    return paths


def load_fit(path: str | Path, *, check: bool = True) -> FitResult:
    """Reopen a fit saved by :func:`save_fit` / ``FitResult.save`` / ``bayes-keta fit``.

    Parameters
    ----------
    path : str or Path
        The output directory (holding ``posterior.nc`` and ``summary.json``).
    check : bool
        Check that the two files belong together: the record in ``posterior.nc`` names the
        data (sha256) and spec (hash) ``summary.json`` describes, and the contrasts recomputed
        from the draws equal the stored ones.

    Returns
    -------
    FitResult
        Without a trial (``trial=None``), ``origin`` the directory; its verdict uses the gate
        thresholds ``summary.json`` recorded.

    Raises
    ------
    OutputError
        Missing or invalid files, a fit saved before the record existed, or files that do
        not belong together.
    """
    out = Path(path)
    nc, js = out / POSTERIOR_FILE, out / SUMMARY_FILE
    if not nc.exists():
        raise OutputError(f"no {POSTERIOR_FILE} in {out}")
    summary = read_summary(js)
    try:
        with xr.open_datatree(nc, engine="h5netcdf") as handle:
            tree = handle.load()
    except (OSError, ValueError) as err:
        raise OutputError(f"cannot read {nc}: {err}") from err
    try:
        record = FitRecord.from_attrs(tree.attrs)
    except OutputError as err:
        raise OutputError(f"{nc}: {err}") from err
    fit = FitResult(tree, record, origin=out)
    thresholds = summary["diagnostics"].get("thresholds") or {}
    fit._remember(gate={k: thresholds[k] for k in _GATE if k in thresholds})
    if check:
        _check_together(fit, summary, out)
    return fit


_GATE = ("rhat_max", "ess_min", "bfmi_min", "max_divergences")


def _check_together(fit: FitResult, summary: dict[str, Any], out: Path) -> None:
    record = fit.record
    stored = summary["data"]["sha256"]
    if record.data.sha256 != stored:
        raise OutputError(
            f"{out}: posterior.nc was fitted to data {record.data.sha256} but summary.json"
            f" describes data {stored}"
        )
    spec_hash = summary["model"].get("spec_hash")
    if spec_hash is not None and spec_hash != record.model.sha256:
        raise OutputError(
            f"{out}: posterior.nc was fitted with spec {record.model.sha256} but summary.json"
            f" describes spec {spec_hash}"
        )
    if not summary["contrasts"]:  # an adverse-event fit: its arm risks instead
        mismatch = adverse_events_mismatch(fit, summary.get("adverse_events") or {})
        if mismatch:
            raise OutputError(
                f"{out}: posterior.nc and summary.json do not belong together ({mismatch})"
            )
        return
    table = contrast_table(fit.datatree, reference=fit.reference, outcome=fit.outcome)
    table = table.set_index(["contrast", "estimand"])
    for item in summary["contrasts"]:
        key = (item.get("contrast", f"{item['active']} - {item['reference']}"), item["estimand"])
        if key not in table.index:
            raise OutputError(f"{out}: contrast {key} of summary.json not in posterior.nc")
        mean, value = float(table.loc[key, "mean"]), item["mean"]
        if value is None:
            continue
        if not math.isclose(mean, value, rel_tol=1e-6, abs_tol=1e-9):
            raise OutputError(
                f"{out}: posterior.nc and summary.json do not belong together"
                f" ({key}: {mean:.6g} vs {value:.6g})"
            )
