"""Workers of the ``sweep`` and ``cli`` scenarios (see ``benchmarks/run.py``).

``sweep``: the default grid with :func:`bayes_keta.prior_sweep` (PSIS, refits where needed) in
a fresh process, then every setting refitted under another seed in the same process, to check
that every setting's P(benefit) agrees; or ``--refit-all`` alone in a fresh process.
``cli``: wall time of ``bayes-keta --help`` and ``validate`` in fresh processes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import SEED, peak_rss_mb, trial


def work_sweep(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The default grid with prior_sweep in this fresh process; PSIS also checked vs refits."""
    import bayes_keta as bk

    t = trial(20, 35)
    kw = {"draws": cfg["draws"], "tune": cfg["tune"], "chains": cfg["chains"]}
    refit_all = cfg.get("refit_all", False)
    start = time.perf_counter()
    swept = bk.prior_sweep(t, "daily", seed=SEED, refit_all=refit_all, progress=False, **kw)
    total = time.perf_counter() - start
    methods = swept.methods
    n = len(methods)
    if refit_all:
        return [
            {
                "sampler": "prior_sweep --refit-all",
                "total_s": total,
                "peak_rss_mb": peak_rss_mb(),
                "notes": f"{n} settings, every one fitted with NUTS (one compile), fresh process",
            }
        ]
    counts = methods["method"].value_counts().to_dict()
    reweighted = methods[methods["method"] == "reweighted"]
    refits = methods[methods["method"] == "refit"]
    start = time.perf_counter()
    check = bk.prior_sweep(t, "daily", seed=SEED + 1, refit_all=True, progress=False, **kw)
    check_s = time.perf_counter() - start
    keys = ["setting", "contrast", "estimand"]
    a = swept.table.set_index(keys)
    b = check.table.set_index(keys).loc[a.index]
    diff = (a["p_benefit"] - b["p_benefit"]).abs()
    worst = diff.idxmax()
    md = diff.xs("mean_daily_difference", level="estimand")
    refit_text = _refits(refits)
    return [
        {
            "sampler": "prior_sweep (PSIS, refits where needed)",
            "total_s": total,
            "peak_rss_mb": peak_rss_mb(),
            "max_abs_diff": float(diff.max()),
            "notes": (
                f"{n} settings in a fresh process: {counts.get('fit', 0)} fitted,"
                f" {counts.get('reweighted', 0)} reweighted (Pareto k <="
                f" {reweighted['pareto_k'].max():.2f}, effective draws >="
                f" {reweighted['reweight_ess'].min():.0f}), {counts.get('refit', 0)} refitted"
                f"{refit_text}. max_abs_diff = largest |P(benefit) - P(benefit) of a NUTS fit"
                f" of the same setting under seed + 1| over {len(diff)} rows (settings x"
                f" contrasts x estimands): {diff.max():.3f} at {' / '.join(worst)};"
                f" mean daily difference rows: {md.max():.3f}"
            ),
        },
        {
            "sampler": "check: every setting refitted (--refit-all, seed + 1, warm process)",
            "total_s": check_s,
            "notes": "the check's refits, after the PSIS sweep in the same process (compiled)",
        },
    ]


def _refits(refits: Any) -> str:
    """``: name (reason); ...`` for a few refits, counts by reason for many."""
    if refits.empty:
        return ""
    if len(refits) <= 3:
        return ": " + "; ".join(f"{r.setting} ({r.reason})" for r in refits.itertuples())
    k = int(refits["reason"].str.startswith("Pareto k").sum())
    return f" ({k} for Pareto k, {len(refits) - k} for too few effective draws)"


def work_cli(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Wall time of ``bayes-keta --help`` and ``validate``, each in fresh processes."""
    exe = Path(sys.executable).with_name("bayes-keta")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bayes_keta.cli"]
    rows = []
    for args in (["--help"], ["validate"]):
        times = []
        for _ in range(cfg["repeats"]):
            start = time.perf_counter()
            proc = subprocess.run([*cmd, *args], capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
            if proc.returncode != 0:
                return [{"sampler": " ".join(["bayes-keta", *args]), "notes": "FAILED"}]
        rows.append(
            {
                "sampler": " ".join(["bayes-keta", *args]),
                "total_s": statistics.median(times),
                "notes": (
                    f"median of {len(times)} fresh processes (min {min(times):.2f} s, max"
                    f" {max(times):.2f} s)"
                    + ("; validates the embedded trial" if args == ["validate"] else "")
                ),
            }
        )
    return rows


#: The command of issue 19's first-run target (the embedded trial: it has adverse events, so
#: the adverse-event model is fitted too, in a second process).
FIT_COMMAND = ("fit", "--model", "models/daily.toml")


def work_first_run(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Wall time of the whole ``bayes-keta fit`` command: first run, then warm.

    First run: a fresh process with PyTensor's compile directory (its numba cache included) and
    numba's own cache empty (new temporary folders). Warm: fresh processes again, with the
    caches that first run filled (median of ``cfg["repeats"]``).
    """
    import os
    import tempfile

    exe = Path(sys.executable).with_name("bayes-keta")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bayes_keta.cli"]
    root = Path(__file__).resolve().parent.parent
    extra = [
        "--draws",
        str(cfg["draws"]),
        "--tune",
        str(cfg["tune"]),
        "--chains",
        str(cfg["chains"]),
    ]
    with tempfile.TemporaryDirectory() as caches, tempfile.TemporaryDirectory() as outs:
        env = {
            **os.environ,
            "PYTENSOR_FLAGS": f"base_compiledir={Path(caches) / 'pytensor'}",
            "NUMBA_CACHE_DIR": str(Path(caches) / "numba"),
        }
        times = []
        for k in range(1 + cfg["repeats"]):
            out = Path(outs) / f"run{k}"
            start = time.perf_counter()
            proc = subprocess.run(
                [*cmd, *FIT_COMMAND, *extra, "--out", str(out)],
                capture_output=True, text=True, check=False, cwd=root, env=env,
            )  # fmt: skip
            times.append(time.perf_counter() - start)
            if proc.returncode != 0:
                tail = " | ".join(proc.stderr.strip().splitlines()[-2:])
                return [{"sampler": "bayes-keta fit", "notes": f"FAILED: {tail}"}]
    warm = times[1:]
    name = "bayes-keta " + " ".join(FIT_COMMAND)
    what = "import, validation, both fits (adverse events in a second process), writing"
    return [
        {
            "sampler": f"{name} (first run)",
            "total_s": times[0],
            "notes": f"fresh process, compile caches empty: {what}",
        },
        {
            "sampler": f"{name} (warm caches)",
            "total_s": statistics.median(warm),
            "notes": (
                f"median of {len(warm)} fresh processes with the caches the first run filled"
                f" (min {min(warm):.1f} s, max {max(warm):.1f} s)"
            ),
        },
    ]
