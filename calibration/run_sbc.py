"""Run simulation-based calibration of the shipped specs and write the versioned artefacts.

    python calibration/run_sbc.py                    # every spec, budgets below (make sbc)
    python calibration/run_sbc.py --specs daily      # rerun one spec, keep the others' results
    python calibration/run_sbc.py --sims 10          # quick look (not commit-ready)
    python calibration/run_sbc.py --check            # check the artefact only

Writes ``calibration/sbc_results.json`` (schema ``bayes_keta.sbc/1``),
``calibration/sbc_<spec>.png``
and ``calibration/README.md``. Every simulated trial keeps the embedded trial's design (20
subjects x 3 periods x 35 days, its sequences and missing days); only the data change between
simulations, so each spec compiles once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("MPLBACKEND", "Agg")

import bayes_keta as bk  # noqa: E402
from bayes_keta.calibration import (  # noqa: E402
    SBC_SPECS,
    SBCSettings,
    check_artefact,
    read_artefact,
    results_record,
    run_sbc,
    write_artefact,
)
from bayes_keta.calibration.plots import plot_sbc  # noqa: E402
from bayes_keta.constants import DEFAULT_SEED  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "sbc_results.json"
SEED = DEFAULT_SEED

#: Per spec: (simulations, draws, tune), 2 chains, ranks among 100 thinned draws. The whole
#: run takes ~8 min on 2 cores: the marginal Gaussian specs take 0.3-0.6 s per simulated
#: trial, the AUC spec (60 values) well under a second, the ordinal likelihood (about 2000
#: observations x 10 cutpoints) 5-10 s, so it gets fewer simulations and shorter chains; the
#: individual-effects spec (daily_hte) about 0.6 s. daily_ar1 has 300: with 60, the
#: ketamine_magnesium effect's ranks were on the edge of the gate (uniformity p 0.004-0.0003
#: across reruns of the same simulated trials); 300 measure it (calibration/README.md). With
#: the default seed its mean rank stays high (+3.6 SE over 300); an independent run (seed 7,
#: 300 simulations, 2026-12-01) gave 47.7 (-1.4 SE) and ketamine 50.6: a lean of that seed's
#: simulated trials, not of the model, as far as 600 simulations tell.
BUDGET: dict[str, tuple[int, int, int]] = {
    "daily": (120, 500, 500),
    "daily_decay": (100, 500, 500),
    "daily_ar1": (300, 500, 500),
    "auc": (200, 500, 500),
    "daily_ordinal": (40, 300, 300),
    "daily_hte": (120, 500, 500),
}


def _design(trial: bk.Trial) -> dict:
    return {
        "trial": trial.name,
        "synthetic": bool(trial.synthetic),
        "sha256": trial.sha256,
        "n_subjects": trial.n_subjects,
        "n_periods": len(trial.periods),
        "n_days": trial.n_days,
        "n_observations": trial.n_observations,
        "note": "the design (subjects, sequences, missing days) is kept; pain is simulated",
    }


def _progress(spec: str, every: int):
    start = time.perf_counter()

    def report(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            elapsed = time.perf_counter() - start
            print(f"  {spec}: {done}/{total} sims, {elapsed:.0f} s", flush=True)

    return report


def _fmt_p(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def _watch_notes(record: dict) -> list[str]:
    """Quantities that pass the gate but sit within 10x of its threshold, with their bias.

    The mean rank against its uniform expectation (n_rank_draws / 2, standard error
    ``sqrt((L + 1)^2 - 1) / sqrt(12 n)``) says which way the posterior leans: a high mean
    rank is a posterior below the truth.
    """
    threshold = float(record["rule"]["threshold"])
    out = []
    for name, entry in record["specs"].items():
        n_rank = int(entry["settings"]["n_rank_draws"])
        for q, p in entry["parameters"].items():
            if not threshold <= p["p_uniform"] < 10 * threshold:
                continue
            ranks = np.asarray(entry["ranks"][q], dtype=float)
            se = np.sqrt(((n_rank + 1) ** 2 - 1) / 12.0 / len(ranks))
            z = (ranks.mean() - n_rank / 2) / se
            out.append(
                f"- {name} / {q}: p_uniform {p['p_uniform']:.4f}; mean rank"
                f" {ranks.mean():.1f} vs {n_rank / 2:g} ({z:+.1f} SE:"
                f" {'posterior below' if z > 0 else 'posterior above'} the truth on average);"
                f" 95% coverage {p['coverage']:.3f}"
            )
    if not out:
        return []
    return [
        f"Close to the gate (passing, p_uniform under 10x the threshold {threshold:.5f}):"
        " watched, not resolved:",
        "",
        *out,
        "",
    ]


def _mixing_notes(record: dict) -> list[str]:
    """Where the poorly mixed fits sit: median true SDs among them vs all simulations."""
    from bayes_keta.calibration.artefact import POOR_ESS, POOR_RHAT

    out = []
    for name, entry in record["specs"].items():
        truths = entry.get("truths", {})
        runs = entry["runs"]
        poor = np.array([r["min_ess_bulk"] < POOR_ESS or r["max_rhat"] > POOR_RHAT for r in runs])
        if not truths or poor.sum() < 3:
            continue
        parts = []
        for q in ("sigma_subject", "sigma_subject_period"):
            if q in truths:
                t = np.asarray(truths[q])
                parts.append(
                    f"{q} median {np.median(t[poor]):.2f} among them vs {np.median(t):.2f} overall"
                )
        out.append(f"- {name}: {int(poor.sum())} poorly mixed fits; true " + "; ".join(parts))
    if out:
        out = [
            "Where the poorly mixed fits sit (true SDs among them vs all simulations; small",
            "true SDs there point to the funnel of centred random effects, which the",
            "half-normal priors reach often, plus short chains):",
            "",
            *out,
        ]
    return out


def write_readme(record: dict, path: Path, *, wall_s: float | None) -> None:
    """calibration/README.md: the rule, one table row per spec, and per-contrast coverage."""
    rule = record["rule"]
    machine = record["machine"]
    check = check_artefact(record)
    lines = [
        "# Simulation-based calibration (SBC)",
        "",
        "Generated by `calibration/run_sbc.py` (`make sbc`); do not edit by hand. Talts et al.",
        "2018 (arXiv:1804.06788): draw parameters from each spec's prior, simulate a trial from",
        "them on the embedded trial's design (20 subjects x 3 periods x 35 days, its sequences",
        "and missing days; pain simulated), fit with NUTS (nutpie, one compiled model per spec,",
        "only the data change), and rank each true value among thinned posterior draws. If model,",
        "simulator and sampler agree the ranks are uniform and the 95% intervals cover the truth",
        "95% of the time.",
        "",
        f"**Verdict: {'PASSED' if check.passed else 'FAILED'}** (`tests/test_sbc.py` re-checks",
        "it, and fails when the model sources changed since the run: rerun `make sbc`).",
        "",
        "Rule: per quantity, p_uniform = min(1, 2 min(p_chi2, p_POT-C)) (chi-square on binned",
        "ranks; POT-C ECDF test of `arviz_stats` on the randomised PIT); per contrast, the exact",
        "binomial test of 95% coverage. Bonferroni over all",
        f"{rule['n_tests']} tests (family-wise 5%): each fails below {rule['threshold']:.1e}.",
        "",
        "| spec | sims | chains x draws (tune) | ranks among | quantities | min p_uniform"
        " (quantity) | 95% contrast coverage | sims with divergences | sims poorly mixed"
        " | run time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in record["specs"].items():
        s = entry["settings"]
        params = entry["parameters"]
        worst = min(params, key=lambda q: params[q]["p_uniform"])
        cov = entry["contrast_coverage"]
        pooled = sum(c["n_covered"] for c in cov.values()) / sum(c["n_sims"] for c in cov.values())
        lines.append(
            f"| {name} | {s['n_sims']} | {s['chains']} x {s['draws']} ({s['tune']}) |"
            f" {s['n_rank_draws']} | {len(params)} | {_fmt_p(params[worst]['p_uniform'])}"
            f" ({worst}) | {pooled:.3f} | {entry['diagnostics']['sims_with_divergences']}"
            f" | {entry['diagnostics']['sims_poorly_mixed']}"
            f" | {entry['seconds'] / 60:.1f} min |"
        )
    lines += ["", *_watch_notes(record), *_mixing_notes(record)]
    lines += [
        "",
        f"Pooled 95% coverage of the contrasts over all specs:"
        f" **{record['pooled_contrast_coverage']:.3f}**.",
        "",
        "Sims poorly mixed: min bulk ESS < 100 or R-hat > 1.05 over the ranked quantities",
        "(short chains: 2 x 300-500 draws). Reported, not gated: SBC judges the ranks",
        "whatever the mixing, and those fits are part of what it judges.",
        "",
        "## Coverage of the contrasts (mean_daily_difference, 95% equal-tailed intervals)",
        "",
        "| spec | contrast | covered / sims | coverage | acceptance band (counts) | p |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in record["specs"].items():
        for q, c in entry["contrast_coverage"].items():
            contrast = q.split("[", 1)[1].rstrip("]")
            lines.append(
                f"| {name} | {contrast} | {c['n_covered']} / {c['n_sims']} |"
                f" {c['coverage']:.3f} | {c['band'][0]}-{c['band'][1]} | {_fmt_p(c['p_value'])} |"
            )
    lines += [
        "",
        "## Every quantity",
        "",
        "| spec | quantity | sims | p_chi2 | p_POT-C | p_uniform | 95% coverage |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, entry in record["specs"].items():
        for q, p in entry["parameters"].items():
            lines.append(
                f"| {name} | {q} | {p['n_sims']} | {_fmt_p(p['p_chi2'])} |"
                f" {_fmt_p(p['p_pot_c'])} | {_fmt_p(p['p_uniform'])} | {p['coverage']:.3f} |"
            )
    lines += [
        "",
        "Plots: `sbc_<spec>.png` (rank histograms with 99% per-bin bands; ECDF of the PIT minus",
        "the uniform CDF with simultaneous 95% bands).",
        "",
        "## Run",
        "",
        f"- created {record['created']}, seed {SEED}; command `{record['command']}`",
        f"- machine: {machine['cores']} cores, {machine['cpu']}, Python {machine['python']};"
        + ", ".join(f" {k} {v}" for k, v in machine["versions"].items()),
        "- the machine was shared with other jobs while this ran: wall times are noisy",
    ]
    if wall_s is not None:
        lines.append(f"- wall time of this run: {wall_s / 60:.1f} min")
    lines += [
        "- the ordinal cutpoints' prior (normal with an ordered transform) is the normals",
        "  conditioned on being ordered: prior draws that are not ordered are rejected",
        "  (acceptance recorded per spec); AR(1) series are generated by an independent",
        "  simulator (the model's mean plus a gap-aware AR(1) residual), checking the model's",
        "  exact-likelihood claim.",
        "",
    ]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", nargs="+", default=list(SBC_SPECS), choices=SBC_SPECS)
    parser.add_argument("--sims", type=int, help="simulations per spec (default: BUDGET)")
    parser.add_argument("--draws", type=int, help="draws per chain (default: BUDGET)")
    parser.add_argument("--tune", type=int, help="tuning steps per chain (default: BUDGET)")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--rank-draws", type=int, default=100)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--check", action="store_true", help="only check the artefact")
    parser.add_argument(
        "--rebuild", action="store_true", help="rewrite JSON summaries, plots, README (no sims)"
    )
    args = parser.parse_args(argv)

    if args.check:
        check = check_artefact(read_artefact(args.out))
        print(check.text)
        return 0 if check.passed else 1
    if args.rebuild:
        old = read_artefact(args.out)
        record = results_record(
            [old["specs"][s] for s in SBC_SPECS if s in old["specs"]],
            design=old["design"],
            command=old["command"],
        )
        record["created"], record["machine"] = old["created"], old["machine"]
        record["wall_s"] = old.get("wall_s")
        write_artefact(record, args.out)
        for spec in record["specs"]:
            plot_sbc(record["specs"][spec], path=args.out.parent / f"sbc_{spec}.png")
        write_readme(record, args.out.parent / "README.md", wall_s=old.get("wall_s"))
        print(check_artefact(record).text)
        return 0

    start = time.perf_counter()
    trial = bk.ketapain_synthetic()
    previous = read_artefact(args.out)["specs"] if args.out.exists() else {}
    entries = {k: v for k, v in previous.items() if k in SBC_SPECS and k not in args.specs}
    for spec in args.specs:
        n_sims, draws, tune = BUDGET[spec]
        n_sims = args.sims or n_sims
        settings = SBCSettings(
            n_sims=n_sims,
            draws=args.draws or draws,
            tune=args.tune or tune,
            chains=args.chains,
            n_rank_draws=args.rank_draws,
            seed=args.seed,
        )
        print(f"SBC {spec}: {n_sims} simulated trials", flush=True)
        result = run_sbc(spec, settings=settings, trial=trial, progress=_progress(spec, 10))
        print("  " + result.text, flush=True)
        entries[spec] = result.to_dict()
    ordered = [entries[s] for s in SBC_SPECS if s in entries]
    record = results_record(ordered, design=_design(trial), command=" ".join(sys.argv))
    write_artefact(record, args.out)
    for spec in args.specs:
        plot_sbc(record["specs"][spec], path=args.out.parent / f"sbc_{spec}.png")
    wall = time.perf_counter() - start
    record["wall_s"] = round(wall, 1)
    write_artefact(record, args.out)
    write_readme(record, args.out.parent / "README.md", wall_s=wall)
    check = check_artefact(record)
    print(check.text)
    print(f"wrote {args.out} and plots in {wall / 60:.1f} min")
    return 0 if check.passed else 1


if __name__ == "__main__":
    sys.exit(main())
