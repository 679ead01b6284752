r"""Adverse events per subject-period: a hierarchical logistic model (harm, not efficacy).

.. math::

    \text{AE}_{ip} \sim \operatorname{Bernoulli}(\operatorname{logit}^{-1}\eta_{ip}),\qquad
    \eta_{ip} = \mu + u_i + \pi_p + \delta_{k(i,p)},\qquad u_i \sim N(0, \sigma_u^2),

with sum-to-zero period effects (or period 1 as reference) and ``delta`` = 0 on the reference
arm: ``treatment_effect`` is a log odds ratio vs the reference for a given subject and period.
Only subject-periods with a recorded ``adverse_event`` enter
(:func:`bayes_keta.data.adverse_events.adverse_event_cells`); the subject intercepts are the
same subjects as the efficacy model's (coords ``subject``).

``ae_risk[k]`` (dims ``treatment``) is the probability of at least one adverse event in a
period on arm ``k`` for the population, averaged over the subject effect by Gauss-Hermite
quadrature (:data:`~bayes_keta.constants.AE_QUADRATURE_NODES` nodes) and over the periods:

.. math::

    \text{ae\_risk}_k = \frac1P \sum_p \int \operatorname{logit}^{-1}(\mu + \pi_p + \delta_k
    + \sigma_u z)\, \phi(z)\, dz,

the population-averaged (marginal) risk that the published shares of patients estimate; the
estimands (risk differences and ratios) are functions of it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_keta.constants import AE_QUADRATURE_NODES
from bayes_keta.data.adverse_events import AE_COLUMN, adverse_event_cells
from bayes_keta.data.trial import Trial
from bayes_keta.models import components as comp
from bayes_keta.models.priors import prior_rv
from bayes_keta.spec import ModelSpec, Prior

__all__ = ["RISK_VARIABLE", "build_adverse_events"]

#: The posterior variable of the population-averaged risk per arm (dims ``treatment``).
RISK_VARIABLE = "ae_risk"


def _quadrature() -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of E[f(z)], z ~ N(0, 1) (Gauss-Hermite, rescaled)."""
    nodes, weights = np.polynomial.hermite.hermgauss(AE_QUADRATURE_NODES)
    return np.sqrt(2.0) * nodes, weights / np.sqrt(np.pi)


def build_adverse_events(trial: Trial, spec: ModelSpec, priors: Mapping[str, Prior]) -> pm.Model:
    """Build the adverse-event model (see the module docstring).

    Parameters
    ----------
    trial : Trial
        A trial with an ``adverse_event`` column.
    spec : ModelSpec
        An ``outcome = "adverse_event"`` spec.
    priors : mapping
        Priors by role, on the log-odds scale.

    Returns
    -------
    pymc.Model
        Observed ``adverse_event`` (dims ``cell``); posterior ``mu``, ``treatment_effect``
        (active), ``period_effect``, ``sigma_subject``, ``subject_effect`` and ``ae_risk``
        (treatment).

    Raises
    ------
    DataError
        The trial has no adverse-event values.
    """
    cells = adverse_event_cells(trial)
    labels = [f"{s}:{p}" for s, p in zip(cells["subject"], cells["period"], strict=True)]
    z, w = _quadrature()
    with pm.Model(coords=comp.model_coords(trial, cell=labels)) as model:
        mu = prior_rv("mu", "intercept", priors["intercept"])
        period = comp.period_effects(spec, priors)
        effect = prior_rv(
            "treatment_effect", "treatment_effect", priors["treatment_effect"], dims="active"
        )
        by_arm = pt.concatenate([pt.zeros(1), effect])
        subject = comp.subject_means(spec, priors, mu=mu)
        s_idx = pm.Data("cell_subject_idx", cells["subject_idx"].to_numpy(np.int64), dims="cell")
        p_idx = pm.Data("cell_period_idx", cells["period_idx"].to_numpy(np.int64), dims="cell")
        k_idx = pm.Data(
            "cell_treatment_idx", cells["treatment_idx"].to_numpy(np.int64), dims="cell"
        )
        logit = subject[s_idx] + period[p_idx] + by_arm[k_idx]
        data = pm.Data(f"{AE_COLUMN}_data", cells[AE_COLUMN].to_numpy(np.int64), dims="cell")
        pm.Bernoulli(AE_COLUMN, logit_p=logit, observed=data, dims="cell")
        eta = mu + by_arm[:, None] + period[None, :]  # (treatment, period)
        nodes = (eta[:, :, None] + model["sigma_subject"] * z[None, None, :]).reshape(
            (len(trial.treatments), -1)
        )  # (treatment, period x node): one product averages periods and nodes
        weights = np.tile(w / len(trial.periods), len(trial.periods))
        pm.Deterministic(RISK_VARIABLE, pt.dot(pm.math.invlogit(nodes), weights), dims="treatment")
    return model
