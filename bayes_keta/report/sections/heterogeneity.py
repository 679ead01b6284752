"""The report section "Individual response": do patients differ in their treatment effect.

Registry line (after the model comparison)::

    SectionEntry(heterogeneity.ID, heterogeneity.heterogeneity_section,
                 collect=heterogeneity.collect)

:func:`collect` runs once (:func:`~bayes_keta.report.heterogeneity_collect.
collect_heterogeneity` on the report's fits: present only when a fitted spec has individual
effects, e.g. ``--model daily,daily_hte``); :func:`heterogeneity_section` reads its
:class:`~bayes_keta.report.heterogeneity_collect.HeterogeneityReport` (``data.extras[ID]``) and
returns a
:class:`~bayes_keta.report.blocks.Section`: the answer in words, what identifies it, tau beside
its prior (always, as a table and a figure), the responder shares, a new patient's effect,
each patient's own effect and the comparison with the common-effect model. Nothing is
computed here; the figures come from :mod:`bayes_keta.plots.heterogeneity` (encoded by the
renderer).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bayes_keta.estimands import CI_LABEL, beyond_column, format_probability
from bayes_keta.plots.heterogeneity import (
    plot_individual_effects,
    plot_responder_curve,
    plot_tau_prior_posterior,
)
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.heterogeneity_collect import HeterogeneityReport, collect_heterogeneity

__all__ = ["ID", "SECTION_TITLE", "collect", "heterogeneity_section"]

ID = "heterogeneity"
SECTION_TITLE = "Individual response (heterogeneity of the treatment effect)"
_LO, _HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"


def _figure(ax: Any, caption: str, alt: str) -> Figure:
    return Figure.of(ax, caption, alt)


def collect(data: Any) -> HeterogeneityReport | None:
    """Heterogeneity estimands of the report's individual-effects fit (None: no such fit)."""
    return collect_heterogeneity({name: r.fit for name, r in data.results.items()})


def _interval(lo: float, hi: float, digits: int = 2) -> str:
    return f"{lo:.{digits}f} to {hi:.{digits}f}"


def _share(row: Any) -> str:
    return f"{format_probability(row[_LO])} to {format_probability(row[_HI])}"


def _tau_table(result: Any) -> Table:
    rows = []
    for row in result.tau.to_dict(orient="records"):
        dominated = row["prior_dominated"]
        rows.append(
            {
                "treatment": row["treatment"],
                "tau (posterior mean)": f"{row['mean']:.2f}",
                f"{CI_LABEL}% CI": _interval(row[_LO], row[_HI]),
                "prior mean": "n/a" if dominated is None else f"{row['prior_mean']:.2f}",
                f"prior {CI_LABEL}% interval": "n/a"
                if dominated is None
                else _interval(row[f"prior_{_LO}"], row[f"prior_{_HI}"]),
                "posterior SD / prior SD": "n/a" if dominated is None else f"{row['sd_ratio']:.0%}",
                "verdict": "n/a"
                if dominated is None
                else "close to its prior"
                if dominated
                else "informed by the data",
            }
        )
    return Table.from_frame(
        pd.DataFrame(rows),
        caption=f"tau, the SD of the patients' own effects ({result.outcome.units}), beside its"
        " prior; 'close to its prior' when the posterior SD exceeds half the prior's.",
    )


def _responder_table(result: Any) -> Table:
    units = result.outcome.units
    rows = [
        {
            "treatment": r["treatment"],
            "own benefit beyond": "any benefit"
            if r["threshold"] == 0
            else f"{r['threshold']:g} {units}",
            "share of patients": format_probability(r["mean"]),
            f"{CI_LABEL}% CI": _share(r),
        }
        for r in result.responders.to_dict(orient="records")
    ]
    return Table.from_frame(
        pd.DataFrame(rows),
        caption="Share of the patient population whose own effect is a benefit beyond each"
        " threshold (normal random-effects model: Phi((benefit-signed mean effect - t) / tau)"
        " per posterior draw).",
    )


def _predictive_table(result: Any) -> Table:
    thresholds = result.outcome.thresholds
    rows = []
    for r in result.predictive.to_dict(orient="records"):
        rows.append(
            {"treatment": r["treatment"], "mean": f"{r['mean']:.2f}"}
            | {f"{CI_LABEL}% predictive interval": _interval(r[_LO], r[_HI])}
            | {"P(benefit)": format_probability(r["p_benefit"])}
            | {f"P(benefit > {t:g})": format_probability(r[beyond_column(t)]) for t in thresholds}
        )
    return Table.from_frame(pd.DataFrame(rows), caption="The effect in a new patient.")


