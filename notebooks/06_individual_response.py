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
# # 6. Individual response: do some patients respond?
#
# **Every data set here is SYNTHETIC** (simulated, not patients).
#
# The question clinicians ask of a negative trial is not only "is the average effect zero?" but
# "do some patients respond?". Answering it needs each patient's *own* treatment effect, and
# how widely those effects spread in the population: their standard deviation **tau**.
#
# What the data can say about tau depends on the design (Senn, *Stat Med* 2016;35:966-977).
# In a standard crossover each patient receives each treatment once, so a patient's own effect
# cannot be told apart from their period-to-period variation: only the difference between the
# arms' variances (and the prior) speaks to tau. Designs that **replicate** treatments within
# a patient (ABAB, ABBA crossovers, series of N-of-1 trials) identify it.
#
# The `daily_hte` spec is the `daily` model plus a subject-by-treatment random effect for each
# active arm: patient i's own effect of arm k is `delta[k] + b[i, k]`, with
# `b[i, .] ~ MVNormal(0, diag(tau) R diag(tau))`.

# %%
# %matplotlib inline
import logging
import os

import matplotlib.pyplot as plt
import pandas as pd

import bayes_keta as bk

FAST = os.environ.get("BAYES_KETA_FAST") == "1"
logging.getLogger("pymc").setLevel(logging.WARNING)
SAMPLING = dict(chains=2, draws=150, tune=150) if FAST else dict(chains=4, draws=1000, tune=1000)
print(f"fast mode: {FAST}; sampling: {SAMPLING}")

# %% [markdown]
# ## A series of N-of-1 trials
#
# Sixteen simulated patients, placebo versus ketamine, three randomised pairs of periods each
# (`cycles=3`: every pair is placebo-ketamine in random order), 14 diary days per period. The
# mean effect is -1 point and each patient's own effect deviates from it with SD 1 point
# (`individual_sd=1.0`); the simulator keeps the true own effects in `frame.attrs`.
#
# A subject who receives the same treatment in several periods breaks the default data
# contract: declare the design replicated (`replicated=True`, or `replicated = true` in a
# design file). The design summary then reports the periods per treatment per subject.

# %%
ARMS = ("placebo", "ketamine")
frame = bk.simulate_trial(
    n_subjects=16,
    n_days=14,
    seed=5,
    treatments=ARMS,
    cycles=3,
    effects={"ketamine": -1.0},
    individual_sd=1.0,
    mu=5.0,
    sd_subject=1.2,
    sd_period=0.8,
    sd_residual=1.0,
    phi=0.3,
)
truth = pd.Series({s: e["ketamine"] for s, e in frame.attrs["individual_effects"].items()})
series = bk.load_trial(frame, treatments=ARMS, replicated=True, name="nof1_series")
print(bk.design_summary(series).text)

# %% [markdown]
# ## Fit the individual-effects model and the common-effect model
#
# `daily_hte` integrates every random effect out for sampling (no funnel for NUTS, however
# small tau is) and puts them back exactly afterwards, so each patient's own effect is in the
# posterior as `individual_effect` (subject x active arm).

# %%
hte_fit = bk.fit(series, "daily_hte", **SAMPLING)
common_fit = bk.fit(series, "daily", **SAMPLING)
print(hte_fit.diagnostics().text)

# %% [markdown]
# ## The heterogeneity estimands
#
# `bk.heterogeneity(fit)` gives tau beside its prior, the share of patients whose own effect is
# a benefit beyond each threshold (0 = any benefit, then the 0.5, 1 and 2 point thresholds),
# each patient's own effect, and the effect in a new patient; with plain sentences that say
# what the estimate rests on.

# %%
hte = bk.heterogeneity(hte_fit)
print(hte.text)

# %%
hte.tau[["treatment", "mean", "lo95", "hi95", "prior_mean", "sd_ratio", "prior_dominated"]].round(2)

# %%
hte.responders.round(3)

# %% [markdown]
# Each patient's own effect (the shrunken N-of-1 estimate) against the truth the simulator
# used. The band is a new patient's 95% predictive interval; the dotted lines are the benefit
# thresholds.

# %%
ax = bk.plot_individual_effects(hte)
own = hte.individual.set_index("subject")
order = own.sort_values("mean", ascending=False).index
ax.plot(truth[order].to_numpy(), ax.get_yticks(), "kx", ms=5, label="true own effect")
ax.legend(fontsize="small")
plt.show()
inside = ((truth >= own["lo95"]) & (truth <= own["hi95"])).mean()
print(f"true own effects inside their 95% intervals: {inside:.0%}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained")
bk.plot_responder_curve(hte, ax=axes[0])
bk.plot_tau_prior_posterior(hte, ax=axes[1])
plt.show()

# %% [markdown]
# ## Common effect or individual effects?
#
# PSIS-LOO compares the two models. Leaving one *patient* out (every random effect integrated
# out) asks which model predicts a new patient's data better; leaving one daily reading out,
# given the patient's period means, barely tells them apart. The text says plainly when the
# data cannot tell them apart.

# %%
comparison = bk.compare_heterogeneity(common_fit, hte_fit, tau=hte)
print(comparison.text)
comparison.table.round(2)

# %% [markdown]
# ## The same model on a standard crossover
#
# The embedded KETAPAIN-like trial is a 3 x 3 crossover simulated with no effect and no
# heterogeneity. The model still fits, but the estimate of tau rests on the comparison of the
# arms' variances and on its prior, and its posterior stays close to that prior: the text and
# the figure say so.

# %%
standard_fit = bk.fit(bk.ketapain_synthetic(), "daily_hte", **SAMPLING)
standard = bk.heterogeneity(standard_fit)
print(standard.text)
bk.plot_tau_prior_posterior(standard)
plt.show()

# %% [markdown]
# `summary.json` of a `daily_hte` fit carries the same numbers in its `heterogeneity` block
# (with `identified_by`: "replication" or "variance comparison and prior").

# %%
block = standard_fit.summary()["heterogeneity"]
print(block["identified_by"], [round(row["sd_ratio"], 2) for row in block["tau"]])
