r"""Simulation-based calibration (SBC) of a model spec on a trial's design.

Talts, Betancourt, Simpson, Vehtari & Gelman (2018), arXiv:1804.06788. For each simulation
:math:`s = 1..S`:

1. draw :math:`\theta^{(s)}` from the prior and data :math:`y^{(s)} \sim p(y \mid
   \theta^{(s)})` on the trial's design (same subjects, sequences and missing days;
   :mod:`bayes_keta.calibration.prior`);
2. fit the model to :math:`y^{(s)}` with NUTS: one :class:`bayes_keta.fitting.Fitter` builds
   and compiles the model **once**; each simulation only swaps its data in
   (``Fitter.sample(observed=...)``), chains in parallel;
3. rank each true value among ``n_rank_draws`` evenly thinned posterior draws, and record
   whether the 95% (``CI_PROB``) equal-tailed interval of every quantity covers it.

If the model, the generator and the sampler agree, every rank is uniform on ``0..L`` and the
intervals cover the truth ``CI_PROB`` of the time (:mod:`bayes_keta.calibration.ranks` tests
both). Quantities: the treatment effects, the contrasts ``mean_daily_difference`` of
:func:`bayes_keta.estimands.contrast_draws` (from ``arm_mean``, the estimand every report
uses), the intercept and every variance / correlation / time-constant parameter the spec has
(for ``daily_hte``: tau per active arm, ``sigma_individual``, and the correlation of the
individual effects, ``individual_correlation``).
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.calibration.prior import prior_datasets
from bayes_keta.calibration.ranks import rank_uniformity, sbc_rank, thin
from bayes_keta.calibration.staleness import code_fingerprint, sbc_hash
from bayes_keta.constants import CI_PROB, DEFAULT_SEED
from bayes_keta.data.embedded import ketapain_synthetic
from bayes_keta.data.trial import Trial
from bayes_keta.diagnostics import diagnose_arrays
from bayes_keta.estimands import contrast_draws
from bayes_keta.spec import ModelSpec, load_spec

__all__ = [
    "CONTRAST_ESTIMAND",
    "RANK_VARIABLES",
    "SBC_SPECS",
    "SBCResult",
    "SBCSettings",
    "run_sbc",
    "code_fingerprint",
    "sbc_hash",
]

#: The shipped specs every SBC artefact must cover.
SBC_SPECS: tuple[str, ...] = (
    "daily",
    "daily_decay",
    "daily_ar1",
    "auc",
    "daily_ordinal",
    "daily_hte",
)

#: Posterior variables ranked when the spec has them (scalars or 1-d, e.g. per active arm).
RANK_VARIABLES: tuple[str, ...] = (
    "mu",
    "treatment_effect",
    "effect_sustained",
    "effect_transient",
    "tau",
    "sigma_subject",
    "sigma_subject_period",
    "sigma",
    "phi",
    "nu",
    "sigma_individual",
    "individual_correlation",
)

#: Contrast estimand whose intervals' coverage is reported (from ``arm_mean``).
CONTRAST_ESTIMAND: str = "mean_daily_difference"


@dataclass(frozen=True)
class SBCSettings:
    """Settings of an SBC run (all recorded in the artefact).

    Attributes
    ----------
    n_sims : int
        Simulated trials.
    draws, tune, chains : int
        NUTS draws and tuning steps per chain, chains (run in parallel).
    n_rank_draws : int
        Thinned posterior draws the ranks are taken among (``L``; ranks lie in ``0..L``).
    seed : int
        Base seed (prior draws and every fit derive from it and the spec name).
    """

    n_sims: int
    draws: int = 300
    tune: int = 300
    chains: int = 2
    n_rank_draws: int = 100
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if self.n_sims < 2 or self.chains < 1 or self.draws < 1 or self.tune < 0:
            raise ValueError(f"invalid SBC settings {self}")
        if self.n_rank_draws % self.chains or self.n_rank_draws > self.chains * self.draws:
            raise ValueError("n_rank_draws must be a multiple of chains and <= chains * draws")


@dataclass(frozen=True)
class SBCResult:
    """Ranks and coverage of one spec's SBC run.

    Attributes
    ----------
    spec : str
        Spec name.
    settings : SBCSettings
        What produced it.
    ranks : pandas.DataFrame
        One row per simulation, one column per quantity (``treatment_effect[ketamine]``,
        ``mean_daily_difference[ketamine - placebo]``...), ranks in ``0..n_rank_draws``.
    covered : pandas.DataFrame
        Same shape: did the ``CI_PROB`` equal-tailed interval cover the truth.
    runs : pandas.DataFrame
        Per simulation: ``seed``, ``divergences``, ``max_rhat``, ``min_ess_bulk``,
        ``sample_s``, ``cache_hit``.
    truths : pandas.DataFrame
        Same shape as ``ranks``: the true (prior-drawn) values, to diagnose failures.
    spec_hash : str
        :func:`sbc_hash` of the spec and model sources when run.
    hashed_files : tuple of str
        Files the hash covers.
    seconds : float
        Wall time of the whole run (compile included).
    acceptance : float
        Fraction of prior draws kept (< 1 only for constrained priors).
    mass_matrix : str
        nutpie mass matrix adaptation the spec asks for (``diag`` or ``low_rank``).
    target_accept : float or None
        Step-size adaptation target the spec asks for (None: the sampler's default, 0.8).
    """

    spec: str
    settings: SBCSettings
    ranks: pd.DataFrame = field(repr=False)
    covered: pd.DataFrame = field(repr=False)
    runs: pd.DataFrame = field(repr=False)
    truths: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    spec_hash: str = ""
    hashed_files: tuple[str, ...] = ()
    seconds: float = 0.0
    acceptance: float = 1.0
    mass_matrix: str = "diag"
    target_accept: float | None = None

    @property
    def n_ranks(self) -> int:
        """Number of possible ranks, ``n_rank_draws + 1``."""
        return self.settings.n_rank_draws + 1

    @property
    def table(self) -> pd.DataFrame:
        """Per quantity: ``n_sims``, ``p_chi2``, ``p_pot_c``, ``p_uniform``, ``coverage``."""
        rows = []
        for i, name in enumerate(self.ranks.columns):
            test = rank_uniformity(
                self.ranks[name].to_numpy(), self.n_ranks, seed=self.settings.seed + i
            )
            rows.append(
                {
                    "quantity": name,
                    "n_sims": int(self.ranks[name].size),
                    "p_chi2": test.p_chi2,
                    "p_pot_c": test.p_pot_c,
                    "p_uniform": test.p_value,
                    "n_bins": test.n_bins,
                    "coverage": float(self.covered[name].mean()),
                    "n_covered": int(self.covered[name].sum()),
                }
            )
        return pd.DataFrame(rows).set_index("quantity")

    @property
    def text(self) -> str:
        """Short human summary."""
        t = self.table
        contrasts = t.loc[[q for q in t.index if q.startswith(CONTRAST_ESTIMAND)]]
        s = self.settings
        return (
            f"SBC {self.spec}: {s.n_sims} sims ({s.chains} chains x {s.draws} draws, ranks among"
            f" {s.n_rank_draws}); min uniformity p = {t['p_uniform'].min():.3g}"
            f" ({t['p_uniform'].idxmin()}); {CI_PROB:.0%} contrast coverage"
            f" {contrasts['coverage'].mean():.3f}; sims with divergences"
            f" {int((self.runs['divergences'] > 0).sum())}/{len(self.runs)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record: settings, hash, ranks, coverage flags and per-sim diagnostics."""
        return {
            "spec": self.spec,
            "settings": asdict(self.settings),
            "spec_hash": self.spec_hash,
            "hashed_files": list(self.hashed_files),
            "seconds": round(self.seconds, 1),
            "acceptance": round(self.acceptance, 4),
            "sampler": {"name": "nutpie", "mass_matrix": self.mass_matrix}
            | ({} if self.target_accept is None else {"target_accept": self.target_accept}),
            "ranks": {c: [int(v) for v in self.ranks[c]] for c in self.ranks.columns},
            "covered": {c: [bool(v) for v in self.covered[c]] for c in self.covered.columns},
            "runs": _records(self.runs),
            "truths": {c: [round(float(v), 6) for v in self.truths[c]] for c in self.truths},
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out


def _spec_seed(seed: int, name: str) -> int:
    return int(np.random.SeedSequence([seed, zlib.crc32(name.encode())]).generate_state(1)[0])


def _scalar_draws(ds: xr.Dataset, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``{label: array (..., chain?, draw)}`` of every 0-d or 1-d variable among ``names``."""
    out: dict[str, np.ndarray] = {}
    sample = [d for d in ("chain", "draw") if d in ds.dims]
    for name in names:
        if name not in ds:
            continue
        da = ds[name]
        extra = [d for d in da.dims if d not in sample]
        if not extra:
            out[name] = da.transpose(*sample).to_numpy()
        elif len(extra) == 1:
            for label in da[extra[0]].values:
                out[f"{name}[{label}]"] = da.sel({extra[0]: label}).transpose(*sample).to_numpy()
    return out


def _contrasts(ds: xr.Dataset, reference: str) -> dict[str, np.ndarray]:
    am = ds["arm_mean"]
    if "chain" not in am.dims:
        am = am.expand_dims("chain")
    est = contrast_draws(am, reference=reference)[CONTRAST_ESTIMAND]
    return {
        f"{CONTRAST_ESTIMAND}[{c}]": est.sel(contrast=c).transpose("chain", "draw").to_numpy()
        for c in est["contrast"].values
    }


def _quantities(ds: xr.Dataset, reference: str) -> dict[str, np.ndarray]:
    return {**_scalar_draws(ds, RANK_VARIABLES), **_contrasts(ds, reference)}


def _run_diagnostics(tree: xr.DataTree, quantities: dict[str, np.ndarray]) -> dict[str, float]:
    stats = tree["sample_stats"].to_dataset()
    diverging = stats["diverging"].to_numpy() if "diverging" in stats else None
    diag = diagnose_arrays(quantities, diverging=diverging)
    return {
        "divergences": -1 if diag.divergences is None else diag.divergences,
        "max_rhat": diag.max_rhat,
        "min_ess_bulk": diag.min_ess_bulk,
    }


def run_sbc(
    spec: str | Path | ModelSpec,
    *,
    settings: SBCSettings,
    trial: Trial | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SBCResult:
    """Run simulation-based calibration of a spec on a trial's design.

    Parameters
    ----------
    spec : str, Path or ModelSpec
        Model name (``"daily"``), spec path or spec; its default priors are the prior SBC
        draws from and fits with.
    settings : SBCSettings
        Simulations, NUTS settings, thinning, seed.
    trial : Trial, optional
        Whose design (subjects, sequences, missing days) the simulated trials keep; default
        the embedded SYNTHETIC KETAPAIN-like trial (20 subjects x 3 periods x 35 days). Its
        pain scores are never used.
    progress : callable, optional
        Called as ``progress(done, total)`` after each simulation.

    Returns
    -------
    SBCResult

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> res = run_sbc("daily", trial=trial, settings=SBCSettings(n_sims=8, draws=100,
    ...               tune=100, n_rank_draws=50))  # doctest: +SKIP
    >>> res.ranks.shape  # doctest: +SKIP
    (8, 9)
    """
    from bayes_keta.fitting import Fitter, SamplerSettings
    from bayes_keta.fitting.runner import exact_float_math

    start = time.perf_counter()
    trial = trial or ketapain_synthetic()
    loaded = load_spec(spec)
    digest, files = sbc_hash(loaded)
    sampler = SamplerSettings(
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=min(settings.chains, os.cpu_count() or 1),
        seed=settings.seed,
    )
    fitter = Fitter.compile(trial, loaded, settings=sampler)
    base = _spec_seed(settings.seed, loaded.name)
    with exact_float_math():  # the simulated data the same on a first run as on later ones
        sims = prior_datasets(fitter.built, trial, n_sims=settings.n_sims, seed=base)
    truths = {k: v.reshape(-1) for k, v in _quantities(sims.prior, trial.reference).items()}
    seeds = np.random.SeedSequence(base).generate_state(settings.n_sims)
    tail = (1.0 - CI_PROB) / 2.0
    ranks, covered, runs = [], [], []
    for s in range(settings.n_sims):
        sampled = fitter.sample(seed=int(seeds[s]), observed=sims.data[s])
        post = _quantities(sampled.posterior, trial.reference)
        rank_row, cover_row = {}, {}
        for name, draws in post.items():
            truth = float(truths[name][s])
            rank_row[name] = sbc_rank(truth, thin(draws, settings.n_rank_draws))
            lo, hi = np.quantile(draws, [tail, 1.0 - tail])
            cover_row[name] = bool(lo <= truth <= hi)
        ranks.append(rank_row)
        covered.append(cover_row)
        runs.append(
            {
                "seed": int(seeds[s]),
                **_run_diagnostics(sampled.datatree, post),
                "sample_s": round(sampled.run.sample_seconds, 3),
                "cache_hit": bool(sampled.run.cache_hit),
            }
        )
        if progress is not None:
            progress(s + 1, settings.n_sims)
    return SBCResult(
        spec=loaded.name,
        settings=settings,
        ranks=pd.DataFrame(ranks),
        covered=pd.DataFrame(covered),
        runs=pd.DataFrame(runs),
        truths=pd.DataFrame({name: truths[name] for name in ranks[0]}),
        spec_hash=digest,
        hashed_files=files,
        seconds=time.perf_counter() - start,
        acceptance=sims.acceptance,
        mass_matrix=str(fitter.settings.mass_matrix),
        target_accept=fitter.settings.target_accept,
    )
