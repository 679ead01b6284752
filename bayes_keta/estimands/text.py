"""Plain-language contrast summaries: the table plus sentences generated from its numbers.

The sentences word benefit by the outcome (:class:`~bayes_keta.outcome.Outcome`: "reduces
mean daily pain" when lower is better, "increases ..." when higher is), with its units and
scale. The estimands with ``in_text=True`` in the registry have sentences (their builders are
:data:`VALUE_LINES` and :data:`PROBABILITY_LINES`, keyed by estimand name; a test holds the two
together); the others are in the table only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from bayes_keta.estimands.contrasts import ArmMean, contrast_draws
from bayes_keta.estimands.core import CI_LABEL, format_probability
from bayes_keta.estimands.tables import beyond_by_row, contrast_table
from bayes_keta.outcome import Outcome

__all__ = ["PROBABILITY_LINES", "VALUE_LINES", "ContrastSummary", "summarize_contrasts"]

_LO, _HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"


@dataclass(frozen=True)
class ContrastSummary:
    """Posterior contrasts as a tidy table plus plain-language sentences.

    Attributes
    ----------
    table : pandas.DataFrame
        :func:`~bayes_keta.estimands.contrast_table` output.
    text : str
        Sentences generated from the numbers in ``table`` (first, when ``gate_failures`` are
        given: "DIAGNOSTICS FAILED: do not interpret ...").
    n_days : int
        Readings (days) per period: the horizon of the AUC and mean-daily estimands.
    synthetic : bool
        Whether the data were simulated (the text then says so).
    constant_over_day : bool
        True when the model has no by-day information (week-1 and single-day estimands then
        repeat the mean daily difference).
    gate_failures : tuple of str
        Failures of the diagnostics gate, if any (empty: passed or not checked).
    """

    table: pd.DataFrame
    text: str
    n_days: int
    synthetic: bool
    constant_over_day: bool = False
    gate_failures: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        """Render a compact card for Jupyter: the gate's failures (if any) and the headline."""
        from bayes_keta.cards import contrast_frame, html_card

        return html_card(
            "Contrast summary" + (" (SYNTHETIC data)" if self.synthetic else ""),
            verdict=False if self.gate_failures else None,
            verdict_text="DIAGNOSTICS FAILED: " + "; ".join(self.gate_failures)
            if self.gate_failures
            else "",
            table=contrast_frame(self.table, percent=format_probability),
            caption=self.text.split("\n\n")[0 if not self.gate_failures else 1].strip(),
            notes=("This model's effect is constant over days.",) if self.constant_over_day else (),
        )


@dataclass(frozen=True)
class _Context:
    """What every sentence builder reads: the outcome, its wording, one contrast's rows."""

    outcome: Outcome
    rows: pd.DataFrame  # indexed by estimand
    beyond: dict[str, dict[float, float]]  # estimand -> {threshold on its scale: p}
    active: str
    reference: str

    @property
    def per(self) -> str:
        return self.outcome.per_reading

    @property
    def verb(self) -> str:
        return "reduces" if self.outcome.better == "lower" else "increases"

    def number(self, x: float, kind: str) -> str:
        return f"{x:.1f}" if kind in ("auc", "percent") else f"{x:.2f}"

    def interval(self, row: pd.Series, kind: str) -> str:
        lo, hi = self.number(row[_LO], kind), self.number(row[_HI], kind)
        return f"({CI_LABEL}% credible interval {lo} to {hi})"


def _unit(units: str, t: float) -> str:
    return units[:-1] if t == 1 and units.endswith("s") else units


def _mean_value(c: _Context) -> list[str]:
    m, o = c.rows.loc["mean_daily_difference"], c.outcome
    scale = f" on the {o.range_text} scale" if o.range_text else ""
    return [
        f"  {o.quantity[:1].upper() + o.quantity[1:]} difference:"
        f" {c.number(m['mean'], 'outcome')} {o.units}{scale}"
        f" {c.interval(m, 'outcome')}."
    ]


def _auc_value(c: _Context) -> list[str]:
    a = c.rows.loc["auc_difference"]
    return [
        f"  AUC difference: {c.number(a['mean'], 'auc')} {c.outcome.units_for('auc')}"
        f" {c.interval(a, 'auc')}."
    ]


def _mean_probabilities(c: _Context) -> list[str]:
    m, o = c.rows.loc["mean_daily_difference"], c.outcome
    what = o.quantity
    lines = [
        f"  Probability that {c.active} {c.verb} {what} vs {c.reference} (by any amount):"
        f" {format_probability(m['p_benefit'])}."
    ]
    for t, p in c.beyond["mean_daily_difference"].items():
        lines.append(
            f"  Probability that {c.active} {c.verb} {what} by more than {t:g}"
            f" {_unit(o.units, t)} vs {c.reference}: {format_probability(p)}."
        )
    rope = o.rope_for("outcome", 1)
    if rope is not None and m["p_rope"] == m["p_rope"]:
        lines.append(
            f"  Probability that the {o.quantity} difference lies within +/-{rope:g} {o.units}"
            f" (practically equivalent): {format_probability(m['p_rope'])}."
        )
    return lines


