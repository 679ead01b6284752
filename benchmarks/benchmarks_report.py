"""Write ``benchmarks/README.md`` from the results table (called by ``benchmarks/run.py``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

#: Targets of issue 3 for ``daily`` on the embedded trial, 4 chains x 1000 draws.
TARGET_COLD_S = 10.0
TARGET_CACHED_S = 3.0
#: Targets of issue 19: ESS/s ahead of the peers by these factors, the default-grid sweep at
#: most this many cold fits with P(benefit) within this of a refit, the CLI start-up.
TARGET_ESS_RATIO = {"bambi": 4.0, "brms": 10.0}
TARGET_SWEEP_RATIO = 1.5
TARGET_SWEEP_AGREEMENT = 0.04
TARGET_CLI_S = 1.0
TARGET_FIRST_RUN_S = 30.0
TARGET_WARM_COMMAND_S = 12.0
#: Target of issue 17: simulated next-trial analyses per minute on 2 cores (fast path).
TARGET_ASSURANCE_PER_MIN = 10_000.0


def _f(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


_INTS = ("n_subjects", "n_days", "n_obs", "divergences", "chains", "draws")


def _markdown(frame: pd.DataFrame, columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in frame.iterrows():
        cells = []
        for c in columns:
            v = row[c]
            if isinstance(v, str) or c == "notes":
                cells.append("" if pd.isna(v) else str(v))
            elif c in _INTS and not pd.isna(v):
                cells.append(str(int(v)))
            else:
                digits = 0 if c in ("min_ess_bulk", "min_ess_tail", "peak_rss_mb", "per_min") else 1
                digits = 3 if c == "max_abs_diff" else digits
                cells.append(_f(None if pd.isna(v) else float(v), digits))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _one(table: pd.DataFrame, **where: Any) -> pd.Series | None:
    sel = table
    for k, v in where.items():
        sel = sel[sel[k].astype(str).str.startswith(str(v))] if k == "sampler" else sel[sel[k] == v]
    return None if sel.empty else sel.iloc[0]


def _targets(table: pd.DataFrame) -> list[str]:
    cold = _one(table, scenario="samplers", model="daily", sampler="nutpie")
    cached = _one(table, scenario="samplers_cached", model="daily", sampler="nutpie")
    pymc = _one(table, scenario="samplers", model="daily", sampler="pymc")
    out = ["| target (daily, embedded trial, 4 x 1000) | measured | met? |", "|---|---|---|"]
    if cold is not None:
        ok = cold["total_s"] <= TARGET_COLD_S
        out.append(
            f"| cold fit <= {TARGET_COLD_S:g} s | {cold['total_s']:.1f} s (compile"
            f" {cold['compile_s']:.1f} s + sampling {cold['sample_s']:.1f} s + predictive/"
            f"log-lik/prior {cold['total_s'] - cold['compile_s'] - cold['sample_s']:.1f} s) |"
            + (" yes |" if ok else f" **no**: {cold['total_s'] / TARGET_COLD_S:.1f}x the target |")
        )
    first = _one(table, scenario="samplers_first_run", model="daily", sampler="nutpie")
    if first is not None:
        out.append(
            f"| (for reference) cold fit on a machine's first run, disk caches empty |"
            f" {first['total_s']:.1f} s (compile {first['compile_s']:.1f} s) | - |"
        )
    if cached is not None:
        ok = cached["total_s"] <= TARGET_CACHED_S
        out.append(
            f"| cached fit <= {TARGET_CACHED_S:g} s | {cached['total_s']:.1f} s (sampling"
            f" {cached['sample_s']:.1f} s + predictive/log-lik/prior"
            f" {cached['total_s'] - cached['sample_s'] - cached['compile_s']:.1f} s) |"
            + (
                " yes |"
                if ok
                else f" **no**: {cached['total_s'] / TARGET_CACHED_S:.1f}x the target |"
            )
        )
    if cold is not None and pymc is not None and pymc["ess_per_s"]:
        out.append(
            f"| (for reference) vs PyMC NUTS, same model | {cold['ess_per_s']:.0f} vs"
            f" {pymc['ess_per_s']:.0f} ESS/s: {cold['ess_per_s'] / pymc['ess_per_s']:.1f}x | - |"
        )
    return out


_SAMPLER_COLUMNS = [
    "model",
    "sampler",
    "compile_s",
    "sample_s",
    "total_s",
    "min_ess_bulk",
    "min_ess_tail",
    "ess_per_s",
    "peak_rss_mb",
    "divergences",
    "notes",
]


def _partial_runs(info: dict[str, Any]) -> list[str]:
    """One line per later partial run (``--only``): its scenarios, machine load and note."""
    out = []
    for run in info.get("partial_runs", []):
        load = run.get("load_before", [float("nan")])[0], run.get("load_after", [float("nan")])[0]
        out.append(
            f"- later partial run `--only {' '.join(run.get('only', []))}`"
            f" ({run.get('wall_s', float('nan')) / 60:.1f} min): load average before / after"
            f" {load[0]:.1f} / {load[1]:.1f} on {run.get('cores')} cores"
            + (" (QUICK: numbers meaningless)" if run.get("quick") else "")
            + (f". {run['note']}" if run.get("note") else "")
        )
    return out


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _targets_19(table: pd.DataFrame) -> list[str]:
    """Issue 19: the sweep's cost and agreement, ESS/s against the peers, CLI start-up."""
    out = ["| target (issue 19) | measured | met? |", "|---|---|---|"]
    fit = _one(table, scenario="sweep", sampler="one cold fit")
    sweep = _one(table, scenario="sweep", sampler="prior_sweep (PSIS")
    refit = _one(table, scenario="sweep", sampler="prior_sweep --refit-all")
    if fit is not None and sweep is not None:
        ratio = sweep["total_s"] / fit["total_s"]
        line = (
            f"| default grid (15 settings) <= {TARGET_SWEEP_RATIO:g}x one cold fit |"
            f" {sweep['total_s']:.1f} s vs {fit['total_s']:.1f} s: **{ratio:.2f}x**"
        )
        if refit is not None:
            line += f" (every setting by NUTS: {refit['total_s'] / fit['total_s']:.2f}x)"
        out.append(f"{line} | {_met(ratio <= TARGET_SWEEP_RATIO)} |")
    if sweep is not None and not pd.isna(sweep["max_abs_diff"]):
        d = float(sweep["max_abs_diff"])
        out.append(
            f"| every setting's P(benefit) within {TARGET_SWEEP_AGREEMENT:g} of a NUTS refit"
            f" under another seed | largest difference {d:.3f} |"
            f" {_met(d <= TARGET_SWEEP_AGREEMENT)} |"
        )
    ours = _one(table, scenario="peers", sampler="nutpie")
    for peer, factor in TARGET_ESS_RATIO.items():
        row = _one(table, scenario="peers", sampler=peer)
        if ours is None or row is None:
            continue
        where = "cold fits, same data, back to back"
        if pd.isna(row["ess_per_s"]):
            earlier = _one(table, scenario="samplers", model="daily", sampler=peer)
            if earlier is None or pd.isna(earlier["ess_per_s"]):
                out.append(f"| ESS/s >= {factor:g}x {peer} | {row['notes']} | - |")
                continue
            why = str(row["notes"]).removeprefix("skipped: ")
            row, where = earlier, f"{peer}'s row of the earlier full run; not rerun: {why}"
        ratio = ours["ess_per_s"] / row["ess_per_s"]
        out.append(
            f"| ESS/s >= {factor:g}x {peer} ({where}) | {ours['ess_per_s']:.0f} vs"
            f" {row['ess_per_s']:.1f} ESS/s: **{ratio:.1f}x** | {_met(ratio >= factor)} |"
        )
    for _, r in table[table["scenario"] == "cli"].dropna(subset=["total_s"]).iterrows():
        out.append(
            f"| `{r['sampler']}` < {TARGET_CLI_S:g} s | {r['total_s']:.2f} s (median) |"
            f" {_met(r['total_s'] < TARGET_CLI_S)} |"
        )
    return out + _first_run_targets(table)


