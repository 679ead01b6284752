"""The convergence gate: MCMC diagnostics with ArviZ 1.x, and a verdict that is never quiet.

Checks (thresholds from :mod:`bayes_keta.constants`):

* rank-normalised split R-hat <= ``RHAT_MAX`` (1.01) for every checked quantity, and at least
  two chains (Vehtari et al., Bayesian Analysis 2021);
* bulk and tail ESS >= ``ESS_MIN`` (400) (same reference);
* divergent transitions <= ``DIVERGENCES_MAX`` (0);
* E-BFMI >= ``BFMI_MIN`` (0.3) in every chain (Betancourt 2016, arXiv:1604.00695).

Tree-depth saturation (PyMC ``reached_max_treedepth``, nutpie ``maxdepth_reached``) is reported
as a warning: it costs efficiency, not validity. Anything that cannot be checked (no
``sample_stats``, no ``energy``, a NaN R-hat on a quantity that varies) is a failure, never a
quiet pass. R-hat, ESS, MCSE and E-BFMI come from :mod:`arviz_stats`, not hand-written code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import (
    BFMI_MIN,
    CI_PROB,
    DIVERGENCES_MAX,
    ESS_MIN,
    RHAT_MAX,
    SAMPLE_DIMS,
)
from bayes_keta.exceptions import ConvergenceError, DataError
from bayes_keta.formatting import (
    format_ess,
    format_rhat,
    format_vs_threshold,
    name_list,
    render_verdict,
)

__all__ = [
    "DrawDiagnostics",
    "Diagnostics",
    "MAX_GATE_SIZE",
    "diagnose",
    "diagnose_arrays",
    "format_ess",
    "format_rhat",
    "format_vs_threshold",
    "gate_variables",
]

#: Variables with more elements per draw than this (pointwise quantities such as a linear
#: predictor per observation) are left out of the default gate; they are listed in
#: :attr:`Diagnostics.excluded`. Name them in ``var_names`` to check them anyway.
MAX_GATE_SIZE: int = 5000

_MAXDEPTH_FLAGS = ("reached_max_treedepth", "maxdepth_reached")
_CI = f"{CI_PROB * 100:g}"


@dataclass(frozen=True)
class Diagnostics:
    """Verdict of the convergence gate.

    Attributes
    ----------
    passed : bool
        True only when every check ran and passed.
    max_rhat, min_ess_bulk, min_ess_tail : float
        Worst R-hat and ESS over the checked quantities (NaN when not computable).
    divergences : int or None
        Divergent transitions after warm-up (None when the sampler did not record them).
    min_bfmi : float or None
        Lowest per-chain E-BFMI (None without ``energy``).
    treedepth_saturation : float or None
        Fraction of draws that hit the maximum tree depth (None when not recorded).
    failures : tuple of str
        Human-readable reasons the gate failed (empty when passed).
    warnings : tuple of str
        Concerns that do not fail the gate (tree-depth saturation).
    table : pandas.DataFrame
        Per-quantity ArviZ summary: ``mean``, ``sd``, ``lo95``, ``hi95`` (equal-tailed,
        ``CI_PROB``), ``ess_bulk``, ``ess_tail``, ``r_hat``, ``mcse_mean``, ``mcse_sd``.
    text : str
        Plain-language verdict.
    thresholds : dict
        The thresholds applied (``rhat_max``, ``ess_min``, ``bfmi_min``, ``max_divergences``).
    checked : tuple of str
        Posterior variables in the gate.
    excluded : tuple of str
        Posterior variables left out (too large per draw, see :data:`MAX_GATE_SIZE`).
    n_chains, n_draws : int
        Chains and draws per chain.
    """

    passed: bool
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int | None
    min_bfmi: float | None
    treedepth_saturation: float | None
    failures: tuple[str, ...]
    warnings: tuple[str, ...]
    table: pd.DataFrame = field(repr=False)
    text: str = field(repr=False)
    thresholds: dict[str, float] = field(default_factory=dict)
    checked: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    n_chains: int = 0
    n_draws: int = 0

    def __str__(self) -> str:
        return self.text

    def raise_if_failed(self) -> None:
        """Raise :class:`ConvergenceError` listing the failures when the gate did not pass."""
        if not self.passed:
            raise ConvergenceError("diagnostics failed: " + "; ".join(self.failures))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (the ``diagnostics`` section of summary.json)."""
        return {
            "passed": bool(self.passed),
            "max_rhat": _finite_or_none(self.max_rhat),
            "min_ess_bulk": _finite_or_none(self.min_ess_bulk),
            "min_ess_tail": _finite_or_none(self.min_ess_tail),
            "divergences": self.divergences,
            "min_bfmi": _finite_or_none(self.min_bfmi),
            "treedepth_saturation": _finite_or_none(self.treedepth_saturation),
            "failures": list(self.failures),
            "warnings": list(self.warnings),
            "thresholds": dict(self.thresholds),
            "checked": list(self.checked),
            "excluded": list(self.excluded),
            "n_chains": int(self.n_chains),
            "n_draws": int(self.n_draws),
        }


