"""Turn :class:`~bayes_keta.spec.priors.Prior` objects into PyMC variables with data parameters.

Every numeric prior parameter enters the graph as ``pm.Data`` named ``prior__<role>__<param>``
(values already on the model's own scale), so a compiled model can be refitted with other prior
values by swapping data (:func:`prior_data_values` gives the new values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pymc as pm

from bayes_keta.models.scaling import PriorScaling
from bayes_keta.spec import OUTCOME_SCALED, ModelSpec, Prior
from bayes_keta.spec.families import FAMILIES

__all__ = ["data_name", "prior_data_values", "prior_rv", "scaled_priors", "zero_sum_rv"]


def data_name(role: str, param: str) -> str:
    """Name of the ``pm.Data`` holding a prior parameter, e.g. ``prior__sigma__sigma``."""
    return f"prior__{role}__{param}"


def scaled_priors(
    spec: ModelSpec,
    priors: Mapping[str, Prior],
    n_days: int,
    *,
    scaling: PriorScaling | None = None,
) -> dict[str, Prior]:
    """Priors on the model's own scale.

    First the outcome's rule (:class:`~bayes_keta.models.scaling.PriorScaling`: reference
    0-10 NRS points to outcome units; None: the NRS, unchanged), then the builder's scale
    (outcome-scale roles times ``spec.outcome_scale``: ``n_days`` for the AUC, the latent
    scale for the ordinal model).
    """
    if scaling is not None:
        priors = scaling.apply_all(priors)
    scale = spec.outcome_scale(n_days)
    return {r: (p.scaled(scale) if r in OUTCOME_SCALED else p) for r, p in priors.items()}


def prior_data_values(scaled: Mapping[str, Prior]) -> dict[str, np.ndarray]:
    """Map each prior parameter's data name to its value (model scale), for ``with_data``."""
    return {
        data_name(role, k): np.asarray(v, dtype=float)
        for role, prior in scaled.items()
        for k, v in prior.params.items()
    }


def _params(role: str, prior: Prior) -> dict[str, Any]:
    return {
        k: pm.Data(data_name(role, k), np.asarray(v, dtype=float)) for k, v in prior.params.items()
    }


def prior_rv(
    name: str,
    role: str,
    prior: Prior,
    *,
    dims: str | Sequence[str] | None = None,
    **kwargs: Any,
):
    """Create ``name ~ prior`` in the current model, its parameters as ``pm.Data``.

    Parameters
    ----------
    name : str
        Variable name in the model.
    role : str
        Prior role (key of the spec's ``[priors]``), used to name the data.
    prior : Prior
        The prior, already on the model's scale.
    dims : str or sequence of str, optional
        Dims of the variable.
    **kwargs
        Passed to the PyMC distribution (e.g. ``transform``).
    """
    dist = getattr(pm, FAMILIES[prior.dist].pymc)  # the one family table
    return dist(name, **_params(role, prior), dims=dims, **kwargs)


def zero_sum_rv(name: str, role: str, prior: Prior, *, dims: str):
    """``name ~ ZeroSumNormal(sigma)``: effects summing to zero, sigma as data."""
    sigma = pm.Data(data_name(role, "sigma"), np.asarray(prior.params["sigma"], dtype=float))
    return pm.ZeroSumNormal(name, sigma=sigma, dims=dims)
