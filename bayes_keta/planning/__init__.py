"""Planning the next trial: assurance of a next crossover trial from a fit (issue 17).

(The package is ``planning``, not ``assurance``, for the reason ``fitting`` is not ``fit``:
importing a subpackage binds its name on ``bayes_keta``, which would hide the function
``bk.assurance``.)

The probability that a new crossover of ``n`` subjects would show a clinically meaningful
benefit, given what a fitted trial taught us (O'Hagan, Stevens & Campbell, Pharm Stat
2005;4:187-201; RBesT's ``pos2S``/``oc2S`` do it for parallel groups). One module per step:
:mod:`.prior` (the design prior: the one reader of fits), :mod:`.design` (future designs),
:mod:`.simulate` (simulated trials), :mod:`.analysis_prior` and :mod:`.analyse` (the fast
analysis and success rules), :mod:`.tasks` and :mod:`.run` (tasks, seeds, Dask),
:mod:`.exact` (the NUTS check), :mod:`.record` and :mod:`.output` (files),
the figure is :func:`bayes_keta.plots.assurance_curve`.
"""

from __future__ import annotations

from bayes_keta.planning.output import AssuranceResult
from bayes_keta.planning.prior import DesignPrior, design_prior_from_fit
from bayes_keta.planning.run import assurance

__all__ = [
    "AssuranceResult",
    "DesignPrior",
    "assurance",
    "design_prior_from_fit",
]
