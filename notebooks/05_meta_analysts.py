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
# # 5. For meta-analysts: export a fit, reload it, pool it with other trials
#
# A single small crossover trial rarely settles a question; its results should be easy to
# pool. This notebook:
#
# 1. fits the `daily` model to the **SYNTHETIC** embedded KETAPAIN-like trial;
# 2. exports the fit (`bk.export_fit`): the full posterior (netCDF), tidy draws (CSV and
#    Parquet), a meta-analysis-shaped summary, with provenance and checksums;
# 3. reloads the export (`bk.read_export`), checking every file against its checksum;
# 4. runs a Bayesian random-effects meta-analysis (`bk.meta_analysis`) of this trial with
#    five **ILLUSTRATIVE, FABRICATED** example trials shipped with the package to show the
#    input format.
#
# **Nothing pooled here is evidence**: one input is simulated and the other five are made up.
# The point is the workflow.

# %%
# %matplotlib inline
import logging
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import pandas as pd
from IPython.display import display

import bayes_keta as bk

FAST = os.environ.get("BAYES_KETA_FAST") == "1"
logging.getLogger("pymc").setLevel(logging.WARNING)  # fewer sampler log lines
SAMPLING = dict(chains=2, draws=150, tune=150) if FAST else dict(chains=4, draws=1000, tune=1000)
# The meta-analysis model is tiny: 2 chains x 4000 draws (its default) take seconds. With few
# trials and little heterogeneity its posterior is funnel-shaped; a target acceptance of 0.99
# (smaller NUTS steps) avoids the occasional divergent transition.
META_SAMPLING = dict(chains=2, draws=500, tune=500) if FAST else {}
META_SAMPLING["target_accept"] = 0.99
# Exports go to a scratch directory; use your own path (e.g. "exports/ketapain") in practice.
# In the meta-analysis the trial is labelled by its data set and model ("<data>/<model>").
EXPORT = Path(tempfile.mkdtemp(prefix="bayes_keta_nb05_")) / "ketapain_synthetic"
print(f"fast mode: {FAST}; export directory: {EXPORT}")

# %% [markdown]
# ## Fit and export

# %%
trial = bk.load_trial()
result = bk.fit(trial, "daily", **SAMPLING)
print(result.diagnostics().text)

# %%
exported = bk.export_fit(result, EXPORT)
print(f"exported to {exported.path}:")
for name, entry in sorted(exported.manifest["files"].items()):
    print(f"  {name:<22} {entry['bytes']:>10,} bytes  {entry['description']}")

# %% [markdown]
# `export.json` is the manifest: every file with its SHA-256 and size, the provenance (package
# versions, data hash, model spec, priors, seed, sampler settings) and the definition of every
# column. Another analyst (or you, in a year) can check that nothing changed:

# %%
reloaded = bk.read_export(EXPORT)  # raises OutputError if any file was modified
prov = reloaded.provenance
for key in ("data_name", "data_synthetic", "data_sha256", "spec_name", "created"):
    print(f"{key:<15} {prov.get(key)}")
print(f"{'sampler':<15} {prov['sampler']['sampler']}, seed {prov['sampler']['seed']}")

# %% [markdown]
# ## What the export contains
#
# `draws.csv` / `draws.parquet`: one row per draw x contrast x estimand, ready for R, Stata or
# pandas: plain tables, the header row first, so `pd.read_csv(path)` and R's `read.csv(path)`
# read them as they are. Every row says which data set it comes from (`data_name`,
# `data_sha256`), whether that data set is SYNTHETIC, and which model was fitted; the rest of
# the provenance is in `export.json`.

# %%
draws_csv = pd.read_csv(EXPORT / "draws.csv")
draws_csv.head()

# %% [markdown]
# `meta_summary.csv`: one row per contrast x estimand, the shape a meta-analysis needs.
# `estimate`/`se` are the posterior mean and SD. `lik_estimate`/`lik_se` approximate the
# **likelihood alone**, with the trial's own prior divided out: use them when pooling, or the
# trial's prior is counted once more for every trial. The `smd` rows put the effect on the
# standardized mean difference scale most pain meta-analyses use (the standardizer is
# documented in the `standardizer` column).

# %%
cols = ["active", "reference", "estimand", "scale", "estimate", "se", "lik_estimate", "lik_se"]
meta_rows = reloaded.meta_summary
meta_rows[meta_rows["estimand"].isin(["mean_daily_difference", "smd"])][cols].round(3)

# %% [markdown]
# ## Meta-analysis, with ILLUSTRATIVE example trials
#
# The package ships an example input table, `meta_example_illustrative.csv`. **Its five
# "trials" are FABRICATED** to show the input format (one row per trial: `trial`, `estimate`
# and either `se` or `lo95`/`hi95`, `scale`); they are not real studies and must never be
# cited or pooled with real data. Your own table of published trials takes its place.

# %%
example = Path(str(resources.files("bayes_keta.data") / "files/meta_example_illustrative.csv"))
print(example.read_text())

# %% [markdown]
# `bk.read_meta_inputs` reads both layouts: trial tables like the one above and
# `meta_summary.csv` exports (choosing one estimand and contrast, and preferring the
# likelihood-only columns). Here: ketamine vs placebo on the SMD scale.

# %%
inputs = bk.read_meta_inputs(
    [EXPORT / "meta_summary.csv", example],
    scale="smd",
    estimand="smd",
    active="ketamine",
    reference="placebo",
)
inputs.table.round(3)

# %% [markdown]
# The model: trial effects `theta_k ~ Normal(mu, tau)`, observed estimates `y_k ~
# Normal(theta_k, se_k)`, a vague prior on the pooled effect `mu` and a half-normal prior on
# the between-trial SD `tau`. Besides the pooled effect it reports the **prediction** for a new
# trial (what the next trial might show, which includes the heterogeneity) and the shrunken
# effect of each trial, with probabilities of benefit beyond Cohen's small / medium / large
# SMDs. Read the sampling-diagnostics line before the numbers (fast mode fails it by design).

# %%
meta = bk.meta_analysis(inputs, **META_SAMPLING)
print(meta.text)

# %%
display(bk.plots.meta_forest(meta).figure)  # bk.plots draws on a new figure or on your ax

# %% [markdown]
# A common-effect model (`tau_prior="fixed0"`) is a useful comparison: if the pooled effect
# changes a lot, heterogeneity matters.

# %%
common = bk.meta_analysis(inputs, tau_prior="fixed0", **META_SAMPLING)
pooled = {
    label: res.table.set_index("quantity").loc[["pooled", "prediction"], ["mean", "lo95", "hi95"]]
    for label, res in (("random effects", meta), ("common effect", common))
}
pd.concat(pooled).round(3)

# %% [markdown]
# From a terminal the same steps are `make export` (or `bayes-keta export FIT_DIR --out DIR`)
# and `bayes-keta meta exports/daily/meta_summary.csv my_trials.csv --out meta/`. Remember:
# every number in this notebook comes from simulated or fabricated inputs.

# %% [markdown]
# Remove the scratch export (skip this cell to keep it and look at the files).

# %%
shutil.rmtree(EXPORT.parent)
