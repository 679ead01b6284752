r"""The standardizer of the standardized mean difference (SMD) rows of an export.

Definition (one per posterior draw): the model-implied **between-patient SD of a patient's
mean daily pain over one follow-up period** (the AUC / D outcome, NRS points),

.. math::

    S = \sqrt{\sigma_u^2 + \sigma_v^2 + \sigma_e^2\, g / D}

with :math:`\sigma_u` = ``sigma_subject``, :math:`\sigma_v` = ``sigma_subject_period``,
:math:`\sigma_e` = ``sigma`` (day-to-day residual SD), D = follow-up days (a complete diary)
and :math:`g` the variance inflation of a mean of D correlated residuals: 1 for iid residuals,
:math:`1 + 2\sum_{k=1}^{D-1}(1 - k/D)\phi^k` for AR(1) residuals. A Student-t residual
contributes its variance :math:`\sigma_e^2 \nu/(\nu - 2)` (infinite for :math:`\nu \le 2`, where
the SMD draw is then 0). For the AUC spec (one row per subject-period, SDs on the AUC scale)
:math:`S = \sqrt{\sigma_u^2 + \sigma_v^2 + \sigma_e^2} / D` (the terms present).

Why this one: it is the SD a parallel-group trial of the same outcome (mean daily pain over
one period) would divide by, so the SMD of this crossover trial is commensurable with
parallel-group SMDs; the Cochrane Handbook (section 23.2.7) and Elbourne et al. (Int J
Epidemiol 2002;31:140-149) warn against standardizing crossover effects by the SD of
within-patient differences, which inflates SMDs. SMD draws are ``mean_daily_difference / S``
draw by draw, so the SMD posterior carries the standardizer's uncertainty. Not defined for a
model whose SDs are on a latent scale (the ordinal spec: logit). Which case applies is asked
of the model's builder (:func:`bayes_keta.models.capabilities`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from bayes_keta.exceptions import SpecError
from bayes_keta.models import Capabilities, capabilities

__all__ = ["Standardizer", "capabilities_of", "smd_standardizer"]

_RANDOM = ("sigma_subject", "sigma_subject_period")


@dataclass(frozen=True)
class Standardizer:
    """Draws of the SMD standardizer, or why there are none.

    Attributes
    ----------
    draws : xarray.DataArray or None
        Dims ``(chain, draw)``, NRS points; None when undefined for the model.
    definition : str
        The formula used, in words (written to the ``standardizer`` column).
    reason : str or None
        Why ``draws`` is None.
    """

    draws: xr.DataArray | None = field(repr=False)
    definition: str
    reason: str | None = None


def _ar1_factor(phi: np.ndarray, n_days: int) -> np.ndarray:
    """Variance of the mean of ``n_days`` unit-variance AR(1) terms, times ``n_days``."""
    k = np.arange(1, n_days)
    weights = 1.0 - k / n_days
    return 1.0 + 2.0 * np.sum(weights * np.power(phi[..., None], k), axis=-1)


def capabilities_of(structure: Mapping[str, Any] | None) -> Capabilities | None:
    """Capabilities of the model a fit's structure dict describes (None when unknown).

    Examples
    --------
    >>> auc = {"name": "x", "outcome": "auc", "likelihood": "normal"}
    >>> capabilities_of({}) is None, capabilities_of(auc).scale
    (True, 'auc')
    """
    if not structure:
        return None
    try:
        return capabilities(structure)
    except SpecError:  # a structure no builder knows (e.g. written by another version)
        return None


def smd_standardizer(
    tree: xr.DataTree,
    *,
    n_days: int,
    spec: Mapping[str, Any] | None = None,
    observed: str | None = None,
) -> Standardizer:
    """Posterior draws of the SMD standardizer (see the module docstring).

    Parameters
    ----------
    tree : xarray.DataTree
        A fit with a ``posterior`` group.
    n_days : int
        Follow-up days D.
    spec : mapping, optional
        Model structure (:meth:`bayes_keta.spec.ModelSpec.structure`): its builder's
        capabilities say whether the SDs are on a latent or the AUC scale.
    observed : str, optional
        Name of the observed variable (``"pain"`` daily, ``"auc"``); used only when the
        structure is unknown.

    Returns
    -------
    Standardizer

    Examples
    --------
    >>> post = xr.Dataset({k: (("chain", "draw"), np.full((1, 2), v)) for k, v in
    ...     {"sigma_subject": 2.0, "sigma_subject_period": 1.0, "sigma": 3.5}.items()})
    >>> s = smd_standardizer(xr.DataTree.from_dict({"posterior": post}), n_days=35)
    >>> bool(float(s.draws[0, 0]) == np.sqrt(4 + 1 + 3.5**2 / 35))
    True
    """
    caps = capabilities_of(spec)
    post = tree["posterior"].to_dataset() if "posterior" in tree.children else xr.Dataset()
    if caps is not None and caps.latent:
        reason = f"{caps.builder} model: its SDs are on the latent {caps.scale} scale"
        return Standardizer(None, "", reason)
    missing = [n for n in ("sigma_subject", "sigma") if n not in post.data_vars]
    if missing:
        return Standardizer(None, "", f"the posterior has no {', '.join(missing)}")
    # SDs on the AUC scale (one value per subject-period); a bare tree: its observed variable
    auc = caps.scale == "auc" if caps is not None else observed == "auc"
    randoms = [n for n in _RANDOM if n in post.data_vars]
    var = sum(post[n] ** 2 for n in randoms)
    resid = post["sigma"] ** 2
    terms = [f"{n}^2" for n in randoms]
    resid_text = "sigma^2"
    if "nu" in post.data_vars:
        nu = post["nu"]
        resid = resid * xr.where(nu > 2, nu / (nu - 2).where(nu > 2, 1.0), np.inf)
        resid_text = "sigma^2 nu/(nu-2)"
    if auc:
        total = np.sqrt(var + resid) / n_days
        text = f"sqrt({' + '.join([*terms, resid_text])})/{n_days}"
        what = "AUC-scale SDs divided by the days"
    else:
        if "phi" in post.data_vars:
            factor = xr.apply_ufunc(_ar1_factor, post["phi"], kwargs={"n_days": n_days})
            resid = resid * factor
            resid_text += " g(phi)"
        total = np.sqrt(var + resid / n_days)
        text = f"sqrt({' + '.join([*terms, f'{resid_text}/{n_days}'])})"
        what = "complete diary"
    definition = (
        f"{text}: model-implied between-patient SD of the mean daily pain over one"
        f" {n_days}-day period (NRS points; {what}); SMD = mean_daily_difference / SD"
        " draw by draw"
    )
    draws = total.transpose("chain", "draw").rename("smd_standardizer")
    draws.attrs = {"definition": definition, "units": "NRS points"}
    return Standardizer(draws, definition)
