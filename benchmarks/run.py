"""Benchmarks: samplers against each other, sweep cost, and scaling with the trial's size.

    python benchmarks/run.py              # everything (make bench), ~20-30 min on 2 cores
    python benchmarks/run.py --quick      # tiny draws, to check the script (numbers meaningless)
    python benchmarks/run.py --only samplers sweep

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
same structure), ``fit(sampler="pymc")`` (PyMC's NUTS), bambi's default fit of
``pain ~ 0 + treatment + period + (1|subject) + (1|subject:period)`` (daily only), numpyro
(only if installed). ESS: minimum over the quantities every sampler shares: the two treatment
effects vs placebo and the three SDs (subject, subject-by-period, residual). ESS per second
divides by the sampling time (tuning included, compilation excluded).

``sweep``: N prior settings of ``daily`` with :func:`bayes_keta.prior_sweep` (one compile) vs
the same N fits each compiled from scratch (the compile cache cleared before each).

``assurance``: :func:`bayes_keta.assurance` from a ``daily`` fit of the embedded trial (4
chains x 1000 draws; the fit is not timed): 3 sample sizes x 20,000 simulated next trials,
fast path (closed-form analysis), serial and on a local Dask cluster of 2 workers;
``per_min`` = simulated trial analyses per minute of the whole call (reading the fit and
writing nothing), against the target of 10,000 per minute on 2 cores.

With ``--only``, the rows of the other scenarios already in ``results.csv`` are kept and the
machine of this partial run is recorded under ``partial_runs`` in ``machine.json``.

``scaling``: ``daily`` with nutpie on :func:`bayes_keta.simulate_trial` trials of 20, 80 and
320 subjects x 35 and 90 days (4 chains x 500 draws, 500 tune: the log-likelihood and
posterior predictive groups of ``fit`` grow as draws x observations).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bayes_keta.constants import DEFAULT_SEED

HERE = Path(__file__).resolve().parent
#: Scenarios and the ``scenario`` values of their rows.
SCENARIOS = {
    "samplers": ("samplers", "samplers_cached", "samplers_first_run"),
    "sweep": ("sweep",),
    "scaling": ("scaling",),
    "assurance": ("assurance",),
}
SEED = DEFAULT_SEED
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
]
BAMBI_FORMULA = "pain ~ 0 + treatment + period + (1|subject) + (1|subject:period)"


# ------------------------------------------------------------------------------ worker side
def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _trial(n_subjects: int, n_days: int):
    import bayes_keta as bk

    if n_subjects == 20 and n_days == 35:
        return bk.ketapain_synthetic()
    frame = bk.simulate_trial(n_subjects=n_subjects, n_days=n_days, seed=SEED)
    return bk.load_trial(frame, name=f"sim_{n_subjects}x{n_days}")


def _ess(arrays: dict[str, Any]) -> tuple[float, float]:
    """Min bulk and tail ESS over named (chain, draw) arrays."""
    import numpy as np
    import xarray as xr
    from arviz_stats import ess

    ds = xr.Dataset({k: (("chain", "draw"), np.asarray(v)) for k, v in arrays.items()})
    bulk = ess(ds, method="bulk")
    tail = ess(ds, method="tail")
    return (
        float(min(float(bulk[k]) for k in arrays)),
        float(min(float(tail[k]) for k in arrays)),
    )


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
    bulk, tail = _ess(_shared_quantities(posterior))
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
    trial = _trial(cfg["n_subjects"], cfg["n_days"])
    rows = []
    first = _fit_once(trial, cfg["model"], cfg["sampler"], cfg)
    first["notes"] = "cold: first fit in a fresh process (compile included)"
    if cfg.get("empty_cache"):
        first["notes"] = "first run on the machine: fresh process and empty disk compile caches"
    rows.append(first)
    if cfg["sampler"] == "nutpie" and cfg.get("cached", True):
        second = _fit_once(trial, cfg["model"], cfg["sampler"], cfg)
        second["notes"] = "cached: second fit, compiled model reused (only data swapped)"
        second["cached"] = True
        rows.append(second)
    for row in rows:
        row["peak_rss_mb"] = _peak_rss_mb()
    return rows


def work_bambi(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Bambi's default fit (PyMC NUTS, bambi's default priors) of the equivalent formula."""
    import bambi as bmb
    import pandas as pd

    trial = _trial(cfg["n_subjects"], cfg["n_days"])
    obs = trial.observations
    data = pd.DataFrame(
        {
            "pain": obs["pain"].astype(float).to_numpy(),
            "treatment": pd.Categorical(obs["treatment"], categories=list(trial.treatments)),
            "period": pd.Categorical(obs["period"].astype(str)),
            "subject": obs["subject"].astype(str).to_numpy(),
        }
    )
    start = time.perf_counter()
    model = bmb.Model(BAMBI_FORMULA, data)
    model.build()
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    idata = model.fit(
        draws=cfg["draws"],
        tune=cfg["tune"],
        chains=cfg["chains"],
        random_seed=SEED,
        progressbar=False,
    )
    fit_s = time.perf_counter() - start
    total = build_s + fit_s
    posterior = idata["posterior"].to_dataset()
    stats = idata["sample_stats"]
    sampling = float(stats.attrs.get("sampling_time", fit_s))
    treat = posterior["treatment"]
    dim = [d for d in treat.dims if d not in ("chain", "draw")][0]
    ref = trial.reference
    shared = {
        f"effect_{a}": (treat.sel({dim: a}) - treat.sel({dim: ref})).to_numpy()
        for a in trial.actives
    }
    shared["sigma_subject"] = posterior["1|subject_sigma"].to_numpy()
    shared["sigma_subject_period"] = posterior["1|subject:period_sigma"].to_numpy()
    shared["sigma"] = posterior["sigma"].to_numpy()
    bulk, tail = _ess(shared)
    return [
        {
            "sampler": f"bambi {bmb.__version__} (PyMC NUTS)",
            "compile_s": build_s + (fit_s - sampling),
            "sample_s": sampling,
            "total_s": total,
            "min_ess_bulk": bulk,
            "min_ess_tail": tail,
            "ess_per_s": bulk / sampling,
            "divergences": int(stats.to_dataset()["diverging"].sum()),
            "n_obs": trial.n_observations,
            "peak_rss_mb": _peak_rss_mb(),
            "notes": f"bambi default priors/sampler; {BAMBI_FORMULA}; compile_s = build +"
            " PyMC compile (fit wall - sampling_time)",
        }
    ]