def _first_run_targets(table: pd.DataFrame) -> list[str]:
    """The whole ``bayes-keta fit`` command: first run (caches empty) and warm."""
    rows = table[table["scenario"] == "first_run"].dropna(subset=["total_s"])
    out = []
    for suffix, target, what in (
        ("(first run)", TARGET_FIRST_RUN_S, "a machine's first run, compile caches empty"),
        ("(warm caches)", TARGET_WARM_COMMAND_S, "warm caches, fresh process (median)"),
    ):
        for _, r in rows[rows["sampler"].astype(str).str.endswith(suffix)].iterrows():
            command = str(r["sampler"]).removesuffix(f" {suffix}")
            out.append(
                f"| `{command}`, {what}, <= {target:g} s | {r['total_s']:.1f} s |"
                f" {_met(r['total_s'] <= target)} |"
            )
    return out


def _peers(table: pd.DataFrame) -> list[str]:
    rows = table[table["scenario"].astype(str).str.startswith("peers")].copy()
    if rows.empty:
        return []
    rows["sampler"] = [
        f"{s} (warm)" if sc.endswith("cached") else s
        for s, sc in zip(rows["sampler"], rows["scenario"], strict=True)
    ]
    rows = rows.sort_values("sampler", kind="stable")
    return [
        "## Peers: same data, same formula (embedded trial, 4 chains x 1000 draws, 1000 warm-up)",
        "",
        _markdown(rows, _SAMPLER_COLUMNS),
        "",
        "This project's row is `daily` (the random intercepts integrated out) with its own",
        "priors; bambi and brms fit `pain ~ 0 + treatment + period + (1|subject) +",
        "(1|subject:period)` with their default priors (bambi: PyMC NUTS, non-centred random",
        "intercepts; brms: rstan NUTS). Cold: the first fit in a fresh process, compile",
        "included; warm: a second fit of the same model in that process (brms:",
        "`update(fit, recompile = FALSE)`). brms's `sample_s` is Stan's own sampling time",
        "(all chains, over the cores); the rest of its wall time is brms's model preparation",
        "(and, cold, Stan's C++ compile). brms is skipped (with a note) when R or brms is not",
        "installed; CI needs no R.",
        "",
    ]


