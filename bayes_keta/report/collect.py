"""Everything a report shows, computed once from the fits: the :class:`ReportData` record.

Compute only (no figures, no HTML): per spec the diagnostics gate, PSIS-LOO and posterior
predictive summaries; for the main spec the power-scaling sensitivity.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bayes_keta import checks
from bayes_keta.constants import BFMI_MIN, ESS_MIN, RHAT_MAX
from bayes_keta.data.trial import Trial
from bayes_keta.diagnostics import Diagnostics
from bayes_keta.fitting.result import FitResult
from bayes_keta.models import Capabilities, capabilities
from bayes_keta.report.loo import LooResult, loo_fit
from bayes_keta.report.ppc import PPC, posterior_predictive_checks
from bayes_keta.report.sensitivity import PowerScaling, power_scaling

__all__ = ["GateThresholds", "ReportData", "SpecResult", "collect"]


@dataclass(frozen=True)
class GateThresholds:
    """Thresholds of the diagnostics gate (defaults from :mod:`bayes_keta.constants`).

    Checked on creation (:func:`bayes_keta.checks.check_gate`): ``rhat_max > 1``,
    ``ess_min > 0``, ``0 < bfmi_min < 1``, all finite.
    """

    rhat_max: float = RHAT_MAX
    ess_min: float = ESS_MIN
    bfmi_min: float = BFMI_MIN

    def __post_init__(self) -> None:
        checks.check_gate(rhat_max=self.rhat_max, ess_min=self.ess_min, bfmi_min=self.bfmi_min)


@dataclass(frozen=True)
class SpecResult:
    """One fitted spec and what the report computed from it.

    Attributes
    ----------
    name : str
        Spec name.
    fit : FitResult
        The fit (``datatree``, ``record``, ``spec``, ``priors``, ``model``).
    diagnostics : Diagnostics
        The gate's verdict with the report's thresholds.
    loo : LooResult
        PSIS-LOO.
    ppc : PPC or None
        Posterior predictive summaries (None when they could not be computed).
    ppc_error : str or None
        Why not.
    seconds : float
        Wall time of the fit (sampling and predictive draws), when known.
    capabilities : Capabilities
        What the spec's model builder declares (time-varying effect, LOO kind...).
    """

    name: str
    fit: FitResult = field(repr=False)
    diagnostics: Diagnostics = field(repr=False)
    loo: LooResult = field(repr=False)
    ppc: PPC | None = field(repr=False)
    capabilities: Capabilities = field(repr=False)
    ppc_error: str | None = None
    seconds: float | None = None

    @property
    def passed(self) -> bool:
        """Whether the spec passed the diagnostics gate."""
        return bool(self.diagnostics.passed)


@dataclass(frozen=True)
class ReportData:
    """Everything the sections read.

    Attributes
    ----------
    trial : Trial
        The data.
    results : dict of str to SpecResult
        Fitted specs, in fitting order.
    main : str
        Name of the main spec (its ``summary.json`` is the report's).
    gate : GateThresholds
        Thresholds applied.
    psense : PowerScaling
        Power-scaling sensitivity of the main spec.
    command : str
        Command line that produced the report.
    created : str
        ISO time stamp.
    sweep_dir : Path or None
        Sweep output directory to include.
    out_dir : Path or None
        Where the report is written.
    sweep_shown : Path or None
        Where the report says the sweep is, when that differs from ``sweep_dir`` (a sweep
        written with the report is read from its staging folder).
    """

    trial: Trial = field(repr=False)
    results: dict[str, SpecResult] = field(repr=False)
    main: str
    gate: GateThresholds
    psense: PowerScaling = field(repr=False)
    command: str = "python API"
    created: str = ""
    sweep_dir: Path | None = None
    out_dir: Path | None = None
    sweep_shown: Path | None = None

    @property
    def passed(self) -> bool:
        """True only when every fitted spec passed the gate."""
        return all(r.passed for r in self.results.values())

    @property
    def main_result(self) -> SpecResult:
        """The main spec's result."""
        return self.results[self.main]


def collect(
    trial: Trial,
    fits: Mapping[str, FitResult],
    *,
    main: str,
    gate: GateThresholds | None = None,
    seconds: Mapping[str, float] | None = None,
    command: str = "python API",
    sweep_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> ReportData:
    """Run the gate, LOO, predictive checks and power-scaling on fitted specs.

    Parameters
    ----------
    trial : Trial
        The fitted data.
    fits : mapping of spec name to FitResult
        The fits.
    main : str
        The main spec (must be in ``fits``).
    gate : GateThresholds, optional
        Gate thresholds.
    seconds : mapping, optional
        Wall time of each fit.
    command, sweep_dir, out_dir
        Recorded for the report.
    log : callable, optional
        Progress messages.

    Returns
    -------
    ReportData

    Raises
    ------
    KeyError
        ``main`` is not among the fits.
    """
    if main not in fits:
        raise KeyError(f"main spec {main!r} was not fitted (fitted: {list(fits)})")
    gate = gate or GateThresholds()
    say = log or (lambda _msg: None)
    results: dict[str, SpecResult] = {}
    for k, (name, fit) in enumerate(fits.items()):
        t0 = time.perf_counter()
        tree = fit.datatree
        diag = fit.diagnostics(rhat_max=gate.rhat_max, ess_min=gate.ess_min, bfmi_min=gate.bfmi_min)
        caps = capabilities(fit.spec)
        loo = loo_fit(name, tree, capabilities=caps)
        try:
            ppc = posterior_predictive_checks(tree, trial, capabilities=caps, seed=k)
            ppc_error = None
        except KeyError as err:
            ppc, ppc_error = None, str(err).strip("'\"")
        results[name] = SpecResult(
            name=name,
            fit=fit,
            diagnostics=diag,
            loo=loo,
            ppc=ppc,
            ppc_error=ppc_error,
            seconds=None if seconds is None else seconds.get(name),
            capabilities=caps,
        )
        verdict = "passed" if diag.passed else "FAILED"
        say(f"  {name}: diagnostics {verdict}; checks in {time.perf_counter() - t0:.1f} s")
    main_fit = fits[main]
    psense = power_scaling(main_fit.datatree, model=main_fit.model)
    return ReportData(
        trial=trial,
        results=results,
        main=main,
        gate=gate,
        psense=psense,
        command=command,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        sweep_dir=None if sweep_dir is None else Path(sweep_dir),
        out_dir=None if out_dir is None else Path(out_dir),
    )
