"""An efficacy fit saved with its adverse-event fit: ``DIR/`` and ``DIR/adverse_events/``.

``DIR/posterior.nc`` + ``DIR/summary.json`` are the efficacy fit as always (its summary with
the ``adverse_events`` and ``benefit_risk`` blocks); ``DIR/adverse_events/posterior.nc`` +
``summary.json`` are the adverse-event fit (a fit like any other: ``load_fit`` reopens it).
Both are staged and published together (:func:`bayes_keta.outputs.staged_folder`).
"""

from __future__ import annotations

from pathlib import Path

from bayes_keta.diagnostics import Diagnostics
from bayes_keta.fitting import FitResult
from bayes_keta.fitting.io import check_outputs, load_fit, write_fit_files
from bayes_keta.harms.result import BenefitRiskResult
from bayes_keta.outputs import staged_folder

__all__ = ["AE_FOLDER", "check_pair_outputs", "load_adverse_events", "save_with_adverse_events"]

#: Sub-folder of a fit directory holding its adverse-event fit.
AE_FOLDER = "adverse_events"


def check_pair_outputs(out_dir: str | Path, *, force: bool = False) -> dict[str, Path]:
    """Paths of both fits' files; refuse existing ones (without ``force``) before sampling.

    Examples
    --------
    >>> import tempfile
    >>> sorted(check_pair_outputs(tempfile.mkdtemp() + "/new"))
    ['adverse_events_posterior', 'adverse_events_summary', 'posterior', 'summary']
    """
    paths = check_outputs(out_dir, force=force)
    inner = check_outputs(Path(out_dir) / AE_FOLDER, force=force)
    return {**paths, **{f"adverse_events_{k}": v for k, v in inner.items()}}


def save_with_adverse_events(
    efficacy: FitResult,
    adverse_events: FitResult,
    out_dir: str | Path,
    *,
    result: BenefitRiskResult | None = None,
    force: bool = False,
    command: str | None = None,
    diagnostics: Diagnostics | None = None,
    ae_diagnostics: Diagnostics | None = None,
) -> dict[str, Path]:
    """Write the efficacy fit into ``out_dir`` and the adverse-event fit into its sub-folder.

    Parameters
    ----------
    efficacy, adverse_events : FitResult
        The two fits.
    out_dir : str or Path
        The output folder.
    result : BenefitRiskResult, optional
        Its blocks go into the efficacy summary.json.
    force : bool
        Replace existing outputs.
    command : str, optional
        Command line recorded in the files.
    diagnostics, ae_diagnostics : Diagnostics, optional
        The gate verdicts to record.

    Returns
    -------
    dict
        The four paths (:func:`check_pair_outputs`).

    Raises
    ------
    OutputError
        Outputs exist without ``force``, a summary is invalid, or writing fails: nothing is
        written then.
    """
    paths = check_pair_outputs(out_dir, force=force)
    blocks = result.summary_blocks() if result is not None else None
    with staged_folder(out_dir, force=force) as tmp:
        write_fit_files(efficacy, tmp, command=command, diagnostics=diagnostics, blocks=blocks)
        (tmp / AE_FOLDER).mkdir()
        write_fit_files(
            adverse_events, tmp / AE_FOLDER, command=command, diagnostics=ae_diagnostics
        )
    return paths


def load_adverse_events(fit_dir: str | Path) -> FitResult | None:
    """Reopen the adverse-event fit saved beside a fit (``DIR/adverse_events``), or None."""
    folder = Path(fit_dir) / AE_FOLDER
    if not (folder / "posterior.nc").exists():
        return None
    return load_fit(folder)