def _cli(table: pd.DataFrame) -> list[str]:
    out = []
    for scenario, heading in (
        ("cli", "Command-line start-up (fresh processes)"),
        ("first_run", "The whole `bayes-keta fit` command: first run and warm (fresh processes)"),
    ):
        rows = table[table["scenario"] == scenario]
        if not rows.empty:
            out += [f"## {heading}", "", _markdown(rows, ["sampler", "total_s", "notes"]), ""]
    return out


def _ratios(table: pd.DataFrame) -> list[str]:
    out = []
    scaling = table[table["scenario"] == "scaling"].dropna(subset=["total_s"])
    base = _one(scaling, n_subjects=20, n_days=35)
    if base is not None:
        for _, r in scaling.iterrows():
            out.append(
                f"- Scaling {int(r['n_subjects'])} x {int(r['n_days'])} ({int(r['n_obs'])} obs,"
                f" {r['n_obs'] / base['n_obs']:.0f}x the data): sampling"
                f" {r['sample_s'] / base['sample_s']:.1f}x,"
                f" total {r['total_s'] / base['total_s']:.1f}x,"
                f" peak RSS {r['peak_rss_mb'] / base['peak_rss_mb']:.1f}x of 20 x 35."
            )
    return out


def _assurance(table: pd.DataFrame, info: dict[str, Any]) -> list[str]:
    rows = table[table["scenario"] == "assurance"].dropna(subset=["total_s"])
    if rows.empty:
        return []
    out = [
        "## Assurance (issue 17)",
        "",
        "| target | measured | met? |",
        "|---|---|---|",
    ]
    for _, r in rows.iterrows():
        ratio = r["per_min"] / TARGET_ASSURANCE_PER_MIN
        out.append(
            f"| >= {TARGET_ASSURANCE_PER_MIN:,.0f} simulated trial analyses per minute on"
            f" {info['cores']} cores, {r['sampler']} | {r['per_min']:,.0f} per minute"
            f" ({int(r['draws'])} trials x 3 sizes in {r['total_s']:.2f} s):"
            f" **{ratio:,.0f}x** the target | {'yes' if ratio >= 1 else '**no**'} |"
        )
    runs = [run for run in info.get("partial_runs", []) if "assurance" in run.get("only", [])]
    machine = runs[-1] if runs else info
    out += [
        "",
        f"Measured on {machine['cores']} cores, {machine['cpu']} (load average"
        f" {machine['load_before'][0]:.1f} before); `bayes_keta.assurance` on a saved `daily`"
        " fit of the embedded trial (the fit itself is not timed).",
        "",
        _markdown(rows, ["sampler", "draws", "sample_s", "total_s", "per_min", "notes"]),
        "",
    ]
    return out


def _load_words(info: dict) -> str:
    """What the load average says about the numbers (busy: more than half the cores' worth)."""
    busy = max(info["load_before"][0], info["load_after"][0]) > 0.6 * info["cores"]
    if busy:
        return (
            "**The machine was shared with other jobs** while this ran, so absolute times are"
            " noisy and probably pessimistic; ratios measured back to back are more telling."
        )
    return "Nothing else ran (the load is this benchmark's own)."


