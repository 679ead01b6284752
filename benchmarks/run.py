"""Benchmarks: samplers, peers (bambi, brms), sweep cost, scaling, assurance, CLI start-up.

    python benchmarks/run.py              # everything (make bench), ~30-40 min on 2 cores
    python benchmarks/run.py --quick      # tiny draws, to check the script (numbers meaningless)
    python benchmarks/run.py --only peers sweep cli

Every configuration runs in a fresh Python subprocess (``--worker``), so "cold" really is cold
(nothing compiled in the process yet; PyTensor's on-disk C and numba caches are warm for every
sampler alike, as on any machine after its first run; the ``samplers_first_run`` row measures
a first run with those caches empty) and the peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is that configuration's own. Results:
``benchmarks/results.csv`` and the tables in ``benchmarks/README.md`` (both written by this
script).

Scenarios
---------
``samplers``: ``daily`` and ``daily_decay`` on the embedded trial, 4 chains x 1000 draws (1000
tune): ``bayes_keta.fit`` with nutpie (cold, then cached: a second fit of a fresh model of the
same structure), ``fit(sampler="pymc")`` (PyMC's NUTS), numpyro (only if installed). ESS:
minimum over the quantities every sampler shares: the two treatment effects vs placebo and the
three SDs (subject, subject-by-period, residual). ESS per second divides by the sampling time
(tuning included, compilation excluded).

``peers``: this project's ``daily`` fit (nutpie, cold and cached) and, on the same data,
``pain ~ 0 + treatment + period + (1|subject) + (1|subject:period)`` with bambi (PyMC NUTS)
and brms (R, rstan), each cold (first fit in a fresh process) and warm (a second fit of the
same model): ``benchmarks/peers.py``. brms is skipped with a note when R or brms is absent
(CI needs no R); its Stan needs the Boost headers where R's ``BH`` package says they are
(Debian's ``r-cran-bh`` leaves that empty: the script links ``/usr/include`` there).

``sweep``: the default grid (``models/grids/default.toml``, 15 settings) of ``daily`` with
:func:`bayes_keta.prior_sweep` (one fit reweighted by PSIS, refits where needed) in a fresh
process, against one cold ``bayes_keta.fit`` in a fresh process (the ratio is the target), and
against ``--refit-all`` (every setting by NUTS) in a fresh process. The PSIS sweep's process then
refits every setting under another seed and records the largest difference in P(benefit).

``assurance``: :func:`bayes_keta.assurance` from a ``daily`` fit of the embedded trial (4
chains x 1000 draws; the fit is not timed): 3 sample sizes x 20,000 simulated next trials,
fast path (closed-form analysis), serial and on a local Dask cluster of 2 workers;
``per_min`` = simulated trial analyses per minute of the whole call (reading the fit and
writing nothing), against the target of 10,000 per minute on 2 cores.

``scaling``: ``daily`` with nutpie on :func:`bayes_keta.simulate_trial` trials of 20, 80 and
320 subjects x 35 and 90 days (4 chains x 500 draws, 500 tune: the log-likelihood and
posterior predictive groups of ``fit`` grow as draws x observations).

``cli``: wall time of ``bayes-keta --help`` and ``bayes-keta validate`` (the embedded trial),
each in fresh processes (median of 5).

``first_run``: wall time of the whole ``bayes-keta fit --model models/daily.toml`` (the
embedded trial, 4 chains x 1000 draws; it fits the adverse-event model too) in a fresh process
with every compile cache empty (a machine's first run), then in fresh processes with the caches
that run filled (median of 3).

With ``--only``, the rows of the other scenarios already in ``results.csv`` are kept and the
machine of this partial run is recorded under ``partial_runs`` in ``machine.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import SEED, ess, peak_rss_mb, trial  # noqa: E402

#: Scenarios and the ``scenario`` values of their rows.
SCENARIOS = {
    "samplers": ("samplers", "samplers_cached", "samplers_first_run"),
    "peers": ("peers", "peers_cached"),
    "sweep": ("sweep",),
    "scaling": ("scaling",),
    "assurance": ("assurance",),
    "cli": ("cli",),
    "first_run": ("first_run",),
}
COLUMNS = [
    "scenario",
    "model",
    "sampler",
    "n_subjects",
    "n_days",
    "n_obs",
    "chains",
    "draws",
    "compile_s",
    "sample_s",
    "total_s",
    "min_ess_bulk",
    "min_ess_tail",
    "ess_per_s",
    "peak_rss_mb",
    "divergences",
    "notes",
    "per_min",
    "max_abs_diff",
]


# ------------------------------------------------------------------------------ worker side
def _shared_quantities(posterior) -> dict[str, Any]:
    out = {}
    for label in posterior["treatment_effect"]["active"].values:
        out[f"effect_{label}"] = posterior["treatment_effect"].sel(active=label).to_numpy()
    for name in ("sigma_subject", "sigma_subject_period", "sigma"):
        out[name] = posterior[name].to_numpy()
    return out


def _fit_once(trial, spec: str, sampler: str, cfg: dict[str, Any]) -> dict[str, Any]:
    import bayes_keta as bk

    start = time.perf_counter()
    result = bk.fit(
        trial,
        spec,
        sampler=sampler,
        draws=cfg["draws"],
        tune=cfg["tune"],
        chains=cfg["chains"],
        seed=SEED,
        posterior_predictive=cfg.get("posterior_predictive", True),
        prior_draws=cfg.get("prior_draws", 500),
    )
    total = time.perf_counter() - start
    settings = result.record.sampler.to_dict()
    tree = result.datatree
    posterior = tree["posterior"].to_dataset()
    stats = tree["sample_stats"].to_dataset()
    if settings["sampler"] == "pymc":
        attrs = tree["sample_stats"].attrs
        sampling = float(attrs.get("sampling_time", settings["sample_seconds"]))
        compile_s = settings["sample_seconds"] - sampling
    else:
        sampling = settings["sample_seconds"]
        compile_s = settings["compile_seconds"]
    bulk, tail = ess(_shared_quantities(posterior))
    return {
        "sampler": settings["sampler"],
        "compile_s": compile_s,
        "sample_s": sampling,
        "total_s": total,
        "min_ess_bulk": bulk,
        "min_ess_tail": tail,
        "ess_per_s": bulk / sampling,
        "divergences": int(stats["diverging"].sum()),
        "n_obs": trial.n_observations,
        "cache_hit": settings["compile_cache_hit"],
    }


def work_fit(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """One sampler on one trial; nutpie also refits with the compiled model cached."""
    t = trial(cfg["n_subjects"], cfg["n_days"])
    rows = []
    first = _fit_once(t, cfg["model"], cfg["sampler"], cfg)
    first["notes"] = "cold: first fit in a fresh process (compile included)"
    if cfg.get("empty_cache"):
        first["notes"] = "first run on the machine: fresh process and empty disk compile caches"
    rows.append(first)
    if cfg["sampler"] == "nutpie" and cfg.get("cached", True):
        second = _fit_once(t, cfg["model"], cfg["sampler"], cfg)
        second["notes"] = "cached: second fit, compiled model reused (only data swapped)"
        second["cached"] = True
        rows.append(second)
    for row in rows:
        row["peak_rss_mb"] = peak_rss_mb()
    return rows


def work_assurance(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Assurance's fast path: simulated next-trial analyses per minute (fit not timed)."""
    import bayes_keta as bk

    t = trial(20, 35)
    fit = bk.fit(
        t,
        "daily",
        draws=cfg["draws"],
        tune=cfg["tune"],
        chains=cfg["chains"],
        seed=SEED,
        prior_draws=0,
        posterior_predictive=False,
    )
    sizes, sims = cfg["sizes"], cfg["sims"]
    analyses = sims * len(sizes)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        fit.save(Path(folder) / "fit")
        for scheduler in ("serial", "local"):
            start = time.perf_counter()
            res = bk.assurance(
                Path(folder) / "fit",
                n=sizes,
                sims=sims,
                seed=SEED,
                scheduler=scheduler,
                workers=2 if scheduler == "local" else None,
            )
            total = time.perf_counter() - start
            per_min = 60.0 * analyses / total
            rows.append(
                {
                    "sampler": f"fast path ({scheduler})",
                    "sample_s": res.record["run"]["seconds"],
                    "total_s": total,
                    "per_min": per_min,
                    "peak_rss_mb": peak_rss_mb(),
                    "notes": f"n = {sizes}, {sims} trials each, williams, posterior design"
                    f" prior, normal(0, 2) analysis prior: {per_min:,.0f} analyses/min ="
                    f" {per_min / cfg['target_per_min']:,.0f}x the target on"
                    f" {os.cpu_count()} cores (sample_s: simulation and analysis only)",
                }
            )
    return rows


