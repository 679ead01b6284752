"""One task of an assurance run: simulate and analyse a chunk of next trials (runs anywhere).

A task is a pure function of :class:`TaskSetup` (the design prior's mean effects and cell
SDs, the designs, rules, analysis prior: small NumPy arrays, scattered once to every Dask
worker) and ``(n, task, size)``. Its generator is :func:`bayes_keta.planning.simulate.task_rng`
``(seed, n, task)``: draw indices first (uniform with replacement over the design prior's
draws), then the noise of each design in order. So a task gives the same counts in this
process, on a local cluster or on a remote worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayes_keta.planning.analyse import Rule, fit_cells, posterior_beyond, within_plan
from bayes_keta.planning.analysis_prior import AnalysisPrior
from bayes_keta.planning.design import FutureDesign
from bayes_keta.planning.simulate import simulate_cell_means, task_rng

__all__ = ["TaskSetup", "run_task", "task_sizes"]


@dataclass(frozen=True)
class TaskSetup:
    """Everything a task needs, picklable and small.

    Attributes
    ----------
    mean_effect : numpy.ndarray
        Design-prior draws of each active's mean effect, ``(draws, actives)``.
    cell_sd : numpy.ndarray
        Residual SD of a cell mean per draw, ``(draws,)``.
    actives : tuple of str
        Labels of ``mean_effect``'s columns.
    designs : tuple of FutureDesign
        The future trials (one, or one per active for ``2x2``).
    rules : tuple of Rule
        Success rules.
    prior : AnalysisPrior
        Analysis prior of the effects.
    sign : int
        Benefit sign of the outcome.
    seed : int
        Base seed.
    """

    mean_effect: np.ndarray
    cell_sd: np.ndarray
    actives: tuple[str, ...]
    designs: tuple[FutureDesign, ...]
    rules: tuple[Rule, ...]
    prior: AnalysisPrior
    sign: int
    seed: int


def task_sizes(sims: int, chunk: int) -> list[int]:
    """Split simulations into tasks: ``chunk`` each, the last one the remainder.

    Examples
    --------
    >>> task_sizes(1200, 500)
    [500, 500, 200]
    """
    return [min(chunk, sims - start) for start in range(0, sims, chunk)]


def run_task(setup: TaskSetup, n: int, task: int, size: int) -> dict[str, np.ndarray]:
    """Simulate and analyse ``size`` next trials of ``n`` subjects (task ``task``).

    Returns
    -------
    dict
        ``successes``: ``(designs, max actives, rules)`` counts; ``prob_sum``: the sums of
        the posterior probabilities (same shape; for the mean posterior probability);
        ``size``.

    Examples
    --------
    >>> from bayes_keta.planning.analysis_prior import AnalysisPrior
    >>> from bayes_keta.planning.analyse import success_rules
    >>> from bayes_keta.planning.design import future_designs
    >>> designs = tuple(future_designs("2x2", treatments="PA", reference="P", n_days=7))
    >>> setup = TaskSetup(np.array([[-3.0]]), np.array([0.5]), ("A",), designs,
    ...                   success_rules(1.0, 0.9), AnalysisPrior("flat"), -1, 1)
    >>> out = run_task(setup, 12, 0, 100)
    >>> out["successes"][0, 0].tolist()  # 3-point benefit, SD 0.5: every trial succeeds
    [100, 100]
    """
    rng = task_rng(setup.seed, n, task)
    draws = rng.integers(0, setup.mean_effect.shape[0], size)
    mean_effect, cell_sd = setup.mean_effect[draws], setup.cell_sd[draws]
    width = max(len(d.actives) for d in setup.designs)
    shape = (len(setup.designs), width, len(setup.rules))
    successes = np.zeros(shape, dtype=np.int64)
    prob_sum = np.zeros(shape)
    thresholds = [r.threshold for r in setup.rules]
    probs = np.array([r.prob for r in setup.rules])
    for d, design in enumerate(setup.designs):
        plan = within_plan(design, n)
        cells = simulate_cell_means(mean_effect, cell_sd, design, n, actives=setup.actives, rng=rng)
        estimate, rss = fit_cells(plan, cells)
        p = posterior_beyond(
            plan, estimate, rss, prior=setup.prior, sign=setup.sign, thresholds=thresholds
        )
        k = p.shape[1]
        successes[d, :k] = (p > probs).sum(axis=0)
        prob_sum[d, :k] = p.sum(axis=0)
    return {"successes": successes, "prob_sum": prob_sum, "size": np.array(size)}
