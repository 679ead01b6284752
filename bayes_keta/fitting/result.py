"""The one fit type: draws in a DataTree plus the record of what produced them.

A :class:`FitResult` is the same object whether fresh from :func:`bayes_keta.fit`, reopened
by :func:`bayes_keta.load_fit`, or read from an export (:func:`bayes_keta.read_export`'s
``.fit``): everything it knows beyond the draws comes from its :class:`FitRecord`, which lives
in the DataTree attrs. The estimands are computed from the draws with the record's reference
arm; ``summary()`` is a view of the record and the draws.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import xarray as xr

from bayes_keta.data.trial import Trial
from bayes_keta.diagnostics import Diagnostics, diagnose
from bayes_keta.estimands import (
    ContrastSummary,
    by_day,
    carryover_table,
    contrast_draws,
    contrast_table,
    format_probability,
    summarize_contrasts,
    threshold_curve,
)
from bayes_keta.exceptions import DataError, DiagnosticsWarning, OutputError
from bayes_keta.fitting.record import FitRecord
from bayes_keta.fitting.settings import SamplerSettings
from bayes_keta.outcome import Outcome
from bayes_keta.spec import ModelSpec, Prior

if TYPE_CHECKING:
    import pymc as pm

__all__ = ["FitResult", "as_fit"]


@dataclass(frozen=True, eq=False)
class FitResult:
    """A fitted model: its draws and its record.

    Attributes
    ----------
    datatree : xarray.DataTree
        Groups ``posterior`` (with ``arm_mean``), ``prior``, ``prior_predictive``,
        ``posterior_predictive``, ``log_likelihood``, ``observed_data``, ``constant_data``,
        ``sample_stats``; the record in its attrs (:meth:`FitRecord.to_attrs`).
    record : FitRecord
        What produced the draws (data, spec, priors, sampler, notes, versions).
    trial : Trial or None
        The data fitted, when at hand (a fresh fit); None after a reload.
    origin : Path or None
        The directory the fit was read from (None: made in this process).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> result = bk.fit(trial, "daily", draws=100, tune=100, chains=2)  # doctest: +SKIP
    >>> result.contrasts().columns[:4].tolist()  # doctest: +SKIP
    ['active', 'reference', 'contrast', 'estimand']
    """

    datatree: xr.DataTree = field(repr=False)
    record: FitRecord = field(repr=False)
    trial: Trial | None = field(default=None, repr=False)
    origin: Path | None = field(default=None, kw_only=True, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.datatree, xr.DataTree):
            raise DataError(f"a fit's draws are a DataTree, got {type(self.datatree).__name__}")
        if self.trial is not None and self.trial.sha256 != self.record.data.sha256:
            raise DataError(
                f"trial {self.trial.name!r} (sha256 {self.trial.sha256[:12]}...) is not the data"
                f" this fit was made from ({self.record.data.name!r},"
                f" {self.record.data.sha256[:12]}...)"
            )

    @classmethod
    def from_tree(
        cls, tree: xr.DataTree, *, trial: Trial | None = None, origin: Path | None = None
    ) -> FitResult:
        """Reopen a fit's DataTree (its record is read from the attrs).

        Raises
        ------
        OutputError
            The tree carries no fit record (not a fit, or saved before the record existed).
        """
        return cls(tree, FitRecord.from_attrs(tree.attrs), trial, origin=origin)

    def _remember(self, **values: Any) -> None:
        """Seed the lazily computed values (the fitting package knows some already)."""
        self._cache.update(values)

    # ------------------------------------------------------------------------- properties
    @property
    def spec(self) -> ModelSpec:
        """The model spec, rebuilt from the record."""
        if "spec" not in self._cache:
            self._cache["spec"] = self.record.model.to_spec()
        return self._cache["spec"]

    @property
    def priors(self) -> dict[str, Prior]:
        """Priors applied, by role (daily NRS points, before outcome scaling)."""
        return {
            role: Prior.from_dict(entry, role=role)
            for role, entry in sorted(self.record.priors.items())
        }

    @property
    def reference(self) -> str:
        """Reference arm of the contrasts."""
        return self.record.data.reference

    @property
    def synthetic(self) -> bool:
        """Whether the data fitted were simulated."""
        return self.record.data.synthetic

    @property
    def data_name(self) -> str:
        """Name of the data set fitted."""
        return self.record.data.name

    @property
    def settings(self) -> SamplerSettings:
        """Sampler settings as run."""
        return self.record.sampler.settings

    @property
    def notes(self) -> tuple[str, ...]:
        """Facts about the build and the fit."""
        return self.record.notes

    @property
    def model(self) -> pm.Model | None:
        """The built observation-level ``pm.Model`` (None when the trial is not at hand).

        For inspection (and power-scaling); never sampled again by this object. Built on
        first use when the fit did not keep it.
        """
        if "model" not in self._cache:
            if self.trial is None:
                return None
            from bayes_keta.models import build

            self._cache["model"] = build(self.trial, self.spec, self.record.priors).full_model
        return self._cache["model"]

    @property
    def verdict(self) -> Diagnostics:
        """The gate verdict of this fit: with the thresholds it was saved with, else defaults.

        Computed once (cached); ``summary()`` and ``repr`` use it.
        """
        if "gate" not in self._cache:
            return self.diagnostics()  # the default gate: computed once for both
        if "verdict" not in self._cache:
            self._cache["verdict"] = diagnose(self.datatree, **self._cache["gate"])
        return self._cache["verdict"]

    @property
    def outcome(self) -> Outcome:
        """The outcome the estimands are worded and thresholded on (from the fit record)."""
        return Outcome.from_dict(self.record.data.outcome)

    # -------------------------------------------------------------------------- estimands
    def contrast_draws(self) -> xr.Dataset:
        """Draws of every estimand (see :func:`bayes_keta.contrast_draws`)."""
        return contrast_draws(self.datatree, reference=self.reference, outcome=self.outcome)

    def _warn_if_failed(self, what: str) -> None:
        """Warn (:class:`DiagnosticsWarning`) when :attr:`verdict` did not pass."""
        if not self.verdict.passed:
            warnings.warn(
                f"{what} of {self.record.model.name!r}: DIAGNOSTICS FAILED"
                f" ({self._failures() or 'gate not passed'}); do not interpret these numbers"
                " until the failures are resolved",
                DiagnosticsWarning,
                stacklevel=3,
            )

    def _failures(self) -> str:
        """Return the gate's failures, each cut to its first clause (in full: diagnostics())."""
        return "; ".join(f.split(";")[0] for f in self.verdict.failures)

    def contrasts(self, **options: Any) -> pd.DataFrame:
        """Tidy contrast table (see :func:`bayes_keta.contrast_table`).

        Warns (:class:`~bayes_keta.exceptions.DiagnosticsWarning`) when the fit failed the
        diagnostics gate (:attr:`verdict`).
        """
        self._warn_if_failed("contrasts")
        return contrast_table(
            self.datatree, reference=self.reference, outcome=self.outcome, **options
        )

    def contrast_summary(self) -> ContrastSummary:
        """Contrast table plus plain-language sentences.

        Says so when the data are synthetic, and opens with the gate's failures when
        :attr:`verdict` did not pass (and then warns, :class:`DiagnosticsWarning`).
        """
        self._warn_if_failed("contrast summary")
        return summarize_contrasts(
            self.datatree,
            reference=self.reference,
            outcome=self.outcome,
            synthetic=self.synthetic,
            gate_failures=self.verdict.failures,
        )

    def by_day(self) -> xr.DataArray:
        """Day-by-day contrast draws (see :func:`bayes_keta.by_day`)."""
        return by_day(self.datatree, reference=self.reference, outcome=self.outcome)

    def threshold_curve(self, **options: Any) -> pd.DataFrame:
        """P(benefit beyond t) over thresholds t (see :func:`bayes_keta.threshold_curve`)."""
        return threshold_curve(
            self.datatree, reference=self.reference, outcome=self.outcome, **options
        )

    def carryover(self) -> pd.DataFrame:
        """First-order carryover of each active treatment (no rows without a carryover term).

        Columns ``treatment``, ``mean``, ``sd``, ``lo95``, ``hi95``, on the model's scale (see
        :func:`bayes_keta.estimands.carryover_table`).
        """
        return carryover_table(self.datatree)

    # ------------------------------------------------------------------- checks and outputs
    def diagnostics(self, **gate: Any) -> Diagnostics:
        """Run the convergence gate (see :func:`bayes_keta.diagnose`; thresholds as keywords)."""
        if gate:
            return diagnose(self.datatree, **gate)
        if "default_gate" not in self._cache:
            self._cache["default_gate"] = diagnose(self.datatree)
        return self._cache["default_gate"]

    def summary(
        self, *, command: str | None = None, diagnostics: Diagnostics | None = None
    ) -> dict[str, Any]:
        """Return the validated ``summary.json`` dict (see :func:`bayes_keta.build_summary`)."""
        from bayes_keta.summary import build_summary

        return build_summary(self, command=command, diagnostics=diagnostics)

    def save(
        self,
        out_dir: str | Path,
        *,
        force: bool = False,
        command: str | None = None,
        diagnostics: Diagnostics | None = None,
    ) -> dict[str, Path]:
        """Write ``posterior.nc`` and ``summary.json`` into ``out_dir`` (see :func:`save_fit`).

        Returns
        -------
        dict
            ``{"posterior": path, "summary": path}``.

        Raises
        ------
        OutputError
            Outputs exist without ``force``, the summary is invalid, or writing fails.
        """
        from bayes_keta.fitting.io import save_fit

        return save_fit(self, out_dir, force=force, command=command, diagnostics=diagnostics)

    def __repr__(self) -> str:
        rec = self.record
        s = rec.sampler.settings
        label = "SYNTHETIC " if rec.data.synthetic else ""
        verdict = "passed" if self.verdict.passed else f"FAILED ({self._failures()})"
        return (
            f"<FitResult {rec.model.name!r} on {label}{rec.data.name!r}: {rec.sampler.used},"
            f" {s.chains} chains x {s.draws} draws, seed {s.seed}; diagnostics {verdict}>"
        )

    def _repr_html_(self) -> str:
        """Render a compact card for Jupyter: the gate verdict and the headline contrasts."""
        from bayes_keta.cards import contrast_frame, html_card

        rec = self.record
        s = rec.sampler.settings
        label = "SYNTHETIC data " if rec.data.synthetic else ""
        headline = contrast_table(
            self.datatree,
            reference=self.reference,
            outcome=self.outcome,
            estimands=["mean_daily_difference"],
        )
        verdict = self.verdict
        return html_card(
            f"FitResult {rec.model.name!r} on {label}{rec.data.name!r}",
            verdict=verdict.passed,
            verdict_text=""
            if verdict.passed
            else "diagnostics FAILED: " + "; ".join(verdict.failures),
            facts=(
                ("sampler", rec.sampler.used),
                ("draws", f"{s.chains} x {s.draws}"),
                ("seed", str(s.seed)),
                ("outcome", self.outcome.label),
            ),
            table=contrast_frame(headline, percent=format_probability),
            caption=f"Mean {self.outcome.noun} difference, active - reference"
            f" ({self.outcome.units}); P(> t): benefit beyond t {self.outcome.units}.",
            notes=("SYNTHETIC DATA: simulated subjects, not patients.",)
            if rec.data.synthetic
            else (),
        )


def as_fit(source: FitResult | str | Path | xr.DataTree) -> FitResult:
    """Return a fit from a fit, a saved fit's directory or a fit's DataTree (nothing else).

    Raises
    ------
    OutputError
        A directory without a saved fit, a DataTree without a fit record, or another type.
    """
    if isinstance(source, FitResult):
        return source
    if isinstance(source, str | Path):
        from bayes_keta.fitting.io import load_fit

        return load_fit(source)
    if isinstance(source, xr.DataTree):
        return FitResult.from_tree(source)
    raise OutputError(
        f"cannot use a {type(source).__name__} as a fit: give a FitResult, a saved fit's"
        " directory or a fit's DataTree"
    )
