"""Peers on the same data and formula: bambi (PyMC NUTS) and brms (R, Stan), cold and warm.

Both fit ``pain ~ 0 + treatment + period + (1|subject) + (1|subject:period)`` to the embedded
trial's observed days with their own default priors, 4 chains x 1000 draws (1000 warm-up) on
``min(4, cores)`` cores. *Cold*: the first fit in a fresh process (compile included); *warm*:
a second fit of the same model in that process (bambi: ``model.fit`` again; brms:
``update(fit, recompile = FALSE)``). ESS as for every sampler: the minimum bulk / tail ESS over
the two treatment effects vs placebo, the residual SD and the two random-effect SDs.

brms needs R with ``brms`` (Debian: ``r-cran-brms``); without it the row says why and the
other rows stand. rstan compiles against the Boost headers at the path R's ``BH`` package
reports, which Debian's ``r-cran-bh`` leaves empty: :func:`ensure_bh_headers` links the
system's Boost headers there (``<BH>/include -> /usr/include``) when it can, and says what to
run when it cannot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from common import PEER_FORMULA, SEED, ess, peak_rss_mb, peer_data, trial

HERE = Path(__file__).resolve().parent
#: Where Debian's libboost-dev puts the Boost headers.
SYSTEM_INCLUDE = Path("/usr/include")
#: Longest a brms run may take (cold compile plus two fits) before it is reported as failed.
BRMS_TIMEOUT_S = 1800


def work_bambi(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Bambi's default fit (PyMC NUTS, bambi's default priors), cold then warm."""
    try:
        import bambi as bmb
    except ImportError:
        return [{"sampler": "bambi", "notes": "skipped: bambi is not installed (`make bench`"
                 " installs the project's [bench] extra)"}]  # fmt: skip

    t = trial(cfg["n_subjects"], cfg["n_days"])
    data = peer_data(t)
    start = time.perf_counter()
    model = bmb.Model(PEER_FORMULA, data)
    model.build()
    build_s = time.perf_counter() - start
    rows = []
    for k, label in enumerate(("cold", "warm")):
        start = time.perf_counter()
        idata = model.fit(
            draws=cfg["draws"],
            tune=cfg["tune"],
            chains=cfg["chains"],
            random_seed=SEED + k,
            progressbar=False,
        )
        fit_s = time.perf_counter() - start
        posterior = idata["posterior"].to_dataset()
        stats = idata["sample_stats"]
        sampling = float(stats.attrs.get("sampling_time", fit_s))
        treat = posterior["treatment"]
        dim = [d for d in treat.dims if d not in ("chain", "draw")][0]
        ref = t.reference
        shared = {
            f"effect_{a}": (treat.sel({dim: a}) - treat.sel({dim: ref})).to_numpy()
            for a in t.actives
        }
        shared["sigma_subject"] = posterior["1|subject_sigma"].to_numpy()
        shared["sigma_subject_period"] = posterior["1|subject:period_sigma"].to_numpy()
        shared["sigma"] = posterior["sigma"].to_numpy()
        bulk, tail = ess(shared)
        setup = build_s if label == "cold" else 0.0
        rows.append(
            {
                "sampler": f"bambi {bmb.__version__} (PyMC NUTS)",
                "compile_s": setup + (fit_s - sampling),
                "sample_s": sampling,
                "total_s": setup + fit_s,
                "min_ess_bulk": bulk,
                "min_ess_tail": tail,
                "ess_per_s": bulk / sampling,
                "divergences": int(stats.to_dataset()["diverging"].sum()),
                "n_obs": t.n_observations,
                "peak_rss_mb": peak_rss_mb(),
                "cached": label == "warm",
                "notes": (
                    f"{label}: bambi default priors/sampler; {PEER_FORMULA}; compile_s = "
                    + ("build + " if label == "cold" else "")
                    + "PyMC compile (fit wall - sampling_time)"
                ),
            }
        )
    return rows


# -------------------------------------------------------------------------------------- brms
def _r(rscript: str, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [rscript, "--vanilla", "-e", code], capture_output=True, text=True, check=False
    )


