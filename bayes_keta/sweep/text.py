"""The plain-language summary of a sweep: numbers per setting, and how each was obtained."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from bayes_keta.estimands import CI_LABEL, beyond_column
from bayes_keta.outcome import Outcome

__all__ = ["method_lines", "sweep_text"]

_LO, _HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"


def _how(row: pd.Series) -> str:
    method = row.get("method", "fit")
    if method == "reweighted":
        return f"rw k={row['pareto_k']:.2f}" if math.isfinite(row["pareto_k"]) else "rw (same)"
    return str(method)


def sweep_text(
    table: pd.DataFrame,
    *,
    synthetic: bool,
    model: str,
    data: str,
    method: Mapping[str, Any] | None = None,
    reasons: Mapping[str, str] | None = None,
    outcome: Outcome | None = None,
) -> str:
    """Plain-language summary: for each contrast, the mean daily difference per setting.

    Numbers, units, the benefit direction and the threshold shown (the middle declared one:
    :func:`bayes_keta.sweep.outcome.headline_threshold`) follow ``outcome`` (default: the 0-10
    NRS). Each setting's line says how its numbers were obtained (``fit``, ``rw k=<Pareto k>``
    when reweighted, ``refit``); :func:`method_lines` closes the text with the method in words.

    Examples
    --------
    >>> t = pd.DataFrame({"setting": ["a"], "prior_effect": ["normal(0, 2)"], "hyper_scale":
    ...     [1.0], "contrast": ["k - p"], "estimand": ["mean_daily_difference"], "mean": [-1.0],
    ...     "lo95": [-2.0], "hi95": [0.1], "p_benefit": [0.96], "p_beyond_0.5": [0.8],
    ...     "p_beyond_1": [0.5], "p_beyond_2": [0.02], "passed": [True]})
    >>> "P(<-1)" in sweep_text(t, synthetic=False, model="daily", data="x")
    True
    >>> vas = t.rename(columns={"p_beyond_1": "p_beyond_13"})
    >>> text = sweep_text(vas, synthetic=False, model="daily", data="x",
    ...                   outcome=Outcome.vas_0_100())
    >>> "P(<-13)" in text, "(mm, negative = less pain)" in text
    (True, True)
    """
    from bayes_keta.sweep.outcome import headline_threshold

    outcome = outcome or Outcome.nrs_0_10()
    md = table[table["estimand"] == "mean_daily_difference"]
    n_settings = md["setting"].nunique()
    less = "less" if outcome.better == "lower" else "more"
    sign = "negative" if outcome.benefit_sign < 0 else "positive"
    header = (
        f"Prior-sensitivity sweep: model {model!r} on {data!r}, {n_settings} prior settings;"
        f" {outcome.quantity} difference over the follow-up ({outcome.units}, {sign} ="
        f" {less} {outcome.noun})"
    )
    if synthetic:
        header += " -- SYNTHETIC DATA (simulated, not patients)"
    lines = [header, ""]
    t = headline_threshold(outcome)
    p1 = beyond_column(t) if t is not None and beyond_column(t) in md.columns else None
    worse = "<" if outcome.benefit_sign < 0 else ">"
    t_head = f"P({worse}{'-' if outcome.benefit_sign < 0 else ''}{t:g})" if p1 else ""
    for contrast, rows in md.groupby("contrast", sort=False):
        lines.append(f"{contrast}:")
        lines.append(
            f"  {'setting':<28} {'effect prior':<20} {'hyper':>5} {'mean':>6}"
            f"  {CI_LABEL}% CrI          P({worse}0)  {t_head:>6}  diag  how"
        )
        for _, r in rows.iterrows():
            ci = f"[{r[_LO]:5.2f}, {r[_HI]:5.2f}]"
            beyond = f"{r[p1]:6.2f}" if p1 else f"{'':6}"
            lines.append(
                f"  {r['setting']:<28} {r['prior_effect']:<20} {r['hyper_scale']:>5g}"
                f" {r['mean']:6.2f}  {ci:<16}  {r['p_benefit']:5.2f}  {beyond}"
                f"  {'ok' if r['passed'] else 'FAILED':<4}  {_how(r)}"
            )
        span = f" the posterior mean {rows['mean'].min():.2f} to {rows['mean'].max():.2f}"
        if p1:
            lines.append(
                f"  P(benefit beyond {t:g} {outcome.units}) ranges {rows[p1].min():.2f} to"
                f" {rows[p1].max():.2f};{span} {outcome.units}."
            )
        else:
            lines.append(f" {span.strip().capitalize()} {outcome.units}.")
        lines.append("")
    failed = sorted(set(md.loc[~md["passed"].astype(bool), "setting"]))
    if failed:
        lines.append(
            f"DIAGNOSTICS FAILED for {len(failed)} setting(s): {', '.join(failed)}; do not"
            " interpret those rows (run more draws)."
        )
    lines += method_lines(md, method=method, reasons=reasons)
    sources = "; ".join(outcome.sources) or "declared with the outcome"
    lines.append(
        "Posterior probabilities given the model, each prior and the data; thresholds"
        f" ({', '.join(f'{x:g}' for x in outcome.thresholds) or 'none'} {outcome.units}):"
        f" {sources}. Priors are written in 0-10 NRS points and shown on the outcome's scale."
    )
    if synthetic:
        lines.append("SYNTHETIC DATA: the numbers say nothing about the treatments' real effects.")
    return "\n".join(lines)


def method_lines(
    table: pd.DataFrame,
    *,
    method: Mapping[str, Any] | None = None,
    reasons: Mapping[str, str] | None = None,
) -> list[str]:
    """Say which settings were fitted, reweighted and refitted, and why (one line each kind).

    Examples
    --------
    >>> t = pd.DataFrame({"setting": ["default", "a", "b"], "method": ["fit", "reweighted",
    ...     "refit"], "pareto_k": [float("nan"), 0.12, 0.91]})
    >>> lines = method_lines(t, reasons={"b": "Pareto k 0.91 > 0.7"})
    >>> lines[0]
    'Fitted with NUTS: default.'
    >>> lines[1].endswith("(PSIS; Pareto k 0.12 at most): a.")
    True
    >>> lines[2]
    'Refitted with NUTS because reweighting was not reliable enough: b (Pareto k 0.91 > 0.7).'
    """
    if "method" not in table.columns:
        return []
    per = table.drop_duplicates("setting")
    reasons = reasons or {}
    base = (method or {}).get("base_setting", "default")
    lines = []
    fitted = per.loc[per["method"] == "fit", "setting"].tolist()
    if fitted:
        lines.append(f"Fitted with NUTS: {', '.join(fitted)}.")
    rw = per[per["method"] == "reweighted"]
    if len(rw):
        k = rw["pareto_k"].max()
        most = f"Pareto k {k:.2f} at most" if math.isfinite(k) else "same priors as the base"
        lines.append(
            f"Reweighted from the {base!r} fit by Pareto-smoothed importance sampling (PSIS;"
            f" {most}): {', '.join(rw['setting'])}."
        )
    refit = per.loc[per["method"] == "refit", "setting"].tolist()
    if refit:
        named = [f"{s} ({reasons[s]})" if reasons.get(s) else s for s in refit]
        lines.append(
            "Refitted with NUTS because reweighting was not reliable enough: "
            + "; ".join(named)
            + "."
        )
    if method and method.get("text"):
        lines.append(f"Method: {method['text']}.")
    return lines
