"""MCMC diagnostics: the gate per model, worst R-hat/ESS/MCSE per variable, rank and energy."""

from __future__ import annotations

import pandas as pd

from bayes_keta.formatting import format_ess, format_rhat, format_vs_threshold
from bayes_keta.plots import energy, rank
from bayes_keta.report.blocks import Details, Figure, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import pct, section
from bayes_keta.report.sensitivity import key_variables

__all__ = ["ID", "diagnostics_section"]

ID = "diagnostics"


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
                    None if d.treedepth_saturation is None else pct(d.treedepth_saturation)
                ),
                "fit time (s)": r.seconds,
                "failures": "; ".join(d.failures) or "none",
            }
        )
    return pd.DataFrame(rows)


def _per_variable(table: pd.DataFrame) -> pd.DataFrame:
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
    """Gate table, per-model details (collapsed), rank and energy figures of the main model."""
    g = data.gate
    formats: dict = {  # as many decimals as the comparison with the threshold needs
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
            formats={**formats, "fit time (s)": ".1f"},
        ),
    ]
    for name, r in data.results.items():
        inner: list = [Text(r.diagnostics.text, "pre" if r.passed else "danger")]
        per_var = _per_variable(r.diagnostics.table)
        if len(per_var):
            inner.append(
                Table.from_frame(
                    per_var,
                    caption=f"'{name}': worst R-hat, ESS and MCSE per posterior variable.",
                    index=True,
                    formats={**formats, "max MCSE(mean)": ".3g", "max MCSE(sd)": ".3g"},
                )
            )
        verdict = "passed" if r.passed else "FAILED"
        blocks.append(Details(f"'{name}': diagnostics {verdict}, per variable", tuple(inner)))
    tree = data.main_result.fit.datatree
    key = key_variables(tree["posterior"].to_dataset(), max_size=4)
    for label, draw, caption in (
        (
            "rank",
            lambda: rank(tree, key),
            f"'{data.main}': rank ECDF differences per chain for {', '.join(key)} (inside the"
            " envelope = chains agree).",
        ),
        (
            "energy",
            lambda: energy(tree),
            f"'{data.main}': marginal energy vs energy transition distributions (similar"
            " widths = efficient exploration).",
        ),
    ):
        try:
            drawn = draw()
        except Exception as err:  # noqa: BLE001 - a plot failure is reported, not fatal
            blocks.append(Text(f"{label} plot unavailable: {err}", "warning"))
            continue
        blocks.append(Figure.of(drawn, caption, f"{label} plot of the main model's sampler"))
    return section(
        ID,
        "MCMC diagnostics",
        blocks,
        lead="Whether the sampler explored each posterior well enough for its numbers to be"
        " trusted: the gate's verdict per model, then the details.",
    )