def work_sweep(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """N settings: prior_sweep (one compile) vs N fits compiled from scratch."""
    import bayes_keta as bk
    from bayes_keta.fitting import clear_cache

    trial = _trial(20, 35)
    centres, scales = cfg["centres"], cfg["scales"]
    grid = {
        "name": "bench",
        "include_default": False,
        "effect": {"centres": centres, "scales": scales},
    }
    n = len(centres) * len(scales)
    kw = {"draws": cfg["draws"], "tune": cfg["tune"], "chains": cfg["chains"]}
    clear_cache()
    start = time.perf_counter()
    bk.prior_sweep(trial, "daily", grid=grid, seed=SEED, progress=False, **kw)
    sweep_s = time.perf_counter() - start
    cold = []
    for c in centres:
        for s in scales:
            clear_cache()
            t0 = time.perf_counter()
            bk.fit(
                trial,
                "daily",
                priors={"treatment_effect": {"mu": c, "sigma": s}},
                seed=SEED,
                posterior_predictive=False,
                prior_draws=0,
                **kw,
            )
            cold.append(time.perf_counter() - t0)
    cold_s = sum(cold)
    return [
        {
            "sampler": "nutpie (prior_sweep, local scheduler)",
            "total_s": sweep_s,
            "notes": f"{n} grid points, one compile; {sweep_s / n:.1f} s per point",
        },
        {
            "sampler": "nutpie (N cold fits)",
            "total_s": cold_s,
            "notes": f"{n} fits each compiled from scratch; {cold_s / n:.1f} s per fit;"
            f" sweep is {cold_s / sweep_s:.1f}x faster",
        },
    ]


def work_assurance(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Assurance's fast path: simulated next-trial analyses per minute (fit not timed)."""
    import bayes_keta as bk

    trial = _trial(20, 35)
    fit = bk.fit(
        trial,
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
                    "peak_rss_mb": _peak_rss_mb(),
                    "notes": f"n = {sizes}, {sims} trials each, williams, posterior design"
                    f" prior, normal(0, 2) analysis prior: {per_min:,.0f} analyses/min ="
                    f" {per_min / cfg['target_per_min']:,.0f}x the target on"
                    f" {os.cpu_count()} cores (sample_s: simulation and analysis only)",
                }
            )
    return rows


WORKERS = {"fit": work_fit, "bambi": work_bambi, "sweep": work_sweep, "assurance": work_assurance}


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
                out.append({**base, "kind": "bambi", "sampler": "bambi"})
                first = {**base, "scenario": "samplers_first_run", "cached": False}
                out.append({**first, "kind": "fit", "sampler": "nutpie", "empty_cache": True})
    if "sweep" in only:
        out.append(
            {
                "scenario": "sweep",
                "kind": "sweep",
                "model": "daily",
                "sampler": "nutpie",
                "n_subjects": 20,
                "n_days": 35,
                "centres": [-1.0, 0.0],
                "scales": [0.5, 1.0],
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
        rows = WORKERS[cfg["kind"]](cfg)
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
            f"{cfg['scenario']}: {cfg['model']} {cfg['sampler']} {cfg['n_subjects']}x"
            f"{cfg['n_days']} ...",
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
    sys.path.insert(0, str(HERE))
    sys.exit(main())