def _workers() -> dict[str, Any]:
    from peers import work_bambi, work_brms
    from sweep_cli import work_cli, work_first_run, work_sweep

    return {
        "fit": work_fit,
        "bambi": work_bambi,
        "brms": work_brms,
        "sweep": work_sweep,
        "assurance": work_assurance,
        "cli": work_cli,
        "first_run": work_first_run,
    }


# ------------------------------------------------------------------------------ parent side
def run_worker(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one configuration in a fresh interpreter and return its rows."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(cfg)]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    with tempfile.TemporaryDirectory() as empty:
        if cfg.get("empty_cache"):
            # a machine's first run: PyTensor's C and numba disk caches (and numba's) empty
            env.update(PYTENSOR_FLAGS=f"base_compiledir={empty}", NUMBA_CACHE_DIR=empty)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return [{"notes": "FAILED: " + " | ".join(tail)}]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")][-1]
    return json.loads(line[len("BENCH ") :])


def machine() -> dict[str, Any]:
    """Cores, CPU, load and versions."""
    from bayes_keta.provenance import machine_info

    packages = ("bayes_keta", "pymc", "pytensor", "nutpie", "bambi", "numpyro", "jax", "numba")
    return {**machine_info(packages, missing="not installed"), "load_before": os.getloadavg()}


def configs(quick: bool, only: list[str]) -> list[dict[str, Any]]:
    """Every configuration of the selected scenarios."""
    d = {"draws": 1000, "tune": 1000, "chains": 4}
    if quick:
        d = {"draws": 100, "tune": 100, "chains": 2}
    out: list[dict[str, Any]] = []
    if "samplers" in only:
        for model in ("daily", "daily_decay"):
            base = {"scenario": "samplers", "model": model, "n_subjects": 20, "n_days": 35, **d}
            out.append({**base, "kind": "fit", "sampler": "nutpie"})
            out.append({**base, "kind": "fit", "sampler": "pymc"})
            if model == "daily":
                first = {**base, "scenario": "samplers_first_run", "cached": False}
                out.append({**first, "kind": "fit", "sampler": "nutpie", "empty_cache": True})
    peer = {"model": "daily", "n_subjects": 20, "n_days": 35, **d}
    if "peers" in only:  # back to back, so the ratios see the same machine load
        out.append({**peer, "scenario": "peers", "kind": "fit", "sampler": "nutpie"})
        out.append({**peer, "scenario": "peers", "kind": "bambi", "sampler": "bambi"})
        out.append({**peer, "scenario": "peers", "kind": "brms", "sampler": "brms"})
    if "sweep" in only:
        sweep = {**peer, "scenario": "sweep", "sampler": "nutpie"}
        out.append({**sweep, "kind": "fit", "cached": False, "label": "one cold fit (bk.fit)"})
        out.append({**sweep, "kind": "sweep"})
        out.append({**sweep, "kind": "sweep", "refit_all": True})
    if "cli" in only:
        out.append(
            {
                "scenario": "cli",
                "kind": "cli",
                "model": "-",
                "sampler": "bayes-keta",
                "repeats": 3 if quick else 5,
            }
        )
    if "first_run" in only:
        out.append(
            {
                "scenario": "first_run",
                "kind": "first_run",
                "model": "daily",
                "sampler": "bayes-keta fit",
                "repeats": 1 if quick else 3,
                **d,
            }
        )
    if "assurance" in only:
        out.append(
            {
                "scenario": "assurance",
                "kind": "assurance",
                "model": "daily",
                "sampler": "fast path",
                "n_subjects": 20,
                "n_days": 35,
                "sizes": [12, 24, 48],
                "sims": 2000 if quick else 20000,
                "target_per_min": 10_000,
                **d,
            }
        )
    if "scaling" in only:
        s = {"draws": 500, "tune": 500, "chains": 4} if not quick else d
        subjects = (20, 80, 320) if not quick else (20, 80)
        for n_days in (35, 90):
            for n in subjects:
                out.append(
                    {
                        "scenario": "scaling",
                        "kind": "fit",
                        "model": "daily",
                        "sampler": "nutpie",
                        "n_subjects": n,
                        "n_days": n_days,
                        "cached": False,
                        **s,
                    }
                )
    return out


def _row(cfg: dict[str, Any], res: dict[str, Any]) -> dict[str, Any]:
    row = {c: None for c in COLUMNS}
    row.update({k: cfg.get(k) for k in ("scenario", "model", "n_subjects", "n_days", "chains")})
    row["draws"] = cfg.get("sims", cfg.get("draws"))
    row["sampler"] = cfg.get("sampler")
    row.update({k: v for k, v in res.items() if k in COLUMNS})
    if cfg.get("label"):
        row["sampler"] = cfg["label"]
    if res.get("cached"):
        row["scenario"] = f"{row['scenario']}_cached"
    return row


def na_rows() -> list[dict[str, Any]]:
    """Rows for what was not run: bambi on daily_decay (no equivalent), numpyro if absent."""
    try:
        import numpyro  # noqa: F401
    except ImportError:
        note = "not installed (no JAX in the environment)"
    else:  # pragma: no cover - not in the lock file
        note = "installed but not benchmarked"
    blank = {c: None for c in COLUMNS}
    rows = [
        {
            **blank,
            "scenario": "samplers",
            "model": "daily_decay",
            "sampler": "bambi",
            "notes": "n/a: no bambi formula for the decaying effect a + b exp(-(t-1)/tau)",
        }
    ]
    rows += [
        {**blank, "scenario": "samplers", "model": m, "sampler": "numpyro", "notes": note}
        for m in ("daily", "daily_decay")
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="tiny draws: check the script")
    parser.add_argument(
        "--only",
        nargs="+",
        default=list(SCENARIOS),
        choices=list(SCENARIOS),
    )
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--note", default="", help="sentence added to the README's machine notes")
    parser.add_argument(
        "--readme-only", action="store_true", help="rewrite README.md from results.csv"
    )
    args = parser.parse_args(argv)
    if args.worker:
        cfg = json.loads(args.worker)
        rows = _workers()[cfg["kind"]](cfg)
        print("BENCH " + json.dumps(rows), flush=True)
        return 0

    import pandas as pd
    from benchmarks_report import write_readme

    if args.readme_only:
        table = pd.read_csv(args.out / "results.csv")
        info = json.loads((args.out / "machine.json").read_text())
        info["note"] = args.note or info.get("note", "")
        (args.out / "machine.json").write_text(json.dumps(info, indent=1) + "\n")
        write_readme(table, info, args.out / "README.md")
        return 0
    info = machine()
    start = time.perf_counter()
    rows = []
    for cfg in configs(args.quick, args.only):
        t0 = time.perf_counter()
        print(
            f"{cfg['scenario']}: {cfg['model']} {cfg.get('label', cfg['sampler'])}"
            f" {cfg.get('n_subjects', '-')}x{cfg.get('n_days', '-')} ...",
            flush=True,
        )
        for res in run_worker(cfg):
            rows.append(_row(cfg, res))
            print(f"   {rows[-1]}", flush=True)
        print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    if "samplers" in args.only:
        rows += na_rows()
    info["load_after"] = os.getloadavg()
    info["wall_s"] = time.perf_counter() - start
    info["quick"] = args.quick
    info["note"] = args.note
    table = pd.DataFrame(rows, columns=COLUMNS)
    wall = info["wall_s"]
    partial = set(args.only) != set(SCENARIOS)
    if partial and (args.out / "results.csv").exists():
        # keep the other scenarios' rows, and the machine of the full run
        ran = {sc for name in args.only for sc in SCENARIOS[name]}
        old = pd.read_csv(args.out / "results.csv")
        old = old[~old["scenario"].isin(ran)].reindex(columns=COLUMNS)
        bambi = table[table["sampler"].astype(str).str.startswith("bambi")]
        if "peers" in args.only and bambi["total_s"].notna().any():
            # bambi's daily row was in the samplers scenario before: the new one replaces it
            moved = old["sampler"].astype(str).str.startswith("bambi") & (old["model"] == "daily")
            old = old[~moved]
        table = pd.concat([old, table], ignore_index=True)
        full = json.loads((args.out / "machine.json").read_text())
        runs = [r for r in full.get("partial_runs", []) if r.get("only") != args.only]
        full["partial_runs"] = [*runs, {**info, "only": args.only}]
        info = full
    for col in ("n_subjects", "n_days", "n_obs", "chains", "draws", "divergences"):
        table[col] = table[col].astype("Int64")
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "results.csv", index=False, float_format="%.4g")
    (args.out / "machine.json").write_text(json.dumps(info, indent=1) + "\n")
    write_readme(table, info, args.out / "README.md")
    print(f"wrote {args.out / 'results.csv'} and README.md in {wall / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
