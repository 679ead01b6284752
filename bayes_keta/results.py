"""Glue between a fit and its results: contrasts, diagnostics, summary.json, save and reload.

:class:`ResultsMixin` gives any object with a ``.datatree`` (and, for :meth:`summary`, a
``.trial``, ``.spec``, ``.priors`` and ``.sampler_settings``) the methods ``contrasts()``,
``contrast_draws()``, ``contrast_summary()``, ``diagnostics()``, ``summary()`` and
``save(dir)``; :class:`bayes_keta.fitting.FitResult` inherits it. A saved fit is a directory
holding ``posterior.nc`` (the whole DataTree, netCDF4 via h5netcdf) and ``summary.json``
(schema ``bayes_keta.summary/1``); :func:`load_fit` reopens it as a :class:`SavedFit` giving
the same contrasts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from bayes_keta.diagnostics import Diagnostics, diagnose
from bayes_keta.estimands import (
    ContrastSummary,
    by_day,
    contrast_draws,
    contrast_table,
    threshold_curve,
)
from bayes_keta.estimands import summarize_contrasts as _summarize_contrasts
from bayes_keta.exceptions import OutputError
from bayes_keta.netcdf import write_netcdf
from bayes_keta.outputs import atomic_write, check_writable, refuse_existing, staged_folder
from bayes_keta.summary import build_summary, read_summary, write_summary

__all__ = [
    "OUTPUT_FILES",
    "POSTERIOR_FILE",
    "ResultsMixin",
    "SUMMARY_FILE",
    "SavedFit",
    "check_outputs",
    "load_fit",
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


class ResultsMixin:
    """Result methods shared by fresh fits and reloaded ones (needs ``self.datatree``)."""

    datatree: xr.DataTree

    # Overridden by SavedFit (no Trial object after a reload).
    def _reference(self) -> str | None:
        trial = getattr(self, "trial", None)
        return getattr(trial, "reference", None)

    def _synthetic(self) -> bool | None:
        trial = getattr(self, "trial", None)
        return getattr(trial, "synthetic", None)

    def contrast_draws(self) -> xr.Dataset:
        """Draws of every estimand (see :func:`bayes_keta.contrast_draws`)."""
        return contrast_draws(self.datatree, reference=self._reference())

    def contrasts(self, **options: Any) -> pd.DataFrame:
        """Tidy contrast table (see :func:`bayes_keta.contrast_table`)."""
        return contrast_table(self.datatree, reference=self._reference(), **options)

    def contrast_summary(self) -> ContrastSummary:
        """Contrast table plus plain-language sentences (says so when data are synthetic)."""
        return _summarize_contrasts(
            self.datatree, reference=self._reference(), synthetic=bool(self._synthetic())
        )

    def by_day(self) -> xr.DataArray:
        """Daily difference curves (see :func:`bayes_keta.by_day`)."""
        return by_day(self.datatree, reference=self._reference())

    def threshold_curve(self, **options: Any) -> pd.DataFrame:
        """P(benefit beyond t) over a grid of t (see :func:`bayes_keta.threshold_curve`)."""
        return threshold_curve(self.datatree, reference=self._reference(), **options)

    def diagnostics(self, **options: Any) -> Diagnostics:
        """Run the convergence gate (see :func:`bayes_keta.diagnose`)."""
        return diagnose(self.datatree, **options)

    def summary(
        self, *, command: str | None = None, diagnostics: Diagnostics | None = None
    ) -> dict[str, Any]:
        """Build the validated summary.json record (see :func:`bayes_keta.build_summary`)."""
        return build_summary(self, command=command, diagnostics=diagnostics)

    def save(
        self,
        out_dir: str | Path,
        *,
        force: bool = False,
        command: str | None = None,
        diagnostics: Diagnostics | None = None,
    ) -> dict[str, Path]:
        """Write ``posterior.nc`` and ``summary.json`` into ``out_dir``.

        The summary is built and validated before anything is written; existing outputs are
        refused unless ``force``.

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
        record = self.summary(command=command, diagnostics=diagnostics)
        _write_fit(self.datatree, record, out_dir, force=force)
        return paths


