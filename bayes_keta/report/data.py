"""What a report shows, as result objects: :class:`ReportData` and its parts.

Every number a section shows is computed once by :func:`bayes_keta.report.collect.collect`
into these frozen records; sections (:mod:`bayes_keta.report.sections`) only select and word
them, and the figures (:mod:`bayes_keta.plots`) draw them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from bayes_keta import checks
from bayes_keta.constants import BFMI_MIN, ESS_MIN, RHAT_MAX
from bayes_keta.data.design import DesignSummary
from bayes_keta.data.trial import Trial
from bayes_keta.diagnostics import Diagnostics
from bayes_keta.fitting.result import FitResult
from bayes_keta.models import Capabilities
from bayes_keta.outcome import Outcome
from bayes_keta.report.loo import LooResult
from bayes_keta.report.ppc import PPC
from bayes_keta.report.sensitivity import PowerScaling

__all__ = [
    "CarryoverCheck",
    "GateThresholds",
    "LooComparison",
    "ReportData",
    "SpecResult",
    "SweepData",
]


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
    """One fitted spec and everything the report computed from it.

    Attributes
    ----------
    name : str
        Spec name.
    fit : FitResult
        The fit.
    diagnostics : Diagnostics
        The gate's verdict with the report's thresholds.
    loo : LooResult
        PSIS-LOO.
    ppc : PPC or None
        Posterior predictive summaries (None when they could not be computed: ``ppc_error``).
    capabilities : Capabilities
        What the spec's builder declares (time-varying effect, LOO kind, scale...).
    contrasts : pandas.DataFrame
        :func:`bayes_keta.contrast_table` of every estimand (with its ``attrs``).
    draws : xarray.Dataset
        The contrast draws (:func:`bayes_keta.contrast_draws`) the headline figure draws.
    threshold_curve : pandas.DataFrame
        :func:`bayes_keta.threshold_curve` of the mean daily difference.
    by_day : pandas.DataFrame
        :func:`bayes_keta.estimands.by_day_summary` of the by-day differences.
    carryover : pandas.DataFrame
        :meth:`bayes_keta.FitResult.carryover` rows (none without a carryover term).
    constant_over_day : bool
        The model's effect does not vary over the days of a period.
    role : str
        ``"fitted"`` (asked for) or ``"carryover check"`` (fitted by the report itself).
    ppc_error : str or None
        Why there are no predictive checks.
    seconds : float or None
        Wall time of the fit.
    """

    name: str
    fit: FitResult = field(repr=False)
    diagnostics: Diagnostics = field(repr=False)
    loo: LooResult = field(repr=False)
    ppc: PPC | None = field(repr=False)
    capabilities: Capabilities = field(repr=False)
    contrasts: pd.DataFrame = field(repr=False)
    draws: xr.Dataset = field(repr=False)
    threshold_curve: pd.DataFrame = field(repr=False)
    by_day: pd.DataFrame = field(repr=False)
    carryover: pd.DataFrame = field(repr=False)
    constant_over_day: bool = False
    role: str = "fitted"
    ppc_error: str | None = None
    seconds: float | None = None

    @property
    def passed(self) -> bool:
        """Whether the spec passed the diagnostics gate."""
        return bool(self.diagnostics.passed)

    @property
    def headline(self) -> pd.DataFrame:
        """The ``mean_daily_difference`` rows of :attr:`contrasts` (table attrs kept)."""
        rows = self.contrasts[self.contrasts["estimand"] == "mean_daily_difference"]
        rows.attrs = dict(self.contrasts.attrs)
        return rows


@dataclass(frozen=True)
class LooComparison:
    """A PSIS-LOO comparison: the :func:`arviz_stats.compare` table and what was left out.

    Attributes
    ----------
    table : pandas.DataFrame or None
        Index: model; None when fewer than two models can be compared.
    notes : tuple of str
        Exclusions and caveats.
    """

    table: pd.DataFrame | None = field(repr=False)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CarryoverCheck:
    """The main spec with and without first-order carryover, compared by PSIS-LOO.

    Attributes
    ----------
    status : str
        One sentence: what was compared, or why nothing was (design, no variant fitted).
    without, with_carryover : str or None
        Names of the two fits (None when not compared).
    comparison : LooComparison or None
        The two-model comparison.
    """

    status: str
    without: str | None = None
    with_carryover: str | None = None
    comparison: LooComparison | None = None


@dataclass(frozen=True)
class SweepData:
    """A prior sweep shown in the report: its table, read once.

    Attributes
    ----------
    table : pandas.DataFrame
        The sweep's long table (``sweep.csv``'s columns).
    location : Path or None
        Where the sweep's files are (the report's ``sweep/`` folder or ``--sweep DIR``).
    """

    table: pd.DataFrame = field(repr=False)
    location: Path | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything the sections read, computed once.

    Attributes
    ----------
    trial : Trial
        The data.
    outcome : Outcome
        The outcome every label, unit and threshold comes from (the main fit's).
    design : DesignSummary
        :func:`bayes_keta.design_summary` of the trial.
    observed : pandas.DataFrame
        Observed mean reading per arm and day (:func:`bayes_keta.plots.observed_means`).
    flow : pandas.DataFrame
        Participant flow per sequence and period (CONSORT for crossover trials).
    replicated : bool
        Some subject received a treatment in more than one period (an N-of-1 style series).
    results : dict of str to SpecResult
        Fitted specs, in fitting order (the report's own carryover variant last).
    main : str
        Name of the main spec.
    gate : GateThresholds
        Thresholds applied.
    psense : PowerScaling
        Power-scaling sensitivity of the main spec.
    loo : LooComparison
        Comparison of every spec fitted to the same readings.
    carryover_check : CarryoverCheck
        The main spec with and without carryover.
    sweep : SweepData or None
        A prior sweep of the main spec.
    published : Any
        The published-results reanalysis (shown only for the flagship trial or when asked).
    published_error : str or None
        Why the reanalysis is missing although asked for.
    assurance : Any
        An :class:`bayes_keta.AssuranceResult` of the main fit, when asked.
    assurance_error : str or None
        Why the assurance is missing although asked for.
    harm_weights : tuple of float or None
        The user's net-benefit weights (``--harm-weight``) for the benefit-and-harm section.
    adverse_events : bool
        Fit the adverse-event model beside the main spec when the data have adverse events
        (``--no-adverse-events``: False).
    extras : mapping of str to Any
        Results of the collectors that sections registered (:mod:`report.sections.registry`).
    command, created : str
        Provenance.
    out_dir : Path or None
        Where the report is written.
    """

    trial: Trial = field(repr=False)
    outcome: Outcome
    design: DesignSummary = field(repr=False)
    observed: pd.DataFrame = field(repr=False)
    flow: pd.DataFrame = field(repr=False)
    replicated: bool
    results: dict[str, SpecResult] = field(repr=False)
    main: str
    gate: GateThresholds
    psense: PowerScaling = field(repr=False)
    loo: LooComparison = field(repr=False)
    carryover_check: CarryoverCheck = field(repr=False)
    sweep: SweepData | None = field(default=None, repr=False)
    published: Any = field(default=None, repr=False)
    published_error: str | None = None
    assurance: Any = field(default=None, repr=False)
    assurance_error: str | None = None
    harm_weights: tuple[float, ...] | None = None
    adverse_events: bool = True
    extras: Mapping[str, Any] = field(default_factory=dict, repr=False)
    command: str = "python API"
    created: str = ""
    out_dir: Path | None = None

    @property
    def passed(self) -> bool:
        """True only when every fitted spec passed the gate."""
        return all(r.passed for r in self.results.values())

    @property
    def main_result(self) -> SpecResult:
        """The main spec's result."""
        return self.results[self.main]