def write_readme(table: pd.DataFrame, info: dict[str, Any], path: Path) -> None:
    """Write the benchmark README: targets, ratios, tables, machine."""
    v = info["versions"]
    cols = _SAMPLER_COLUMNS
    samplers = table[table["scenario"].str.startswith("samplers")].copy()
    samplers["sampler"] = [
        f"{s} (cached)"
        if sc.endswith("cached")
        else f"{s} (first run)"
        if sc.endswith("first_run")
        else s
        for s, sc in zip(samplers["sampler"], samplers["scenario"], strict=True)
    ]
    scaling = table[table["scenario"] == "scaling"]
    sweep = table[table["scenario"] == "sweep"]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `benchmarks/run.py` (`make bench`); do not edit by hand. Raw numbers:",
        "`results.csv`; machine: `machine.json`. Every configuration ran in a fresh Python",
        "process, one after another, on this machine:",
        "",
        f"- {info['cores']} cores, {info['cpu']}, Python {info['python']}, {info['platform']}",
        "- " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- load average before / after: {info['load_before'][0]:.1f} /"
        f" {info['load_after'][0]:.1f}. "
        + _load_words(info)
        + (f" {info['note']}" if info.get("note") else ""),
        f"- total wall time: {info['wall_s'] / 60:.1f} min"
        + (" (QUICK run: tiny draws, numbers meaningless)" if info.get("quick") else ""),
        *_partial_runs(info),
        "",
        "Definitions: `compile_s` = nutpie compilation (0 on a cache hit) or, for PyMC/bambi,",
        "`pm.sample` wall time minus its `sampling_time`; `sample_s` = sampling incl. tuning;",
        "`total_s` = the whole `bayes_keta.fit` call (also the vectorised log-likelihood,",
        "posterior predictive and 500 prior draws) or bambi build + fit; ESS = minimum bulk /",
        "tail ESS over the quantities all samplers share (two treatment effects vs placebo and",
        "the subject, subject-by-period and residual SDs); `ess_per_s` = min bulk ESS /",
        "`sample_s`. brms: `sample_s` = Stan's warm-up + sampling time summed over the chains",
        "and divided by the cores (the shortest the sampling can have taken), `compile_s` = the",
        "rest of the wall time.",
        "",
        "## Targets (issue 3)",
        "",
        *_targets(table),
        "",
        "## Targets (issue 19)",
        "",
        *_targets_19(table),
        "",
        "## Ratios",
        "",
        *_ratios(table),
        "",
        "## Samplers: embedded trial (20 x 3 x 35, 4 chains x 1000 draws, 1000 tune)",
        "",
        _markdown(samplers, cols),
        "",
        "`daily` and `daily_decay` integrate the random intercepts out (`parameterization =",
        '"marginal"`); the peers (bambi, brms) are in their own table below.',
        "",
        *_peers(table),
        *_assurance(table, info),
        "## Sweep cost (default grid, 15 settings of `daily`, 4 chains x 1000 draws per fit)",
        "",
        _markdown(sweep, ["model", "sampler", "total_s", "max_abs_diff", "notes"]),
        "",
        "One fit under the default priors is reweighted to every other setting by",
        "Pareto-smoothed importance sampling; settings with Pareto k > 0.7 or too few effective",
        "draws left are refitted with NUTS (`bayes_keta/sweep/run.py`). Each row ran in a fresh",
        "process, one after the other.",
        "",
        *_cli(table),
        "## Scaling (daily, nutpie, 4 chains x 500 draws, 500 tune, simulated trials)",
        "",
        _markdown(
            scaling,
            [
                "n_subjects",
                "n_days",
                "n_obs",
                "compile_s",
                "sample_s",
                "total_s",
                "min_ess_bulk",
                "ess_per_s",
                "peak_rss_mb",
            ],
        ),
        "",
        *_by_hand(path.parent / BY_HAND),
    ]
    path.write_text("\n".join(lines))


#: Targeted measurements recorded by hand (profiles, before/after of one change), kept in the
#: README across ``make bench`` runs: appended as they are.
BY_HAND = "measured_by_hand.md"


def _by_hand(path: Path) -> list[str]:
    """The lines of the hand-recorded measurements file, if there is one."""
    if not path.exists():
        return []
    return [*path.read_text(encoding="utf-8").rstrip("\n").split("\n"), ""]