def _write_fit(
    tree: xr.DataTree, record: dict[str, Any], out_dir: str | Path, *, force: bool
) -> None:
    """Write both files into a staging folder, then publish them together."""
    with staged_folder(out_dir, force=force) as tmp:
        write_summary(record, tmp / SUMMARY_FILE)  # validated first: fails fast
        write_posterior(tree, tmp / POSTERIOR_FILE)


@dataclass(frozen=True)
class SavedFit(ResultsMixin):
    """A fit reopened from disk by :func:`load_fit`.

    Attributes
    ----------
    datatree : xarray.DataTree
        The DataTree from ``posterior.nc``.
    record : dict
        The validated ``summary.json``.
    path : Path
        The directory.
    """

    datatree: xr.DataTree = field(repr=False)
    record: dict[str, Any] = field(repr=False)
    path: Path

    trial = None

    def _reference(self) -> str | None:
        return self.record["data"].get("reference")

    def _synthetic(self) -> bool | None:
        return bool(self.record["data"]["synthetic"])

    @property
    def synthetic(self) -> bool:
        """Whether the fitted data were simulated."""
        return bool(self.record["data"]["synthetic"])

    def summary(
        self, *, command: str | None = None, diagnostics: Diagnostics | None = None
    ) -> dict[str, Any]:
        """Return the stored summary.json record (a reload has no Trial to rebuild it)."""
        return self.record

    def save(
        self,
        out_dir: str | Path,
        *,
        force: bool = False,
        command: str | None = None,
        diagnostics: Diagnostics | None = None,
    ) -> dict[str, Path]:
        """Copy the saved fit to another directory (same DataTree, same stored summary)."""
        paths = check_outputs(out_dir, force=force)
        _write_fit(self.datatree, self.record, out_dir, force=force)
        return paths

    def __repr__(self) -> str:
        data, model = self.record["data"], self.record["model"]
        label = "SYNTHETIC " if data["synthetic"] else ""
        verdict = "passed" if self.record["diagnostics"]["passed"] else "FAILED"
        return (
            f"<SavedFit {model['name']!r} on {label}{data['name']!r} from {self.path};"
            f" diagnostics {verdict}>"
        )


def load_fit(path: str | Path, *, check: bool = True) -> SavedFit:
    """Reopen a fit saved by ``FitResult.save`` / ``bayes-keta fit``.

    Parameters
    ----------
    path : str or Path
        The output directory (holding ``posterior.nc`` and ``summary.json``).
    check : bool
        Recompute the contrasts from ``posterior.nc`` and check they match ``summary.json``
        (the two files belong together), and that the data hashes agree when recorded.

    Returns
    -------
    SavedFit

    Raises
    ------
    OutputError
        Missing or invalid files, or files that do not belong together.
    """
    out = Path(path)
    nc, js = out / POSTERIOR_FILE, out / SUMMARY_FILE
    if not nc.exists():
        raise OutputError(f"no {POSTERIOR_FILE} in {out}")
    record = read_summary(js)
    try:
        with xr.open_datatree(nc, engine="h5netcdf") as handle:
            tree = handle.load()
    except (OSError, ValueError) as err:
        raise OutputError(f"cannot read {nc}: {err}") from err
    fit = SavedFit(datatree=tree, record=record, path=out)
    if check:
        _check_consistent(fit)
    return fit


def _check_consistent(fit: SavedFit) -> None:
    stored_hash = fit.record["data"]["sha256"]
    for key in ("data_sha256", "data_hash"):
        value = fit.datatree.attrs.get(key)
        if value is not None and str(value) != stored_hash:
            raise OutputError(
                f"{fit.path}: posterior.nc was fitted to data {value} but summary.json"
                f" describes data {stored_hash}"
            )
    table = fit.contrasts().set_index(["contrast", "estimand"])
    for item in fit.record["contrasts"]:
        key = (item.get("contrast", f"{item['active']} - {item['reference']}"), item["estimand"])
        if key not in table.index:
            raise OutputError(f"{fit.path}: contrast {key} of summary.json not in posterior.nc")
        mean, stored = float(table.loc[key, "mean"]), item["mean"]
        if stored is None:
            continue
        if not math.isclose(mean, stored, rel_tol=1e-6, abs_tol=1e-9):
            raise OutputError(
                f"{fit.path}: posterior.nc and summary.json do not belong together"
                f" ({key}: {mean:.6g} vs {stored:.6g})"
            )
