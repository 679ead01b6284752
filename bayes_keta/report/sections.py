"""One function per report section: each returns :class:`~bayes_keta.report.blocks.Section`.

The order and the ids are the report's contract (tests and the browser check look for them):
see :data:`SECTION_IDS`. Every section reads the :class:`~bayes_keta.report.collect.ReportData`
record; figures come from :mod:`bayes_keta.report.plots`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bayes_keta.constants import CI_PROB, NRS_THRESHOLDS, ROPE_NRS
from bayes_keta.data.design import design_summary
from bayes_keta.estimands import (
    beyond_by_row,
    by_day,
    contrast_draws,
    contrast_table,
    format_probability,
    threshold_curve,
)
from bayes_keta.formatting import format_ess, format_rhat, format_vs_threshold
from bayes_keta.report import plots
from bayes_keta.report.blocks import Banner, Figure, Report, Section, Table, Text
from bayes_keta.report.collect import ReportData, SpecResult
from bayes_keta.report.loo import KHAT_MAX, loo_comparison
from bayes_keta.report.model_text import model_math, prior_table
from bayes_keta.report.sensitivity import key_variables, read_sweep

__all__ = ["SECTION_IDS", "SECTION_TITLES", "assemble", "banners", "sweep_section"]

_CI = f"{CI_PROB * 100:g}"
_LO, _HI = f"lo{_CI}", f"hi{_CI}"

#: Section ids in report order, with their headings.
SECTION_TITLES: dict[str, str] = {
    "summary": "Summary",
    "data": "Data and design",
    "model": "Models and priors",
    "answers": "Clinical answers",
    "published": "Published-results reanalysis",
    "sensitivity": "Prior sensitivity",
    "ppc": "Posterior predictive checks",
    "diagnostics": "MCMC diagnostics",
    "loo": "Model comparison (PSIS-LOO)",
    "provenance": "Provenance and reproducibility",
    "checklist": "Reporting checklist (BARG)",
}
SECTION_IDS: tuple[str, ...] = tuple(SECTION_TITLES)


def _pct(p: float | None) -> str:
    """One probability format for the whole report: the estimands' own."""
    return "n/a" if p is None else format_probability(p)


def _section(sid: str, blocks: list, *, title: str | None = None, level: int = 2) -> Section:
    return Section(id=sid, title=title or SECTION_TITLES[sid], blocks=tuple(blocks), level=level)


def _draws(result: SpecResult):
    return contrast_draws(result.fit.datatree, reference=result.fit.reference)


# --------------------------------------------------------------------------------- banners
def banners(data: ReportData) -> tuple[Banner, ...]:
    """Top-of-report call-outs: synthetic data, failed gate (red), warnings (amber)."""
    out: list[Banner] = []
    trial = data.trial
    if trial.synthetic:
        out.append(
            Banner(
                "danger",
                "SYNTHETIC DATA: simulated subjects, not patients",
                (
                    f"Data set '{trial.name}': {trial.source}",
                    "Every number in this report describes the simulation, not the real"
                    " effects of the treatments.",
                ),
            )
        )
    failed = [r for r in data.results.values() if not r.passed]
    if failed:
        lines = []
        for r in failed:
            lines += [f"{r.name}: {f}" for f in r.diagnostics.failures]
        out.append(
            Banner(
                "danger",
                f"DIAGNOSTICS FAILED for {len(failed)} of {len(data.results)} model(s):"
                f" {', '.join(r.name for r in failed)}. Do not interpret their posteriors until"
                " the failures are resolved.",
                tuple(lines),
            )
        )
    else:
        out.append(
            Banner(
                "note",
                f"Diagnostics gate passed for every model ({', '.join(data.results)}):"
                f" R-hat <= {data.gate.rhat_max:g}, bulk and tail ESS >= {data.gate.ess_min:g},"
                f" no divergences, E-BFMI >= {data.gate.bfmi_min:g}.",
            )
        )
    warnings = []
    for r in data.results.values():
        warnings += [f"{r.name}: {w}" for w in r.diagnostics.warnings]
        if r.loo.n_high_k:
            warnings.append(
                f"{r.name}: {r.loo.n_high_k} observation(s) with Pareto k > {KHAT_MAX:g}"
                " (PSIS-LOO unreliable for them)"
            )
    if data.psense.table is not None:
        flagged = data.psense.table[
            data.psense.table["diagnosis"].astype(str).str.contains("conflict|prior", case=False)
        ]
        if len(flagged):
            warnings.append(
                f"{data.main}: power-scaling flags {len(flagged)} quantity(ies) as prior-"
                "sensitive (see Prior sensitivity)"
            )
    if warnings:
        out.append(Banner("warning", "Warnings (do not fail the gate)", tuple(warnings)))
    return tuple(out)


