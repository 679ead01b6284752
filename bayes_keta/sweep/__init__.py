"""Prior-sensitivity sweeps of the patient-level models over a grid of prior settings.

``grid`` (grid TOML, default grid, expansion to settings), ``run`` (one NUTS fit reweighted to
every setting, refits where the reweighting is not reliable; serially or on Dask), ``points``
(one fit, or the base fit and its reweightings), ``reweight`` (PSIS weights from the prior
ratio, weighted summaries), ``outcome`` (what a sweep reports on: the trial's outcome, the
grid's priors on its scale), ``output`` (tables, Dataset, files), ``text``, ``plots``.
"""

from bayes_keta.sweep.grid import (
    HYPER_ROLES,
    SweepGrid,
    SweepSetting,
    default_grid,
    load_grid,
    setting_seed,
)
from bayes_keta.sweep.output import METHOD_COLUMNS, SWEEP_ESTIMANDS, THRESHOLD_COLUMNS, SweepResult
from bayes_keta.sweep.points import run_base, run_setting
from bayes_keta.sweep.run import prior_sweep

__all__ = [
    "HYPER_ROLES",
    "METHOD_COLUMNS",
    "SWEEP_ESTIMANDS",
    "SweepGrid",
    "SweepResult",
    "SweepSetting",
    "THRESHOLD_COLUMNS",
    "default_grid",
    "load_grid",
    "prior_sweep",
    "run_base",
    "run_setting",
    "setting_seed",
]