def _relative_probabilities(c: _Context) -> list[str]:
    o = c.outcome
    direction = "lower" if o.better == "lower" else "higher"
    return [
        f"  Probability that {o.quantity} on {c.active} is more than {t:g}% {direction}"
        f" than on {c.reference} (a ratio of the arm means): {format_probability(p)}."
        for t, p in c.beyond["relative_change_pct"].items()
    ]


#: Sentences giving an estimand's value, by estimand name (in registry order in the text).
VALUE_LINES: dict[str, Callable[[_Context], list[str]]] = {
    "mean_daily_difference": _mean_value,
    "auc_difference": _auc_value,
}
#: Sentences giving an estimand's probabilities, by estimand name (after every value line).
PROBABILITY_LINES: dict[str, Callable[[_Context], list[str]]] = {
    "mean_daily_difference": _mean_probabilities,
    "relative_change_pct": _relative_probabilities,
}


def _horizon(n_days: int, outcome: Outcome) -> str:
    if n_days == 1:
        return "over the single reading of each period"
    return f"over {outcome.reading}s 1-{n_days}"


def _sign_note(outcome: Outcome) -> str:
    if outcome.better == "lower":
        return f"negative = less {outcome.noun}"
    return f"positive = more {outcome.noun}"


def summarize_contrasts(
    arm_mean: ArmMean,
    *,
    reference: str | None = None,
    outcome: Outcome | None = None,
    synthetic: bool = False,
    gate_failures: Sequence[str] = (),
) -> ContrastSummary:
    """Contrast table plus plain-language sentences.

    Parameters
    ----------
    arm_mean : xarray.DataArray, Dataset or DataTree
        ``arm_mean`` draws (or a posterior / DataTree holding them).
    reference : str, optional
        Reference arm (default: the first treatment).
    outcome : Outcome, optional
        Wording, units, direction of benefit and thresholds (default: 0-10 pain NRS).
    synthetic : bool
        Whether the data were simulated (the text then says so, first and last).
    gate_failures : sequence of str
        Failures of the diagnostics gate: the text then opens with "DIAGNOSTICS FAILED".

    Returns
    -------
    ContrastSummary

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> am = xr.DataArray(np.full((1, 4, 2, 7), 5.0), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 8)})
    >>> "SYNTHETIC DATA" in summarize_contrasts(am, synthetic=True).text
    True
    >>> summarize_contrasts(am, gate_failures=["max R-hat 1.2"]).text.splitlines()[0][:40]
    'DIAGNOSTICS FAILED: do not interpret the'
    """
    out_come = Outcome.nrs_0_10() if outcome is None else outcome
    ds = contrast_draws(arm_mean, reference=reference, outcome=out_come)
    table = contrast_table(ds, outcome=out_come)
    n_days = int(ds.attrs["n_days"])
    failures = tuple(str(f) for f in gate_failures)
    lines = []
    if failures:
        lines += [
            "DIAGNOSTICS FAILED: do not interpret these numbers until the failures are"
            f" resolved ({'; '.join(failures)}).",
            "",
        ]
    header = f"Posterior treatment contrasts {_horizon(n_days, out_come)} ({_sign_note(out_come)})"
    if synthetic:
        header += " -- SYNTHETIC DATA (simulated, not patients)"
    lines += [header, ""]
    beyond = beyond_by_row(table)
    for _, rows in table.groupby("contrast", sort=False):
        by = rows.set_index("estimand")
        context = _Context(
            outcome=out_come,
            rows=by,
            beyond={str(e): beyond[i] for i, e in zip(rows.index, rows["estimand"], strict=True)},
            active=str(by["active"].iloc[0]),
            reference=str(by["reference"].iloc[0]),
        )
        lines.append(f"{context.active} vs {context.reference}:")
        for builders in (VALUE_LINES, PROBABILITY_LINES):
            for name, build in builders.items():
                if name in by.index:
                    lines += build(context)
        lines.append("")
    constant = bool(ds.attrs["constant_over_day"])
    if constant and n_days > 1:  # one reading per period: nothing varies over readings
        r = out_come.reading
        lines.append(
            f"This model's treatment effect is constant over the {r}s of a period (arm_mean"
            f" does not vary by {r}), so week-1 and single-{r} estimands repeat the mean"
            " difference over the period; fit daily_decay to let the effect vary with time in"
            " the period."
        )
    lines.append(
        "Probabilities are posterior probabilities given the model, the priors and the data;"
        f" they are not p-values. Thresholds: {'; '.join(out_come.sources)}."
    )
    if "relative_change_pct" in set(table["estimand"]):
        pct = ", ".join(f"{t:g}%" for t in out_come.relative_thresholds_pct)
        lines.append(
            f"The relative threshold ({pct}) is applied to a between-arm ratio of mean"
            f" {out_come.per_reading or 'per-period'} {out_come.noun}, not to each"
            " patient's change from baseline (the within-patient sense of responder thresholds"
            " such as IMMPACT's 30%): it is not the share of patients improved by that much."
        )
    if synthetic:
        lines.append(
            "SYNTHETIC DATA: these numbers come from simulated subjects and say nothing about"
            " the treatments' real effects."
        )
    return ContrastSummary(
        table=table,
        text="\n".join(lines),
        n_days=n_days,
        synthetic=bool(synthetic),
        constant_over_day=constant,
        gate_failures=failures,
    )