# --------------------------------------------------------------------------------- summary
def summary_section(data: ReportData) -> Section:
    """Put the answer first: conclusion of the main model, the gate verdict, the key numbers."""
    main = data.main_result
    trial = data.trial
    from bayes_keta.estimands import summarize_contrasts

    text = summarize_contrasts(
        main.fit.datatree, reference=trial.reference, synthetic=trial.synthetic
    ).text
    blocks: list = []
    description = main.fit.spec.description or ""
    first_line = " ".join(description.split()) or "no description"
    if not main.passed:
        blocks.append(
            Text(
                f"The main model '{data.main}' FAILED the diagnostics gate: the numbers below"
                " are not reliable.",
                "danger",
            )
        )
    blocks.append(
        Text(
            f"Main model: '{data.main}' ({first_line})."
            f" Models fitted: {', '.join(data.results)}. Intervals are {_CI}% equal-tailed"
            " credible intervals; probabilities are posterior probabilities, not p-values."
        )
    )
    blocks.append(Text(text, "pre"))
    rows = []
    for name, r in data.results.items():
        table = contrast_table(_draws(r), estimands=["mean_daily_difference"])
        for rec, beyond in zip(table.to_dict("records"), beyond_by_row(table), strict=True):
            rows.append(
                {
                    "model": name,
                    "contrast": rec["contrast"],
                    "mean": rec["mean"],
                    f"{_CI}% interval": f"{rec[_LO]:.2f} to {rec[_HI]:.2f}",
                    "P(benefit)": _pct(rec["p_benefit"]),
                    **{f"P(< -{t:g})": _pct(beyond.get(t, np.nan)) for t in NRS_THRESHOLDS},
                    f"P(|diff| < {ROPE_NRS:g})": _pct(rec["p_rope"]),
                    "gate": "passed" if r.passed else "FAILED",
                }
            )
    blocks.append(
        Table.from_frame(
            pd.DataFrame(rows),
            caption="Mean daily pain difference (active minus reference, NRS points) in every"
            " fitted model: a model-sensitivity check at a glance.",
            formats={"mean": ".2f"},
        )
    )
    return _section("summary", blocks)


# ------------------------------------------------------------------------------------ data
def consort_table(trial) -> pd.DataFrame:
    """Subjects allocated and analysed per period and arm (CONSORT-like counts)."""
    cells = trial.cells
    rows = []
    for period in trial.periods:
        for arm in trial.treatments:
            sub = cells[(cells["period"] == period) & (cells["treatment"] == arm)]
            rows.append(
                {
                    "period": period,
                    "treatment": arm,
                    "allocated (in data)": int(len(sub)),
                    "analysed (>= 1 diary day)": int((sub["n_obs"] > 0).sum()),
                    "diary days observed": int(sub["n_obs"].sum()),
                    "diary days expected": int(len(sub) * trial.n_days),
                }
            )
    return pd.DataFrame(rows)


def data_section(data: ReportData) -> Section:
    """Design, sequences, CONSORT-like counts, missing diary days, observed mean curves."""
    trial = data.trial
    ds = design_summary(trial)
    blocks: list = []
    if trial.synthetic:
        blocks.append(Text("SYNTHETIC DATA (simulated, not patients).", "danger"))
    blocks.append(Text(ds.text, "pre"))
    seq = pd.DataFrame({"sequence": list(ds.sequences), "subjects": list(ds.sequences.values())})
    blocks.append(Table.from_frame(seq, caption="Subjects randomized to each treatment sequence."))
    blocks.append(
        Table.from_frame(
            consort_table(trial),
            caption=(
                f"Flow of subjects: {trial.n_subjects} in the data;"
                f" drop-outs (missing at least one period): {len(ds.dropouts)}"
                + (f" ({', '.join(ds.dropouts)})" if ds.dropouts else "")
                + ". Only subjects present in the data file can be counted."
            ),
        )
    )
    blocks.append(
        Table.from_frame(
            ds.table,
            caption="Per arm: missing diary days, observed mean pain and the observed AUC"
            " (sum of daily pain; a missing day imputed by its subject-period mean).",
            formats={"missing_pct": ".1f", "mean_pain": ".2f", "auc_mean": ".1f", "auc_sd": ".1f"},
        )
    )
    blocks.append(
        Figure(
            plots.plot_observed_curves(trial),
            "Observed mean daily pain by day after the infusion, per arm (raw data, no model).",
            "observed mean pain curves",
        )
    )
    return _section("data", blocks)


