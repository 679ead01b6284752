"""Common effect or individual effects? PSIS-LOO of the two fits and tau, in one verdict.

Two levels of PSIS-LOO (Vehtari, Gelman & Gabry 2017, :func:`arviz_stats.loo`):

``subject``
    leave one *patient* out: each subject's log-likelihood with every random effect
    integrated out (the ``log_likelihood_subject`` group the marginal daily specs keep). This
    is the criterion that sees how the models differ: whether a new patient's cells vary more
    on an active arm than on the reference.
``reading``
    leave one daily reading out given the subject's cell means (the ``log_likelihood`` group):
    with many readings per period the cell means are pinned down whatever their prior, so this
    level barely tells the two models apart; it is shown for completeness.

The two are told apart when the subject-level difference is larger than
:data:`~bayes_keta.constants.ELPD_DIFF_MIN` and than
:data:`~bayes_keta.constants.ELPD_DIFF_SE` standard errors; otherwise the text says the data
cannot tell them apart, and adds what tau's posterior says against its prior.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import ELPD_DIFF_MIN, ELPD_DIFF_SE
from bayes_keta.estimands.core import CI_LABEL

__all__ = ["LEVELS", "HeterogeneityComparison", "compare_heterogeneity"]

#: LOO levels and the DataTree group each reads.
LEVELS: dict[str, str] = {"subject": "log_likelihood_subject", "reading": "log_likelihood"}
#: Pareto k above which a PSIS-LOO term is unreliable (Vehtari et al. 2024).
_KHAT_MAX = 0.7


@dataclass(frozen=True)
class HeterogeneityComparison:
    """PSIS-LOO of a common-effect fit and an individual-effects fit, and the verdict.

    Attributes
    ----------
    common, individual : str
        Names of the two fits.
    table : pandas.DataFrame
        One row per level (``subject``, ``reading``): ``n``, ``elpd_common``,
        ``elpd_individual``, ``elpd_diff`` (individual minus common), ``se_diff``,
        ``high_k`` (terms with Pareto k > 0.7, both fits), ``note``.
    told_apart : bool or None
        Whether the subject-level LOO tells the models apart (None: not computable).
    better : str or None
        The name of the fit the subject-level LOO prefers, when told apart.
    text : str
        Plain sentences.
    """

    common: str
    individual: str
    table: pd.DataFrame = field(repr=False)
    told_apart: bool | None
    better: str | None
    text: str = field(repr=False)


def _tree(source: Any) -> xr.DataTree:
    return source.datatree if hasattr(source, "datatree") else source


def _name(source: Any, default: str) -> str:
    record = getattr(source, "record", None)
    return str(record.model.name) if record is not None else default


def _loo(tree: xr.DataTree, group: str) -> Any:
    """PSIS-LOO of a tree's ``group`` (its one variable), or None when it has none."""
    if group not in tree.children or "posterior" not in tree.children:
        return None
    data = tree[group].to_dataset()
    if not data.data_vars:
        return None
    var = str(next(iter(data.data_vars)))
    work = xr.DataTree.from_dict(
        {"posterior": tree["posterior"].to_dataset(), "log_likelihood": data}
    )
    import arviz_stats as azs

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pareto k: counted and reported
        return azs.loo(work, var_name=var)


def _row(level: str, a: Any, b: Any) -> dict[str, Any]:
    if a is None or b is None:
        return {"level": level, "n": 0, "elpd_common": np.nan, "elpd_individual": np.nan}
    pa = np.asarray(a.elpd_i, dtype=float).ravel()
    pb = np.asarray(b.elpd_i, dtype=float).ravel()
    if pa.shape != pb.shape:
        return {"level": level, "n": 0, "note": "the fits are not over the same data"}
    diff = pb - pa
    high = int(
        np.sum(np.asarray(a.pareto_k) > _KHAT_MAX) + np.sum(np.asarray(b.pareto_k) > _KHAT_MAX)
    )
    return {
        "level": level,
        "n": int(pa.size),
        "elpd_common": float(a.elpd),
        "elpd_individual": float(b.elpd),
        "elpd_diff": float(diff.sum()),
        "se_diff": float(np.sqrt(diff.size * np.var(diff, ddof=1))) if diff.size > 1 else np.nan,
        "high_k": high,
        "note": f"{high} Pareto k > {_KHAT_MAX:g}: unreliable there" if high else "",
    }


