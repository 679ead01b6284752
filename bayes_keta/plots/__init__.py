"""The figures of the workbench, one function per figure: ``bk.plots``.

Each function takes results (a fit, a table, a sweep, a predictive check, a meta-analysis, an
assurance result) and an optional matplotlib ``ax``, draws, and returns the Axes (the
diagnostics figures of ``arviz_plots`` return their Figure): the scikit-learn Display /
ArviZ style. The report, the CLI and the notebooks call these same functions; only the
report's renderer turns a figure into an image. Every figure has a title and axis labels with
the outcome's units (:class:`bayes_keta.Outcome`), and each treatment keeps one colour across
all of them (:mod:`~bayes_keta.plots.style`).

==========================  ===========================================================
function                    figure
==========================  ===========================================================
``headline_contrasts``      each contrast's posterior with thresholds, ROPE, probabilities
``threshold_curves``        P(benefit beyond t) against t
``by_day_effects``          the effect on each day of a period (mean and band)
``observed_curves``         observed mean reading by day per arm (raw data)
``completion_by_day``       percent of readings observed by day per arm (raw data)
``model_forest``            each contrast in every fitted model
``prior_sweep``             each contrast under every prior setting of a sweep
``ppc_scores``              recorded scores: observed vs replicated counts
``ppc_auc``                 subject-period AUC: observed vs replicated ECDFs
``ppc_by_day``              mean by day: observed vs replicated band
``rank``, ``energy``        sampler diagnostics (arviz_plots)
``meta_forest``             random-effects meta-analysis forest plot
``assurance_curve``         assurance of a next trial against its size
``benefit_risk_plane``      paired draws of benefit vs adverse-event risk difference
``joint_probability_curves`` P(benefit beyond t AND excess risk below a margin) over margins
``individual_effects``      each patient's own effect (caterpillar, ``bk.heterogeneity``)
``responder_curve``         share of patients whose own benefit exceeds t
``tau_prior_posterior``     tau (SD of the own effects): prior and posterior
``published_reanalysis``    published contrasts: prior, likelihood and posterior per prior
==========================  ===========================================================

Add a figure: a function in the module of its kind (or a new module), listed here and in
``__all__``.
"""

from bayes_keta.plots.assurance import assurance_curve, plot_assurance
from bayes_keta.plots.benefit_risk import benefit_risk_plane, joint_probability_curves
from bayes_keta.plots.checks import energy, ppc_auc, ppc_by_day, ppc_scores, rank
from bayes_keta.plots.contrasts import headline_contrasts, model_forest, threshold_curves
from bayes_keta.plots.heterogeneity import (
    individual_effects,
    responder_curve,
    tau_prior_posterior,
)
from bayes_keta.plots.meta import meta_forest
from bayes_keta.plots.missingness import completion_by_day
from bayes_keta.plots.published import published_reanalysis
from bayes_keta.plots.style import treatment_colours
from bayes_keta.plots.sweep import prior_sweep
from bayes_keta.plots.time import by_day_effects, observed_curves, observed_means

__all__ = [
    "assurance_curve",
    "benefit_risk_plane",
    "by_day_effects",
    "completion_by_day",
    "energy",
    "headline_contrasts",
    "individual_effects",
    "joint_probability_curves",
    "meta_forest",
    "model_forest",
    "observed_curves",
    "observed_means",
    "plot_assurance",
    "ppc_auc",
    "ppc_by_day",
    "ppc_scores",
    "prior_sweep",
    "published_reanalysis",
    "rank",
    "responder_curve",
    "tau_prior_posterior",
    "threshold_curves",
    "treatment_colours",
]