# ----------------------------------------------------------------------------------- model
def _settings_table(fit) -> pd.DataFrame:
    s = fit.record.sampler.to_dict()
    keep = (
        "sampler",
        "requested_sampler",
        "chains",
        "draws",
        "tune",
        "cores",
        "seed",
        "compile_seconds",
        "sample_seconds",
        "compile",
        "fallback_reason",
    )
    rows = [{"setting": k, "value": str(s[k])} for k in keep if k in s]
    return pd.DataFrame(rows)


def model_sections(data: ReportData) -> list[Section]:
    """Describe each model in words and math, with every prior and the sampler settings."""
    trial = data.trial
    out = [
        _section(
            "model",
            [
                Text(
                    "Every model describes the daily pain diary (0-10 NRS) of each subject in"
                    " each period (or, for 'auc', its sum over the follow-up) with subject and"
                    " period effects; all expose arm_mean[k, t], the expected daily pain of a"
                    " typical subject on arm k on day t, from which every contrast is computed."
                    " Priors are written in daily NRS points (pain score-days for 'auc' after"
                    " multiplying by the follow-up length); they are weakly informative unless"
                    " a named prior set was given."
                ),
                Text(
                    "Decision rules (stated before looking at results): a benefit is a negative"
                    " difference (less pain on the active arm). Clinically meaningful"
                    f" thresholds: {', '.join(f'{t:g}' for t in NRS_THRESHOLDS)} points of mean"
                    " daily pain (Farrar et al. 2001: about 1 point minimally, about 2 points or"
                    f" 30% much improved; IMMPACT, Dworkin et al. 2008). Region of practical"
                    f" equivalence (ROPE): |difference| < {ROPE_NRS:g} points. We report"
                    " P(benefit), P(difference < -threshold) and P(inside ROPE); no single"
                    " cut-off decides.",
                    "note",
                ),
            ],
        )
    ]
    for name, r in data.results.items():
        fit = r.fit
        spec = fit.spec
        blocks: list = [
            Text(spec.description or "(no description in the spec)"),
            Text(model_math(spec, n_days=trial.n_days, treatments=trial.treatments), "math"),
            Table.from_frame(
                prior_table(spec, fit.priors, n_days=trial.n_days),
                caption=f"Priors of '{name}' as applied (resolved: user > prior set > spec).",
            ),
            Table.from_frame(_settings_table(fit), caption=f"Sampler settings of '{name}' (NUTS)."),
        ]
        notes = getattr(fit.datatree, "attrs", {}).get("model_notes")
        if notes and notes not in ("[]", "null"):
            blocks.append(Text(f"Model notes: {notes}", "note"))
        out.append(_section(f"model-{name}", blocks, title=f"Model '{name}'", level=3))
    return out