def compare_heterogeneity(
    common: Any,
    individual: Any,
    *,
    names: tuple[str, str] | None = None,
    tau: Any = None,
) -> HeterogeneityComparison:
    """Compare a common-effect fit with an individual-effects fit of the same data.

    Parameters
    ----------
    common, individual : FitResult or xarray.DataTree
        The fits (``daily`` and ``daily_hte``, say), of the same trial.
    names : tuple of str, optional
        Their names (default: from the fits' records, else ``common`` / ``individual``).
    tau : HeterogeneityResult, optional
        The individual-effects fit's heterogeneity estimands
        (:func:`~bayes_keta.estimands.heterogeneity.heterogeneity`), whose tau-vs-prior
        verdict the text adds.

    Returns
    -------
    HeterogeneityComparison

    Examples
    --------
    >>> fits = {n: bk.fit(trial, n, draws=200, tune=200) for n in ("daily", "daily_hte")}
    ... # doctest: +SKIP
    >>> compare_heterogeneity(fits["daily"], fits["daily_hte"]).told_apart  # doctest: +SKIP
    False
    """
    first, second = names or (_name(common, "common"), _name(individual, "individual"))
    rows = [
        _row(level, _loo(_tree(common), group), _loo(_tree(individual), group))
        for level, group in LEVELS.items()
    ]
    table = pd.DataFrame(rows).reindex(
        columns=["level", "n", "elpd_common", "elpd_individual", "elpd_diff", "se_diff"]
        + ["high_k", "note"]
    )
    subject = table.iloc[0]
    told_apart: bool | None = None
    better = None
    if subject["n"] and np.isfinite(subject["elpd_diff"]):
        gap, se = abs(subject["elpd_diff"]), subject["se_diff"]
        told_apart = bool(gap > ELPD_DIFF_MIN and gap > ELPD_DIFF_SE * se)
        if told_apart:
            better = second if subject["elpd_diff"] > 0 else first
    text = _verdict(first, second, subject, told_apart, better, tau)
    return HeterogeneityComparison(first, second, table, told_apart, better, text)


def _verdict(first, second, subject, told_apart, better, tau) -> str:
    if told_apart is None:
        lines = [
            f"No leave-one-subject-out LOO for {first!r} and {second!r} (both must be marginal"
            " daily fits that keep each subject's integrated log-likelihood)."
        ]
    else:
        numbers = (
            f"leave-one-patient-out ELPD difference {subject['elpd_diff']:+.1f}"
            f" (SE {subject['se_diff']:.1f}; positive favours {second!r})"
        )
        if told_apart:
            lines = [f"The data prefer {better!r}: {numbers}."]
        else:
            lines = [
                f"The data cannot tell the common-effect model {first!r} from the"
                f" individual-effects model {second!r}: {numbers}; a difference under"
                f" {ELPD_DIFF_MIN:g} or under {ELPD_DIFF_SE:g} SE is no clear preference."
            ]
    if tau is not None:
        for row in tau.tau.to_dict(orient="records"):
            close = row.get("prior_dominated")
            where = (
                "stays close to its prior"
                if close
                else "is narrower than its prior (the data informed it)"
                if close is not None
                else "(no prior draws to compare)"
            )
            lines.append(
                f"tau ({row['treatment']}): {row['mean']:.2f} ({CI_LABEL}% CI"
                f" {row[f'lo{CI_LABEL}']:.2f} to {row[f'hi{CI_LABEL}']:.2f}); its posterior"
                f" {where}."
            )
    return " ".join(lines)
