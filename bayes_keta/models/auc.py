r"""The primary endpoint on its own scale: one AUC of daily pain per subject-period.

.. math::

    A_{ip} &= \sum_{t=1}^{D} y_{ipt} \quad\text{(missing days imputed by the cell mean of
    observed days, i.e. } A_{ip} = D\,\bar y_{ip}) \\
    s_i &\sim N(\mu, \sigma_u),\qquad
    A_{ip} \sim N(s_i + \pi_p + \delta_k [+ \gamma] [+ \beta x], \sigma)
    \quad\text{(or Student-t with } \nu)

Cells with fewer than ``ceil(min_observed_fraction * D)`` observed days are dropped (listed in
the build notes). With one value per cell there is no subject-by-period effect (it is part of
:math:`\sigma`). All parameters are on the AUC scale (pain score-days); priors are written in
daily NRS points and multiplied by D (``n_days``), so prior sets apply unchanged.

``treatment_effect`` is the AUC difference vs the reference; ``arm_mean[k, t] = (mu + mean_p
pi_p + delta_k) / D``, constant over days.

With ``parameterization = "marginal"`` (normal likelihood) the subject means are integrated out
(:func:`bayes_keta.models.marginal.collapsed_subject_loglik`: a subject's AUCs are jointly
normal with covariance :math:`\sigma^2 I + \sigma_u^2 11^T`) and drawn afterwards from their
conditional posterior.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_keta.data.trial import Trial
from bayes_keta.models import components as comp
from bayes_keta.models.design import auc_cells, cell_design
from bayes_keta.models.marginal import RandomEffectTerms, collapsed_subject_loglik
from bayes_keta.models.priors import prior_rv
from bayes_keta.spec import ModelSpec, Prior

__all__ = ["build_auc"]


def build_auc(
    trial: Trial, spec: ModelSpec, priors: Mapping[str, Prior]
) -> tuple[pm.Model, tuple[str, ...], RandomEffectTerms | None]:
    """Build the AUC model (see the module docstring).

    Returns
    -------
    tuple
        ``(model, notes, terms)``; the notes list dropped subject-periods; ``terms`` (for
        ``parameterization = "marginal"``, else None) puts the subject means back.

    Raises
    ------
    DataError
        Fewer than two subject-periods with enough observed days.
    """
    auc, kept = auc_cells(trial, min_observed_fraction=spec.min_observed_fraction)
    full = cell_design(trial, baseline=spec.baseline)
    cells = replace(
        full,
        subject_idx=full.subject_idx[kept],
        period_idx=full.period_idx[kept],
        treatment_idx=full.treatment_idx[kept],
        carry_idx=full.carry_idx[kept],
        baseline=full.baseline[kept],
    )
    table = trial.cells
    dropped = sorted(set(range(len(table))) - set(kept.tolist()))
    notes = tuple(
        f"AUC: dropped subject {table.at[i, 'subject']} period {table.at[i, 'period']}"
        f" ({table.at[i, 'n_obs']} of {trial.n_days} days observed)"
        for i in dropped
    )
    labels = [f"{table.at[i, 'subject']}:{table.at[i, 'period']}" for i in kept]
    coords = comp.model_coords(trial, cell=labels)
    with pm.Model(coords=coords) as model:
        mu = prior_rv("mu", "intercept", priors["intercept"])
        period = comp.period_effects(spec, priors)
        effect = prior_rv(
            "treatment_effect", "treatment_effect", priors["treatment_effect"], dims="active"
        )
        by_arm = pt.concatenate([pt.zeros(1), effect])
        marginal = spec.parameterization == "marginal"
        if marginal:
            sigma_subject = prior_rv("sigma_subject", "sigma_subject", priors["sigma_subject"])
            subject = mu + pt.zeros(len(trial.subjects))
        else:
            subject = comp.subject_means(spec, priors, mu=mu)
        location, _ = comp.cell_location(
            spec, priors, cells, subject=subject, period=period, treatment=by_arm
        )
        sigma = prior_rv("sigma", "sigma", priors["sigma"])
        arm = (mu + period.mean() + by_arm) / trial.n_days
        pm.Deterministic(
            "arm_mean", arm[:, None] * pt.ones((1, trial.n_days)), dims=("treatment", "day")
        )
        data = pm.Data("auc_data", auc, dims="cell")
        if marginal:
            variance = pt.ones_like(data) * sigma**2
            observed = np.ones(len(auc), dtype=bool)
            pm.Potential(
                "auc_marginal",
                collapsed_subject_loglik(
                    data - location,
                    variance,
                    observed,
                    sigma_subject,
                    model["cell_subject_idx"],
                    len(trial.subjects),
                ),
            )
            terms = RandomEffectTerms(
                fixed=location - mu,
                estimate=data,
                estimate_var=variance,
                observed=observed,
                subject_idx=cells.subject_idx,
            )
            return model, notes, terms
        if spec.likelihood == "student_t":
            nu = prior_rv("nu", "nu", priors["nu"])
            pm.StudentT("auc", nu=nu, mu=location, sigma=sigma, observed=data, dims="cell")
        else:
            pm.Normal("auc", mu=location, sigma=sigma, observed=data, dims="cell")
    return model, notes, None