def _individual_table(result: Any) -> Table:
    thresholds = result.outcome.thresholds
    rows = [
        {"patient": r["subject"], "treatment": r["treatment"], "own effect": f"{r['mean']:.2f}"}
        | {f"{CI_LABEL}% CI": _interval(r[_LO], r[_HI])}
        | {"P(benefit)": format_probability(r["p_benefit"])}
        | {f"P(benefit > {t:g})": format_probability(r[beyond_column(t)]) for t in thresholds}
        for r in result.individual.to_dict(orient="records")
    ]
    return Table.from_frame(
        pd.DataFrame(rows),
        caption="Each patient's own effect (the shrunken N-of-1 estimate: the patient's data"
        " pooled with everyone's).",
    )


def _comparison_blocks(report: Any) -> list:
    comparison = report.comparison
    if comparison is None:
        return [
            Text(
                "No common-effect daily model was fitted beside it, so no PSIS-LOO comparison"
                " (fit models/daily.toml too).",
                kind="note",
            )
        ]
    shown = comparison.table.copy()
    for col in ("n", "high_k"):
        shown[col] = shown[col].fillna(0).astype(int)
    shown["level"] = shown["level"].map(
        {"subject": "leave one patient out", "reading": "leave one reading out"}
    )
    return [
        Text(comparison.text),
        Table.from_frame(
            shown.rename(
                columns={
                    "elpd_common": f"ELPD {comparison.common}",
                    "elpd_individual": f"ELPD {comparison.individual}",
                    "elpd_diff": "difference",
                    "se_diff": "SE",
                    "high_k": "Pareto k > 0.7",
                }
            ),
            caption="PSIS-LOO of the common-effect and individual-effects models. Leaving a"
            " patient out asks which model predicts a new patient's data better; leaving one"
            " reading out given the patient's period means barely tells them apart.",
            default=".1f",
        ),
    ]


def heterogeneity_section(data: Any) -> Section | None:
    """Build the individual-response section from ``data.heterogeneity`` (None: left out).

    Parameters
    ----------
    data : ReportData
        The collected results; this reads ``data.extras[ID]`` (a
        :class:`~bayes_keta.report.heterogeneity_collect.HeterogeneityReport` or None).

    Returns
    -------
    Section or None
        None when no fitted spec has individual effects.
    """
    report = data.extras.get(ID)
    if report is None:
        return None
    result = report.result
    ident = result.identification
    blocks: list = [
        Text(
            f"Do patients differ in how much the treatments help them? From the"
            f" individual-effects model '{report.name}': each patient's own effect of each"
            f" active arm versus {result.reference}, how widely those effects spread (tau), and"
            " the share of patients who benefit beyond each threshold."
        ),
        Text(
            ident.text,
            kind="warning" if ident.identified_by != "replication" else "note",
        ),
        *(Text(line) for line in result.text.splitlines() if line and line != ident.text),
        _tau_table(result),
        _figure(
            plot_tau_prior_posterior(result),
            "tau's prior (dashed) and posterior (filled), per active arm: where they coincide"
            " the data said little about how much patients differ.",
            "prior and posterior of tau",
        ),
    ]
    if len(result.correlation):
        corr = result.correlation.assign(
            **{
                f"{CI_LABEL}% CI": [
                    _interval(a, b)
                    for a, b in zip(result.correlation[_LO], result.correlation[_HI], strict=True)
                ]
            }
        )[["pair", "mean", f"{CI_LABEL}% CI"]]
        blocks.append(
            Table.from_frame(
                corr,
                caption="Correlation of a patient's own effects across the active arms.",
                formats={"mean": ".2f"},
            )
        )
    blocks += [
        _responder_table(result),
        _figure(
            plot_responder_curve(result),
            "Share of patients whose own effect is a benefit beyond t, over t (band:"
            f" {CI_LABEL}% CI; dotted: declared thresholds).",
            "responder share over thresholds",
        ),
        _predictive_table(result),
        _figure(
            plot_individual_effects(result),
            f"Each patient's own effect with its {CI_LABEL}% interval; band: a new patient's"
            f" {CI_LABEL}% predictive interval; dotted: declared benefit thresholds.",
            "caterpillar plot of each patient's own effect",
        ),
        _individual_table(result),
        *_comparison_blocks(report),
    ]
    return Section(ID, SECTION_TITLE, tuple(blocks))