def _finite_or_none(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _tree(source: Any) -> xr.DataTree:
    if not isinstance(source, xr.DataTree):
        raise DataError(
            f"diagnose needs a DataTree (a fit's .diagnostics() runs it), got"
            f" {type(source).__name__}"
        )
    if "posterior" not in source.children:
        raise DataError("the DataTree has no 'posterior' group; was the model sampled?")
    return source


def gate_variables(
    posterior: xr.Dataset, *, max_size: int = MAX_GATE_SIZE
) -> tuple[list[str], list[str]]:
    """Split posterior variables into (checked, excluded) for the default gate.

    Every variable with at most ``max_size`` elements per draw is checked (free parameters,
    ``arm_mean``, group-level effects); larger ones (pointwise Deterministics) are excluded.

    Examples
    --------
    >>> ds = xr.Dataset({"mu": (("chain", "draw"), np.zeros((2, 3))),
    ...                  "eta": (("chain", "draw", "obs"), np.zeros((2, 3, 9000)))})
    >>> gate_variables(ds)
    (['mu'], ['eta'])
    """
    checked, excluded = [], []
    for name, da in posterior.data_vars.items():
        size = int(np.prod([n for d, n in da.sizes.items() if d not in SAMPLE_DIMS]))
        (checked if size <= max_size else excluded).append(str(name))
    return checked, excluded


def _summary_table(tree: xr.DataTree, var_names: list[str]) -> pd.DataFrame:
    import arviz_stats as azs

    with np.errstate(invalid="ignore", divide="ignore"):  # constant quantities: NaN R-hat
        table = azs.summary(
            tree,
            var_names=var_names,
            ci_prob=CI_PROB,
            ci_kind="eti",
            round_to="none",
        )
    table = pd.DataFrame(table)
    renames = {
        c: ("lo" if c.endswith("_lb") else "hi") + _CI
        for c in table.columns
        if c.startswith("eti") and c[-3:] in {"_lb", "_ub"}
    }
    return table.rename(columns=renames).astype(float)


def diagnose(
    source: Any,
    *,
    rhat_max: float = RHAT_MAX,
    ess_min: float = ESS_MIN,
    bfmi_min: float = BFMI_MIN,
    max_divergences: int = DIVERGENCES_MAX,
    var_names: Sequence[str] | None = None,
) -> Diagnostics:
    """Run the convergence gate on a fitted DataTree.

    Parameters
    ----------
    source : xarray.DataTree
        Needs ``posterior`` and ``sample_stats`` (``diverging``, ``energy``) groups.
    rhat_max, ess_min, bfmi_min, max_divergences
        Gate thresholds (defaults from :mod:`bayes_keta.constants`).
    var_names : sequence of str, optional
        Posterior variables to check (default: all with at most :data:`MAX_GATE_SIZE`
        elements per draw; every free parameter and ``arm_mean`` in practice).

    Returns
    -------
    Diagnostics
        ``passed=False`` with reasons whenever a check fails or cannot be run.

    Examples
    --------
    >>> import arviz_base as azb
    >>> rng = np.random.default_rng(0)
    >>> tree = azb.from_dict({
    ...     "posterior": {"mu": rng.normal(size=(4, 500))},
    ...     "sample_stats": {"energy": rng.normal(size=(4, 500)),
    ...                      "diverging": np.zeros((4, 500), bool)}})
    >>> diagnose(tree).passed
    True
    """
    tree = _tree(source)
    posterior = tree["posterior"].to_dataset()
    if var_names is None:
        checked, excluded = gate_variables(posterior)
    else:
        missing = [v for v in var_names if v not in posterior.data_vars]
        if missing:
            raise DataError(f"var_names not in the posterior: {missing}")
        checked = list(var_names)
        excluded = [str(v) for v in posterior.data_vars if v not in checked]
    n_chains = int(posterior.sizes.get("chain", 1))
    n_draws = int(posterior.sizes.get("draw", 0))
    failures: list[str] = []
    warnings: list[str] = []

    # --- R-hat, ESS, MCSE (ArviZ) on the checked quantities
    if checked:
        table = _summary_table(tree, checked)
    else:
        table = pd.DataFrame()
        failures.append("no posterior variables to check")
    constant = _constant_rows(table)
    varying = table.drop(index=constant) if len(table) else table
    max_rhat = float(varying["r_hat"].max()) if len(varying) else math.nan
    min_ess_bulk = float(varying["ess_bulk"].min()) if len(varying) else math.nan
    min_ess_tail = float(varying["ess_tail"].min()) if len(varying) else math.nan
    if n_chains < 2:
        failures.append(
            f"only {n_chains} chain: R-hat cannot compare chains (run at least 2, ideally 4)"
        )
    if len(varying):
        nan_rhat = varying.index[varying["r_hat"].isna()].tolist()
        if nan_rhat:
            failures.append(f"R-hat is NaN for {name_list(nan_rhat)}")
        bad = varying.loc[varying["r_hat"] > rhat_max, "r_hat"].sort_values(ascending=False)
        if len(bad):
            failures.append(
                f"max R-hat {format_rhat(max_rhat, rhat_max)} > {rhat_max:g} (chains disagree);"
                f" {len(bad)}"
                f" quantities above, worst first: {name_list(bad.index.tolist())}"
            )
        for kind, worst in (("bulk", min_ess_bulk), ("tail", min_ess_tail)):
            col = f"ess_{kind}"
            low = varying.loc[~(varying[col] >= ess_min), col].sort_values(na_position="first")
            if len(low):
                failures.append(
                    f"min {kind} ESS {format_ess(worst, ess_min)} < {ess_min:g}; {len(low)}"
                    " quantities below,"
                    f" worst first: {name_list(low.index.tolist())}"
                    " (run more draws or reparameterise)"
                )

    # --- sampler statistics
    stats = tree["sample_stats"].to_dataset() if "sample_stats" in tree.children else None
    divergences: int | None = None
    min_bfmi: float | None = None
    saturation: float | None = None
    if stats is None:
        failures.append("no sample_stats group: divergences and E-BFMI cannot be checked")
    else:
        if "diverging" in stats:
            divergences = int(stats["diverging"].sum())
            if divergences > max_divergences:
                total = int(stats["diverging"].size)
                failures.append(
                    f"{divergences} divergent transition(s) of {total}"
                    f" (allowed {max_divergences}): the posterior is not fully explored"
                )
        else:
            failures.append("sample_stats has no 'diverging': divergences cannot be checked")
        if "energy" in stats:
            import arviz_stats as azs

            bfmi = azs.bfmi(tree)["energy"]
            bfmi = bfmi.dataset["energy"] if hasattr(bfmi, "dataset") else bfmi
            values = np.asarray(bfmi.values, dtype=float).ravel()
            min_bfmi = float(np.nanmin(values)) if np.isfinite(values).any() else math.nan
            low = [i for i, v in enumerate(values) if not v >= bfmi_min]
            if low:
                failures.append(
                    f"E-BFMI {format_vs_threshold(min_bfmi, bfmi_min, decimals=2)} <"
                    f" {bfmi_min:g} in chain(s) {low}:"
                    " the sampler explores the energy distribution poorly"
                )
        else:
            failures.append("sample_stats has no 'energy': E-BFMI cannot be checked")
        flag = next((f for f in _MAXDEPTH_FLAGS if f in stats), None)
        if flag is not None:
            saturation = float(stats[flag].mean())
            if saturation > 0:
                warnings.append(
                    f"{100 * saturation:.1f}% of draws hit the maximum tree depth"
                    " (slow exploration; consider reparameterising or a larger max depth)"
                )

    passed = not failures
    thresholds = {
        "rhat_max": float(rhat_max),
        "ess_min": float(ess_min),
        "bfmi_min": float(bfmi_min),
        "max_divergences": int(max_divergences),
    }
    text = render_verdict(
        passed=passed,
        failures=failures,
        warnings=warnings,
        max_rhat=max_rhat,
        min_ess_bulk=min_ess_bulk,
        min_ess_tail=min_ess_tail,
        divergences=divergences,
        min_bfmi=min_bfmi,
        n_chains=n_chains,
        n_draws=n_draws,
        excluded=excluded,
        thresholds=thresholds,
    )
    return Diagnostics(
        passed=passed,
        max_rhat=max_rhat,
        min_ess_bulk=min_ess_bulk,
        min_ess_tail=min_ess_tail,
        divergences=divergences,
        min_bfmi=min_bfmi,
        treedepth_saturation=saturation,
        failures=tuple(failures),
        warnings=tuple(warnings),
        table=table,
        text=text,
        thresholds=thresholds,
        checked=tuple(checked),
        excluded=tuple(excluded),
        n_chains=n_chains,
        n_draws=n_draws,
    )


@dataclass(frozen=True)
class DrawDiagnostics:
    """R-hat, bulk ESS and divergences of a few quantities given as arrays (no gate).

    Attributes
    ----------
    max_rhat, min_ess_bulk : float
        Worst rank-normalised split R-hat and bulk ESS over the quantities (NaNs ignored).
    divergences : int or None
        Divergent transitions (None when not recorded).
    """

    max_rhat: float
    min_ess_bulk: float
    divergences: int | None


def diagnose_arrays(
    draws: Mapping[str, np.ndarray], *, diverging: np.ndarray | None = None
) -> DrawDiagnostics:
    """Convergence numbers of quantities given as ``(chain, draw)`` arrays.

    The array-level entry of the same ArviZ statistics :func:`diagnose` uses, for callers that
    already hold the few quantities they judge (SBC's ranked quantities): no DataTree, no gate.

    Parameters
    ----------
    draws : mapping of str to numpy.ndarray
        Each of shape ``(chain, draw)``.
    diverging : numpy.ndarray, optional
        The sampler's divergence flags.

    Returns
    -------
    DrawDiagnostics

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = diagnose_arrays({"a": rng.normal(size=(2, 500))}, diverging=np.zeros((2, 500)))
    >>> d.max_rhat < 1.01, d.min_ess_bulk > 400, d.divergences
    (True, True, 0)
    """
    from arviz_stats.base import array_stats

    stacked = np.stack(list(draws.values()))  # (quantity, chain, draw)
    with np.errstate(invalid="ignore", divide="ignore"):
        rhat = np.asarray(array_stats.rhat(stacked, chain_axis=-2, draw_axis=-1))
        ess = np.asarray(array_stats.ess(stacked, chain_axis=-2, draw_axis=-1, method="bulk"))
    return DrawDiagnostics(
        max_rhat=float(np.nanmax(rhat)),
        min_ess_bulk=float(np.nanmin(ess)),
        divergences=None if diverging is None else int(np.sum(diverging)),
    )


def _constant_rows(table: pd.DataFrame) -> list[str]:
    """Rows of the summary whose draws never vary (R-hat is undefined there, not a failure)."""
    if not len(table):
        return []
    return table.index[(table["sd"] == 0) & table["r_hat"].isna()].tolist()
