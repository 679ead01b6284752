"""``--exact``: the fast analysis against full NUTS on the same simulated next trials.

For each ``n`` the first ``k`` simulated trials of their own seed stream
(:data:`~bayes_keta.planning.simulate.EXACT_STREAM`; ``task_rng(seed, n, j)``) are simulated
in full (every reading, :func:`~bayes_keta.planning.simulate.simulate_readings`), loaded with
:func:`bayes_keta.load_trial` (the data contract: readings outside the outcome's bounds are
clipped first) and analysed twice:

* fast: the cell means of those readings through :mod:`bayes_keta.planning.analyse`;
* exact: :func:`bayes_keta.fit` of the fitted spec under the same analysis priors (NUTS;
  no prior or predictive draws), ``P(benefit beyond t)`` = the fraction of posterior draws of
  the mean effect (``arm_mean``) beyond ``t``.

Both read the trial as the fit's outcome (its column, bounds and prior scaling). For an
outcome without both bounds the NUTS fit scales its priors by the simulated readings' spread
(:mod:`bayes_keta.models.scaling`), the fast analysis by the fitted trial's: close, not equal.

The rows pair the two posterior probabilities and success flags of every simulated trial,
contrast and rule, so the comparison is paired: a discordant success is a trial near the
decision boundary, a probability difference is the approximation's error plus the NUTS Monte
Carlo error (about ``sqrt(p(1-p)/ESS)``). NUTS runs in this process, one fit after another (the
compiled model is reused across fits of the same shape).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bayes_keta.outcome import Outcome
from bayes_keta.planning.analyse import fit_cells, posterior_beyond, within_plan
from bayes_keta.planning.design import FutureDesign
from bayes_keta.planning.prior import DesignPrior, mean_effect_draws
from bayes_keta.planning.simulate import EXACT_STREAM, simulate_readings, task_rng
from bayes_keta.planning.tasks import TaskSetup
from bayes_keta.spec import PriorsArg

__all__ = ["exact_check"]


def exact_check(
    prior: DesignPrior,
    designs: Sequence[FutureDesign],
    sizes: Sequence[int],
    *,
    k: int,
    seed: int,
    setup: TaskSetup,
    analysis_priors: PriorsArg,
    outcome: Outcome,
    settings: Mapping[str, int],
) -> pd.DataFrame:
    """Analyse ``k`` simulated trials per size fast and with NUTS (module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per size x trial x design contrast x rule: ``n``, ``sim``, ``active``,
        ``reference``, ``rule``, ``threshold``, ``prob``, ``p_fast``, ``p_exact``,
        ``success_fast``, ``success_exact``, ``clipped`` (fraction of that trial's readings
        clipped), ``passed`` (the NUTS fit's diagnostics gate), ``draw`` (design-prior draw).
    """
    from bayes_keta.data.load import load_trial
    from bayes_keta.fitting.pipeline import fit as fit_trial

    thresholds = [r.threshold for r in setup.rules]
    rows: list[dict[str, Any]] = []
    for size in sizes:
        for j in range(k):
            rng = task_rng(seed, size, j, stream=EXACT_STREAM)
            draw = int(rng.integers(0, prior.n_draws))
            for design in designs:
                frame, clipped = simulate_readings(
                    prior,
                    draw,
                    design,
                    size,
                    rng=rng,
                    bounds=outcome.bounds,
                    column=outcome.column,
                )
                fit_seed = int(rng.integers(0, 2**31 - 1))
                trial = load_trial(
                    frame,
                    treatments=list(design.treatments),
                    reference=design.reference,
                    name=f"assurance_n{size}_{j}",
                    outcome=outcome,
                )
                fit = fit_trial(
                    trial,
                    prior.spec,
                    priors=analysis_priors,
                    seed=fit_seed,
                    prior_draws=0,
                    posterior_predictive=False,
                    **settings,
                )
                passed = bool(fit.diagnostics(var_names=["arm_mean"]).passed)
                draws = mean_effect_draws(fit.datatree, reference=design.reference)
                plan = within_plan(design, size)
                cells = _cell_means(frame, design, size, outcome.column)
                estimate, rss = fit_cells(plan, cells)
                fast = posterior_beyond(
                    plan,
                    estimate,
                    rss,
                    prior=setup.prior,
                    sign=setup.sign,
                    thresholds=thresholds,
                )[0]
                for a, active in enumerate(design.actives):
                    benefit = setup.sign * draws[active]
                    for r, rule in enumerate(setup.rules):
                        p_exact = float(np.mean(benefit > rule.threshold))
                        p_fast = float(fast[a, r])
                        rows.append(
                            {
                                "n": size,
                                "sim": j,
                                "active": active,
                                "reference": design.reference,
                                "rule": rule.name,
                                "threshold": rule.threshold,
                                "prob": rule.prob,
                                "p_fast": p_fast,
                                "p_exact": p_exact,
                                "success_fast": p_fast > rule.prob,
                                "success_exact": p_exact > rule.prob,
                                "clipped": clipped,
                                "passed": passed,
                                "draw": draw,
                            }
                        )
    return pd.DataFrame(rows)


def _cell_means(frame: pd.DataFrame, design: FutureDesign, n: int, column: str) -> np.ndarray:
    """Cell means ``(1, n, periods)`` of a simulated trial's readings (subjects in order)."""
    values = frame[column].to_numpy(dtype=float)
    return values.reshape(1, n, design.periods, -1).mean(axis=-1)