def ensure_bh_headers(rscript: str) -> str | None:
    """Make Boost's headers findable where R's ``BH`` package says they are.

    Returns None when they are (already, or after linking ``<BH>/include`` to the system's
    headers), else why not (and what to run).
    """
    found = _r(rscript, 'cat(system.file(package = "BH"))')
    bh = found.stdout.strip()
    if found.returncode != 0 or not bh:
        return "R package BH is not installed (Debian: r-cran-bh)"
    include = Path(bh) / "include"
    if (include / "boost").is_dir():
        return None
    if not (SYSTEM_INCLUDE / "boost").is_dir():
        return f"{include} has no Boost headers and neither has {SYSTEM_INCLUDE} (libboost-dev)"
    if include.exists() or include.is_symlink():
        return f"{include} exists but holds no boost/ folder"
    try:
        include.symlink_to(SYSTEM_INCLUDE, target_is_directory=True)
    except OSError as err:
        return f"cannot link {include} -> {SYSTEM_INCLUDE} ({err.strerror}); run as root:" + (
            f" ln -s {SYSTEM_INCLUDE} {include}"
        )
    print(f"   linked {include} -> {SYSTEM_INCLUDE} (Debian's r-cran-bh ships no headers)")
    return None


def brms_missing() -> str | None:
    """Why brms cannot run here (None when it can)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "R is not installed (no Rscript on PATH)"
    check = _r(rscript, "suppressPackageStartupMessages(library(brms))")
    if check.returncode != 0:
        return "R package brms is not installed (Debian: r-cran-brms)"
    return ensure_bh_headers(rscript)


def work_brms(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """brms (Stan) on the same data and formula as bambi: cold, then warm (no recompile)."""
    import numpy as np
    import pandas as pd

    why = brms_missing()
    if why is not None:
        return [{"sampler": "brms", "notes": f"skipped: {why}"}]
    t = trial(cfg["n_subjects"], cfg["n_days"])
    cores = min(cfg["chains"], os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        peer_data(t).to_csv(out / "data.csv", index=False)
        (out / "treatments.txt").write_text(",".join(t.treatments))
        args = [cfg["draws"], cfg["tune"], cfg["chains"], SEED, cores]
        cmd = [shutil.which("Rscript"), "--vanilla", str(HERE / "brms_fit.R")]
        cmd += [str(out / "data.csv"), str(out), *map(str, args), PEER_FORMULA]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, check=False, timeout=BRMS_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            return [{"sampler": "brms", "notes": f"FAILED: over {BRMS_TIMEOUT_S} s"}]
        if proc.returncode != 0:
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            return [{"sampler": "brms", "notes": f"FAILED: {tail}"}]
        timings = json.loads((out / "timings.json").read_text())
        draws = {k: pd.read_csv(out / f"draws_{k}.csv") for k in ("cold", "warm")}
    rows = []
    for label in ("cold", "warm"):
        frame = draws[label].sort_values([".chain", ".iteration"])
        n_chains = frame[".chain"].nunique()

        def col(name: str) -> np.ndarray:
            return frame[name].to_numpy().reshape(n_chains, -1)  # noqa: B023

        ref = col(f"b_treatment{t.reference}")
        shared = {f"effect_{a}": col(f"b_treatment{a}") - ref for a in t.actives}
        shared["sigma_subject"] = col("sd_subject__Intercept")
        shared["sigma_subject_period"] = col("sd_subject:period__Intercept")
        shared["sigma"] = col("sigma")
        bulk, tail = ess(shared)
        total = timings[f"{label}_s"]
        # Stan's own warm-up + sampling time of every chain, spread over the cores: the
        # shortest the sampling can have taken (the benefit of the doubt goes to brms)
        sampling = timings[f"{label}_chains_total_s"] / cores
        rows.append(
            {
                "sampler": f"brms {timings['brms']} (rstan {timings['rstan']}, R {timings['r']})",
                "compile_s": total - sampling,
                "sample_s": sampling,
                "total_s": total,
                "min_ess_bulk": bulk,
                "min_ess_tail": tail,
                "ess_per_s": bulk / sampling,
                "divergences": int(timings[f"{label}_divergences"]),
                "n_obs": t.n_observations,
                "cached": label == "warm",
                "notes": (
                    f"{label}: brms default priors, rstan NUTS, {cfg['chains']} chains on"
                    f" {cores} cores; {PEER_FORMULA}; sample_s = Stan's warm-up + sampling time"
                    f" summed over the chains / {cores} cores (longest chain"
                    f" {timings[f'{label}_chain_s']:.1f} s); compile_s = the rest of the wall"
                    " time ("
                    + ("Stan's C++ compile and " if label == "cold" else "")
                    + "brms's model preparation)"
                ),
            }
        )
    return rows
