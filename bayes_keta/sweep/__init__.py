"""Prior-sensitivity sweeps of the patient-level models over a grid of prior settings.

``grid`` (grid TOML, default grid, expansion to settings), ``run`` (fit every setting with one
compiled model, serially or on Dask), ``output`` (tables, Dataset, files), ``plots``.
"""

from bayes_keta.sweep.grid import (
    HYPER_ROLES,
    SweepGrid,
    SweepSetting,
    default_grid,
    load_grid,
    setting_seed,
)
from bayes_keta.sweep.output import SWEEP_ESTIMANDS, THRESHOLD_COLUMNS, SweepResult
from bayes_keta.sweep.run import prior_sweep, run_setting

__all__ = [
    "HYPER_ROLES",
    "SWEEP_ESTIMANDS",
    "SweepGrid",
    "SweepResult",
    "SweepSetting",
    "THRESHOLD_COLUMNS",
    "default_grid",
    "load_grid",
    "prior_sweep",
    "run_setting",
    "setting_seed",
]