# --------------------------------------------------------------------------------- answers
def _contrast_rows(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for rec, beyond in zip(table.to_dict("records"), beyond_by_row(table), strict=True):
        digits = ".1f" if rec["scale"] in ("auc", "percent") else ".2f"
        rows.append(
            {
                "contrast": rec["contrast"],
                "estimand": rec["estimand"],
                "scale": rec["scale"],
                "mean": format(rec["mean"], digits),
                f"{_CI}% interval": f"{rec[_LO]:{digits}} to {rec[_HI]:{digits}}",
                "P(benefit)": _pct(rec["p_benefit"]),
                "P(beyond threshold t)": "; ".join(
                    f"t={t:g}: {_pct(p)}" for t, p in beyond.items()
                ),
                "P(ROPE)": _pct(rec["p_rope"]),
            }
        )
    return pd.DataFrame(rows)


def answers_section(data: ReportData) -> Section:
    """Contrasts table, threshold curves, posterior densities, by-day effects, conclusion."""
    main = data.main_result
    draws = _draws(main)
    table = contrast_table(draws)
    blocks: list = [
        Table.from_frame(
            _contrast_rows(table),
            caption=(
                f"Main model '{data.main}': every estimand x contrast. mean and {_CI}% credible"
                " interval of the difference (active - reference; negative = less pain);"
                " P(benefit) = P(difference < 0); P(beyond threshold t) = P(difference < -t)"
                " on the estimand's own scale (NRS points, pain score-days for the AUC,"
                f" percent for the relative change); P(ROPE) = P(|difference| < {ROPE_NRS:g}"
                " point, or its AUC equivalent)."
            ),
        )
    ]
    curve = threshold_curve(draws)
    blocks.append(
        Figure(
            plots.plot_threshold_curves(curve),
            "Probability that the mean daily pain difference is below -t, for every threshold t"
            " (dotted: " + ", ".join(f"{t:g}" for t in NRS_THRESHOLDS) + " points).",
            "probability of benefit beyond threshold",
        )
    )
    blocks.append(
        Figure(
            plots.plot_effect_densities(draws),
            f"Posterior of the mean daily pain difference per contrast; grey: ROPE +/-{ROPE_NRS:g};"
            f" black bar: {_CI}% interval; red dashes: benefit thresholds.",
            "posterior densities of the mean daily difference",
        )
    )
    # by-day curve: the first fitted spec whose model has a time-varying effect, else the main
    varying = [n for n, r in data.results.items() if r.capabilities.time_varying_effect]
    curve_source = varying[0] if varying else data.main
    source = data.results[curve_source]
    by_day_draws = by_day(source.fit.datatree, reference=data.trial.reference)
    constant = bool(_draws(source).attrs.get("constant_over_day"))
    blocks.append(
        Figure(
            plots.plot_by_day_effects(by_day_draws, model_name=curve_source),
            f"Treatment effect on each day after the infusion (median and {_CI}% band) from"
            f" '{curve_source}'"
            + (
                " (a model with a time-varying effect)."
                if source.capabilities.time_varying_effect
                else (" (constant over days by construction)." if constant else ".")
            ),
            "by-day treatment effect",
        )
    )
    across = []
    for name, r in data.results.items():
        t = contrast_table(_draws(r), estimands=["mean_daily_difference"])
        for rec in t.to_dict("records"):
            across.append(
                {
                    "spec": name,
                    "contrast": rec["contrast"],
                    "mean": rec["mean"],
                    "lo": rec[_LO],
                    "hi": rec[_HI],
                }
            )
    if len(data.results) > 1:
        blocks.append(
            Figure(
                plots.plot_model_contrasts(pd.DataFrame(across)),
                "Mean daily pain difference across the fitted models (structural sensitivity).",
                "contrast per model",
            )
        )
    return _section("answers", blocks)


# ------------------------------------------------------------------------------- published
def published_section(data: ReportData) -> Section:
    """Summary-level reanalysis of the published KETAPAIN effect sizes beside the fits."""
    from bayes_keta.published import reanalyse_published

    try:
        res = reanalyse_published()
    except Exception as err:  # noqa: BLE001 - a side analysis never sinks the report
        return _section("published", [Text(f"Published reanalysis unavailable: {err}", "warning")])
    table = res.table
    beyond = [c for c in table.columns if c.startswith("p_beyond_")]
    cols = [
        "active",
        "reference",
        "prior",
        "prior_spec",
        "estimate",
        "published_lo95",
        "published_hi95",
        "post_mean",
        f"post_lo{round(CI_PROB * 100)}",
        f"post_hi{round(CI_PROB * 100)}",
        "p_benefit",
        *beyond,
    ]
    shown = table[[c for c in cols if c in table.columns]].copy()
    for c in ["p_benefit", *beyond]:
        shown[c] = [_pct(p) for p in shown[c]]
    blocks = [
        Text(
            "Independent of the data above: the effect sizes published by Pickering et al."
            " (Anesthesiology 2020;133:154-164), on the standardized-mean-difference scale,"
            " reanalysed under vague, skeptical and enthusiastic priors (Spiegelhalter et al."
            " 1994) with a normal approximation of the likelihood."
            + (
                " It is the only part of this report that rests on the real trial's results;"
                " the patient-level analysis above uses SYNTHETIC data."
                if data.trial.synthetic
                else ""
            )
        ),
        Text("\n".join(f"- {n}" for n in res.notes), "pre"),
        Table.from_frame(
            shown,
            caption="One row per published contrast and prior; p_benefit = P(favoured arm has"
            " less pain); p_beyond_t = P(benefit larger than t SMD).",
            formats={"estimate": ".2f"},
            default=".2f",
        ),
    ]
    try:
        blocks.append(
            Figure(
                plots.to_base64(res.plot(panel_size=(3.0, 2.1))),
                "Prior (dashed), likelihood and posterior per published contrast and prior.",
                "published reanalysis",
            )
        )
    except Exception as err:  # noqa: BLE001
        blocks.append(Text(f"Plot unavailable: {err}", "warning"))
    return _section("published", blocks)


# ----------------------------------------------------------------------------- sensitivity
def sweep_section(sweep_dir: str | Path, *, shown_as: str | Path | None = None) -> Section:
    """Prior-sweep results from a ``bayes-keta sweep`` output directory (``sweep.csv`` + PNGs).

    Parameters
    ----------
    sweep_dir : str or Path
        Directory with ``sweep.csv`` (columns ``setting``, ``active``, ``reference``,
        ``estimand``, ``mean``, ``lo95``, ``hi95``, ``p_benefit``, ``p_beyond_<t>``..., plus
        prior parameter columns) and any ``*.png`` figures.
    shown_as : str or Path, optional
        The directory named in the text (default ``sweep_dir``).

    Returns
    -------
    Section
        Sub-section ``sensitivity-sweep``.

    Raises
    ------
    OutputError
        Missing or malformed ``sweep.csv``.
    """
    import base64

    frame, pngs = read_sweep(sweep_dir)
    # the headline estimand only: the full table (every estimand) stays in sweep.csv
    headline = "mean_daily_difference"
    if "estimand" in frame.columns and (frame["estimand"] == headline).any():
        frame = frame.loc[frame["estimand"] == headline]
    keep = [
        c
        for c in (
            "setting",
            "prior_effect",
            "hyper_scale",
            "active",
            "reference",
            "mean",
            "lo95",
            "hi95",
            "p_benefit",
        )
        if c in frame.columns
    ]
    keep += [c for c in frame.columns if c.startswith("p_beyond_")]
    keep += [c for c in ("passed",) if c in frame.columns]
    shown = frame[keep].copy()
    for c in [c for c in keep if c == "p_benefit" or c.startswith("p_beyond_")]:
        shown[c] = [_pct(float(p)) for p in shown[c]]
    blocks: list = [
        Text(
            f"Results of the prior sweep in {Path(shown_as or sweep_dir)}: the same model"
            " refitted under"
            " each prior setting (treatment-effect prior centre x scale, variance hyperprior"
            " scales, the named prior sets); a conclusion that holds across plausible priors is"
            " robust. p_beyond_t is P(difference < -t NRS points)."
        ),
        Table.from_frame(
            shown,
            caption=(
                f"{headline} (NRS points) per prior setting and contrast; every estimand is in"
                " sweep.csv."
            ),
            default=".3g",
        ),
    ]
    for png in pngs:
        blocks.append(
            Figure(
                base64.b64encode(png.read_bytes()).decode("ascii"), f"Sweep: {png.name}", png.stem
            )
        )
    return _section("sensitivity-sweep", blocks, title="Prior sweep", level=3)


def sensitivity_sections(data: ReportData) -> list[Section]:
    """Power-scaling sensitivity of the main model, plus the sweep when given."""
    ps = data.psense
    blocks: list = [
        Text(
            "Power-scaling sensitivity (Kallioinen et al., Statistics and Computing 2024): the"
            " priors (jointly) and the likelihood are raised to a power near 1 and the change of"
            " each posterior is measured by the cumulative Jensen-Shannon distance; above 0.05"
            " a quantity is flagged. Prior sensitivity with likelihood sensitivity suggests a"
            " prior-data conflict; prior sensitivity alone, a strong prior or weak data."
            f" Model: '{data.main}'."
        )
    ]
    if ps.table is None:
        blocks.append(Text(f"Power-scaling not available: {ps.error}", "warning"))
    else:
        blocks.append(
            Table.from_frame(
                ps.table,
                caption="Power-scaled priors: " + ", ".join(ps.prior_variables) + ".",
                index=True,
                formats={"prior": ".3f", "likelihood": ".3f"},
            )
        )
        blocks.append(
            Text(
                "Note: the cumulative JS distance is estimated by importance sampling from the"
                " posterior draws; with few draws small values are noisy.",
                "note",
            )
        )
    out = [_section("sensitivity", blocks)]
    if data.sweep_dir is not None:
        out.append(sweep_section(data.sweep_dir, shown_as=data.sweep_shown))
    else:
        out.append(
            _section(
                "sensitivity-sweep",
                [
                    Text(
                        "No prior sweep included. Run `bayes-keta sweep --out DIR` and pass"
                        " `--sweep DIR` to add the results under skeptical, neutral and"
                        " enthusiastic priors."
                    )
                ],
                title="Prior sweep",
                level=3,
            )
        )
    return out


# ------------------------------------------------------------------------------------- ppc
def ppc_section(data: ReportData) -> Section:
    """Posterior predictive checks: daily scores, subject-period AUC and by-day means per arm."""
    arms = list(data.trial.treatments)
    main = data.main_result
    blocks: list = [
        Text(
            "Replicated data sets are drawn from the posterior predictive distribution and"
            " compared with the observed data per arm. A good model puts the observed statistic"
            " inside the replicated spread; ppp = P(replicated >= observed), extreme values"
            " (near 0 or 1) flag misfit."
        )
    ]
    if main.ppc is None:
        blocks.append(Text(f"'{data.main}': no predictive checks ({main.ppc_error}).", "warning"))
    else:
        blocks.append(Text(" ".join(main.ppc.notes), "note"))
        if main.ppc.scores is not None:
            blocks.append(
                Figure(
                    plots.plot_score_ppc(main.ppc, arms),
                    f"'{data.main}': daily scores 0-10 per arm, observed (bars) and replicated"
                    f" counts (median and {_CI}% interval).",
                    "score distribution check",
                )
            )
        blocks.append(
            Figure(
                plots.plot_auc_ppc(main.ppc, arms),
                f"'{data.main}': subject-period AUC per arm, observed ECDF (black) over"
                " replicated ECDFs.",
                "AUC check",
            )
        )
        if main.ppc.by_day is not None:
            blocks.append(
                Figure(
                    plots.plot_day_ppc(main.ppc, arms),
                    f"'{data.main}': mean pain by day per arm, observed (black) and"
                    f" {_CI}% replicated band.",
                    "by-day mean check",
                )
            )
    rows = []
    for name, r in data.results.items():
        if r.ppc is None:
            rows.append({"model": name, "treatment": "n/a", "note": r.ppc_error or ""})
            continue
        for rec in r.ppc.auc_table.to_dict("records"):
            rows.append(
                {
                    "model": name,
                    "treatment": rec["treatment"],
                    "cells": rec["cells"],
                    "observed mean AUC": f"{rec['observed_mean']:.1f}",
                    f"replicated mean ({_CI}%)": f"{rec['rep_mean_lo']:.1f} to"
                    f" {rec['rep_mean_hi']:.1f}",
                    "ppp mean": f"{rec['ppp_mean']:.2f}",
                    "observed SD": f"{rec['observed_sd']:.1f}",
                    f"replicated SD ({_CI}%)": f"{rec['rep_sd_lo']:.1f} to {rec['rep_sd_hi']:.1f}",
                    "ppp SD": f"{rec['ppp_sd']:.2f}",
                }
            )
    blocks.append(
        Table.from_frame(
            pd.DataFrame(rows).fillna(""),
            caption="Subject-period AUC per arm in every model: observed mean and SD against"
            " their replicated distributions.",
        )
    )
    return _section("ppc", blocks)


# ----------------------------------------------------------------------------- diagnostics
def _gate_table(data: ReportData) -> pd.DataFrame:
    rows = []
    for name, r in data.results.items():
        d = r.diagnostics
        rows.append(
            {
                "model": name,
                "gate": "passed" if d.passed else "FAILED",
                "chains x draws": f"{d.n_chains} x {d.n_draws}",
                "max R-hat": d.max_rhat,
                "min bulk ESS": d.min_ess_bulk,
                "min tail ESS": d.min_ess_tail,
                "divergences": d.divergences,
                "min E-BFMI": d.min_bfmi,
                "tree-depth saturation": (
                    None if d.treedepth_saturation is None else _pct(d.treedepth_saturation)
                ),
                "fit time (s)": r.seconds,
                "failures": "; ".join(d.failures) or "none",
            }
        )
    return pd.DataFrame(rows)


def _per_variable(diag) -> pd.DataFrame:
    table = diag.table
    if not len(table):
        return pd.DataFrame()
    var = table.index.to_series().str.replace(r"\[.*$", "", regex=True)
    grouped = table.groupby(var.values, sort=False)
    return pd.DataFrame(
        {
            "elements": grouped.size(),
            "max R-hat": grouped["r_hat"].max(),
            "min bulk ESS": grouped["ess_bulk"].min(),
            "min tail ESS": grouped["ess_tail"].min(),
            "max MCSE(mean)": grouped["mcse_mean"].max(),
            "max MCSE(sd)": grouped["mcse_sd"].max(),
        }
    ).rename_axis("variable")


def diagnostics_section(data: ReportData) -> Section:
    """Gate verdict per model, per-variable R-hat/ESS/MCSE, rank and energy plots."""
    g = data.gate
    # as many decimals as the comparison with the gate threshold needs (1.0104 > 1.01)
    gate_formats: dict = {
        "max R-hat": lambda x: format_rhat(x, g.rhat_max),
        "min bulk ESS": lambda x: format_ess(x, g.ess_min),
        "min tail ESS": lambda x: format_ess(x, g.ess_min),
        "min E-BFMI": lambda x: format_vs_threshold(x, g.bfmi_min, decimals=2),
    }
    blocks: list = [
        Text(
            f"Gate (Vehtari et al. 2021; Betancourt 2016): rank-normalised split R-hat <="
            f" {g.rhat_max:g}, bulk and tail ESS >= {g.ess_min:g}, no divergent transitions,"
            f" E-BFMI >= {g.bfmi_min:g} in every chain, computed with ArviZ (arviz_stats)."
            " Tree-depth saturation is a warning. A model that fails is marked in red at the"
            " top of the report and in its summary.json (diagnostics.passed = false)."
        ),
        Table.from_frame(
            _gate_table(data),
            caption="Diagnostics gate per model.",
            formats={**gate_formats, "fit time (s)": ".1f"},
        ),
    ]
    for name, r in data.results.items():
        blocks.append(Text(r.diagnostics.text, "pre" if r.passed else "danger"))
        per_var = _per_variable(r.diagnostics)
        if len(per_var):
            blocks.append(
                Table.from_frame(
                    per_var,
                    caption=f"'{name}': worst R-hat, ESS and MCSE per posterior variable"
                    " (over its elements).",
                    index=True,
                    formats={
                        **gate_formats,
                        "max MCSE(mean)": ".3g",
                        "max MCSE(sd)": ".3g",
                    },
                )
            )
    main = data.main_result
    tree = main.fit.datatree
    key = key_variables(tree["posterior"].to_dataset(), max_size=4)
    for label, make in (
        ("rank", lambda: plots.plot_rank(tree, key)),
        ("energy", lambda: plots.plot_energy(tree)),
    ):
        try:
            png = make()
        except Exception as err:  # noqa: BLE001 - a plot failure is reported, not fatal
            blocks.append(Text(f"{label} plot unavailable: {err}", "warning"))
            continue
        caption = (
            f"'{data.main}': rank ECDF differences per chain for {', '.join(key)} (inside the"
            " envelope = chains agree)."
            if label == "rank"
            else f"'{data.main}': marginal energy vs energy transition distributions (similar"
            " widths = efficient exploration; E-BFMI per chain)."
        )
        blocks.append(Figure(png, caption, f"{label} plot"))
    return _section("diagnostics", blocks)


# ------------------------------------------------------------------------------------- loo
def loo_section(data: ReportData) -> Section:
    """PSIS-LOO per model and the comparison of the daily-level models."""
    rows = pd.DataFrame([r.loo.row() for r in data.results.values()])
    blocks: list = [
        Text(
            "Expected log predictive density by Pareto-smoothed importance-sampling"
            " leave-one-out cross-validation (Vehtari, Gelman & Gabry 2017), with arviz_stats."
            f" Observations with Pareto k > {KHAT_MAX:g} make the estimate unreliable."
        ),
        Table.from_frame(
            rows,
            caption="PSIS-LOO per model.",
            formats={"elpd_loo": ".1f", "se": ".1f", "p_loo": ".1f"},
        ),
    ]
    table, notes = loo_comparison({n: r.loo for n, r in data.results.items()})
    if table is not None:
        table = table.rename_axis("model")
        blocks.append(
            Table.from_frame(
                table,
                caption="Comparison of the models fitted to the daily scores (arviz_stats.compare;"
                " best first).",
                index=True,
                formats={
                    "elpd": ".1f",
                    "p": ".1f",
                    "elpd_diff": ".1f",
                    "dse": ".1f",
                    "se": ".1f",
                    "weight": ".2f",
                },
            )
        )
    if notes:
        blocks.append(Text("\n".join(f"- {n}" for n in notes), "pre"))
    return _section("loo", blocks)


# ------------------------------------------------------------------------------ provenance
def provenance_section(data: ReportData) -> Section:
    """Package versions, data hash, spec hashes, seeds, command; per model from its attrs."""
    trial = data.trial
    rows = [
        {"item": "command", "value": data.command},
        {"item": "report created", "value": data.created},
        {"item": "output directory", "value": str(data.out_dir.resolve() if data.out_dir else "")},
        {"item": "data", "value": f"{trial.name} ({'SYNTHETIC' if trial.synthetic else 'real'})"},
        {"item": "data source", "value": trial.source},
        {"item": "data sha256", "value": trial.sha256},
    ]
    versions = data.main_result.fit.record.versions
    rows += [{"item": f"version: {k}", "value": str(v)} for k, v in sorted(versions.items())]
    per_model = []
    for name, r in data.results.items():
        record = r.fit.record
        per_model.append(
            {
                "model": name,
                "spec sha256": record.model.sha256,
                "spec file": record.model.source,
                "seed": record.sampler.settings.seed,
                "sampler": record.sampler.used,
                "fit created": record.created,
                "outputs": f"fits/{name}/posterior.nc, fits/{name}/summary.json",
            }
        )
    blocks: list = [
        Table.from_frame(pd.DataFrame(rows), caption="Run and environment."),
        Table.from_frame(pd.DataFrame(per_model), caption="Per model: spec hash, seed, sampler."),
    ]
    spec_text = data.main_result.fit.record.model.toml
    if spec_text:
        blocks.append(Text(f"Spec of the main model '{data.main}' as read:\n\n{spec_text}", "pre"))
    blocks.append(
        Text(
            "Reproduce: rerun the command above in the same environment (same data sha256,"
            " spec hashes and seeds give identical draws); every fit is stored in"
            " fits/<model>/posterior.nc with its summary.json, reopened by"
            " bayes_keta.load_fit(dir).",
            "note",
        )
    )
    return _section("provenance", blocks)


def checklist_section(data: ReportData) -> Section:
    """Where each item of the Bayesian Analysis Reporting Guidelines (Kruschke 2021) is."""
    items = [
        ("Explain the model and why", "Models and priors (words and math per model)"),
        ("State and justify every prior", "Models and priors (prior tables, with sources)"),
        ("Prior predictive / sensitivity", "Prior sensitivity (power-scaling; sweep if given)"),
        ("MCMC convergence (R-hat, ESS) and efficiency", "MCMC diagnostics"),
        ("Posterior summary: central tendency and credible interval", "Clinical answers"),
        ("Decision rules (ROPE, thresholds) stated", "Models and priors; Clinical answers"),
        ("Posterior predictive check", "Posterior predictive checks"),
        ("Model comparison", "Model comparison (PSIS-LOO)"),
        ("Reproducibility: data, code, seeds", "Provenance and reproducibility"),
    ]
    frame = pd.DataFrame(items, columns=["BARG item (Kruschke, Nat Hum Behav 2021)", "where"])
    return _section("checklist", [Table.from_frame(frame)])


# -------------------------------------------------------------------------------- assemble
def assemble(data: ReportData) -> Report:
    """Build every section and the banners into a :class:`Report`."""
    trial = data.trial
    sections: list[Section] = [
        summary_section(data),
        data_section(data),
        *model_sections(data),
        answers_section(data),
        published_section(data),
        *sensitivity_sections(data),
        ppc_section(data),
        diagnostics_section(data),
        loo_section(data),
        provenance_section(data),
        checklist_section(data),
    ]
    label = "SYNTHETIC DATA - " if trial.synthetic else ""
    return Report(
        title=f"Bayesian reanalysis: {trial.name}",
        subtitle=(
            f"{label}{trial.n_subjects} subjects, {len(trial.periods)} periods,"
            f" {trial.n_days} days per period; arms {', '.join(trial.treatments)} (reference"
            f" {trial.reference}); main model '{data.main}'; created {data.created}"
        ),
        banners=banners(data),
        sections=tuple(sections),
        passed=data.passed,
        synthetic=trial.synthetic,
    )
