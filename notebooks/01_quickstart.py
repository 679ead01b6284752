# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Quickstart: from the embedded trial to the probability of a meaningful benefit
#
# **The data in this notebook are SYNTHETIC.** The real KETAPAIN patient data (Pickering et
# al., *Anesthesiology* 2020;133:154-164) are not public. `bayes_keta` embeds a simulated
# trial with the same design (20 subjects, 3-period crossover of placebo, ketamine 0.5 mg/kg
# and ketamine + magnesium 3 g, daily 0-10 pain for 35 days after each infusion), calibrated
# to the published summary results and simulated with **no treatment effect**. Every number
# below describes simulated subjects, not patients.
#
# What this notebook does, top to bottom:
#
# 1. load the embedded trial and look at its design and its mean pain curves;
# 2. fit the `daily` model: the Bayesian twin of the linear mixed model
#    `pain ~ treatment + period + (1 | subject) + (1 | subject:period)` on every diary day;
# 3. check the sampler, then read the treatment contrasts and the posterior probability that
#    each treatment lowers daily pain by a clinically meaningful amount.
#
# A "not significant" primary analysis does not tell you how likely a meaningful benefit still
# is; the posterior probabilities below do, given the model and its priors.

# %%
# %matplotlib inline
import logging
import os

import matplotlib.pyplot as plt

import bayes_keta as bk

# BAYES_KETA_FAST=1 (set by the test suite) runs tiny chains so the notebook executes in
# about a minute; those draws are too few for inference and the convergence gate will say so.
FAST = os.environ.get("BAYES_KETA_FAST") == "1"
logging.getLogger("pymc").setLevel(logging.WARNING)  # fewer sampler log lines
SAMPLING = dict(chains=2, draws=150, tune=150) if FAST else dict(chains=4, draws=1000, tune=1000)
print(f"bayes_keta {bk.__version__}; fast mode: {FAST}; sampling: {SAMPLING}")

# %% [markdown]
# ## The data
#
# `bk.load_trial()` with no argument returns the embedded synthetic trial, already validated
# against the data contract (notebook 2 shows how to bring your own file). The design summary
# lists sequences, drop-outs and missing diary days, and the observed 35-day AUC per arm (the
# published primary endpoint, in pain score-days).

# %%
trial = bk.load_trial()
print(trial)
print()
print(bk.design_summary(trial).text)

# %% [markdown]
# `trial.data` is the validated long table: one row per subject x period x day.

# %%
trial.data.head()

# %% [markdown]
# Mean pain by day after the infusion, per arm (averaged over subjects, observed days only).
# With no simulated treatment effect the three curves should overlap within the noise. Every
# figure of the workbench is a function of `bk.plots` that takes results and an optional
# matplotlib `ax` and returns the Axes (the HTML report draws with the same functions); each
# treatment keeps its colour in every figure.

# %%
fig, ax = plt.subplots(figsize=(9, 3.8))
bk.plots.observed_curves(trial, ax=ax, title="Observed mean daily pain by arm (SYNTHETIC data)")
plt.show()

# %% [markdown]
# ## Fit the `daily` model
#
# `bk.fit(trial, "daily")` reads `models/daily.toml` (the model and its priors, every prior in
# daily NRS points, commented line by line) and samples the posterior with NUTS (nutpie). The
# seed is fixed, so a rerun gives identical numbers.

# %%
result = bk.fit(trial, "daily", **SAMPLING)
print(repr(result))

# %% [markdown]
# In Jupyter a fit shows itself as a card: the convergence gate's verdict and the headline
# contrasts (the same holds for the design, contrast, sweep, meta-analysis and assurance
# results).

# %%
result

# %% [markdown]
# ## Did the sampler work?
#
# Always read the convergence gate before any estimate: R-hat <= 1.01, bulk and tail ESS >=
# 400, no divergent transitions, E-BFMI >= 0.3. In fast mode the gate is expected to fail
# (150 draws per chain are far too few); with the full settings it should pass.

# %%
diagnostics = result.diagnostics()
print(diagnostics.text)

# %% [markdown]
# ## Treatment contrasts
#
# A contrast is active minus reference (placebo) in the expected daily pain of a typical
# subject: **negative = less pain = benefit**. `mean_daily_difference` is averaged over days
# 1-35 (0-10 scale); `auc_difference` is the same on the published AUC scale (35 times
# larger, pain score-days). `p_benefit` is P(difference < 0); `p_beyond_<t>` is P(difference <
# -t) for the benefit thresholds t (0.5, 1 and 2 points: Farrar et al., *Pain* 2001, about 1
# point "minimally improved", about 2 points "much improved"; on the AUC rows the same columns
# hold the matching score-day thresholds 35 x t); `p_rope` is the probability
# that the difference lies within +/-0.5 points (practically no difference). The table has
# more estimands (week 1, days 7/15/21/28, relative change in %); here the two headline ones.

# %%
table = result.contrasts()
main = table[table["estimand"].isin(["mean_daily_difference", "auc_difference"])]
main[["contrast", "estimand", "mean", "lo95", "hi95", "p_benefit", "p_rope"]].round(3)

# %% [markdown]
# The probability of a reduction beyond each threshold, on the 0-10 scale (mean daily pain):

# %%
daily = table[table["estimand"] == "mean_daily_difference"].set_index("contrast")
columns = {f"p_beyond_{t}": f"P(reduction > {t} point)" for t in ("0.5", "1", "2")}
daily[list(columns)].rename(columns=columns).round(3)

# %% [markdown]
# The same numbers in plain language (the text says SYNTHETIC DATA when it applies, and opens
# with the failures when the gate failed; `contrasts()` then also warns with a
# `bk.DiagnosticsWarning`):

# %%
print(result.contrast_summary().text)

# %% [markdown]
# The headline figure of the report: each contrast's posterior on the 0-10 scale, the region
# of benefit shaded, the thresholds dashed, the region of practical equivalence grey, and the
# probabilities of the table written beside it.

# %%
fig, ax = plt.subplots(figsize=(11, 4.8))
bk.plots.headline_contrasts(result, ax=ax)
plt.show()

# %% [markdown]
# ## Probability of benefit as a function of the threshold
#
# Rather than a single cut-off, plot P(reduction in mean daily pain > t) for every threshold t
# from 0 to 3 points. Read it as: "how likely is it that this treatment lowers daily pain by
# more than t points?". The dotted lines mark the declared thresholds (0.5, 1 and 2 points).

# %%
fig, ax = plt.subplots(figsize=(9, 3.8))
bk.plots.threshold_curves(result.threshold_curve(), outcome=result.outcome, ax=ax)
plt.show()

# %% [markdown]
# ## Next
#
# * `02_bring_your_own_data`: the data contract, readable validation errors, other labels.
# * `03_model_choice`: other models, posterior predictive checks, LOO, the effect by day.
# * `04_priors`: how much do the conclusions depend on the priors?
# * `05_meta_analysts`: export this fit and pool it with other trials.
#
# From a terminal, `make report` writes the same analysis (several models, diagnostics,
# checks) as one self-contained HTML report.
