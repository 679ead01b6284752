"""Where a report goes and how it is written: the output directory, the files, ``latest``.

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

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bayes_keta.fitting.result import FitResult
from bayes_keta.outputs import atomic_write, check_writable, refuse_existing, staged_folder
from bayes_keta.report.data import ReportData
from bayes_keta.report.render import encode_figures, render_html, render_markdown
from bayes_keta.report.sections import assemble

__all__ = [
    "REPORTS_ROOT",
    "ReportOutcome",
    "prepare_out_dir",
    "moved",
    "update_latest",
    "write_files",
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


def _save_fit(fit: FitResult, out: Path, *, diagnostics: Any, command: str) -> Path:
    """Write posterior.nc + summary.json of one fit into ``out`` (inside the staging folder)."""
    from bayes_keta.fitting.io import write_fit_files

    write_fit_files(fit, out, command=command, diagnostics=diagnostics)
    return out


def write_files(data: ReportData, folder: Path) -> dict[str, Any]:
    """Write the per-spec fits, the main summary.json and the report into ``folder``."""
    import shutil

    fits = {
        name: _save_fit(
            r.fit, folder / FITS_DIR / name, diagnostics=r.diagnostics, command=data.command
        )
        for name, r in data.results.items()
    }
    harm = data.extras.get("adverse-events")
    if harm is not None:  # the adverse-event model fitted beside the main spec
        ae_fit = harm.adverse_events_fit
        fits[ae_fit.record.model.name] = _save_fit(
            ae_fit,
            folder / FITS_DIR / ae_fit.record.model.name,
            diagnostics=ae_fit.diagnostics(),
            command=data.command,
        )
    main_summary = folder / SUMMARY_FILE
    shutil.copyfile(fits[data.main] / SUMMARY_FILE, main_summary)
    report = encode_figures(assemble(data))  # every figure drawn and encoded once
    html, md = folder / HTML_FILE, folder / MD_FILE
    atomic_write(html, lambda tmp: tmp.write_text(render_html(report), encoding="utf-8"))
    atomic_write(md, lambda tmp: tmp.write_text(render_markdown(report), encoding="utf-8"))
    return {"html": html, "markdown": md, "summary": main_summary, "fits": fits}


def moved(paths: dict[str, Any], staging: Path, out: Path) -> dict[str, Any]:
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
        paths = write_files(data, tmp)
    return moved(paths, tmp, out_dir)
