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
# # 2. Bring your own data: the data contract, readable errors, your own treatment labels
#
# `bayes_keta` analyses any crossover trial of pain scores that fits one simple table. This
# notebook shows the table, what happens when a data set breaks the rules (a `DataError`
# naming every problem, never a silent repair), and how to declare treatment labels other than
# KETAPAIN's.
#
# The small data sets built here are **SYNTHETIC** (made by `bk.simulate_trial`). The last
# part uses a **real** published crossover trial (migraine, Senn 2002) when it is available
# next to the repository, and a synthetic stand-in otherwise; the notebook says which.

# %%
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

import bayes_keta as bk

FAST = os.environ.get("BAYES_KETA_FAST") == "1"
logging.getLogger("pymc").setLevel(logging.WARNING)  # fewer sampler log lines
SAMPLING = dict(chains=2, draws=150, tune=150) if FAST else dict(chains=4, draws=1000, tune=1000)
WORKDIR = Path(tempfile.mkdtemp(prefix="bayes_keta_nb02_"))  # scratch files of this notebook
print(f"fast mode: {FAST}; scratch directory: {WORKDIR}")

# %% [markdown]
# ## The data contract
#
# Long format, **one row per subject x period x day**, from a CSV / Parquet file or a pandas
# DataFrame:
#
# | column | required | meaning |
# |---|---|---|
# | `subject` | yes | subject identifier (text or integer) |
# | `period` | yes | period number 1..P |
# | `treatment` | yes | treatment label, one of the declared labels |
# | `day` | yes | days since that period's infusion, 1..D |
# | `pain` | yes | daily pain on the 0-10 NRS (decimals allowed); may be missing |
# | `sequence` | no | the subject's sequence (`D1-D2-P`, `PKM`, a group name); matches its periods |
# | `baseline_pain` | no | pre-infusion pain of the subject-period, 0..10 |
#
# Missing pain values, absent diary days and subjects who dropped out are **accepted** and
# reported; anything ambiguous is **refused** with a `bk.DataError` listing every problem.
# The full contract is in the docstring of `bk.load_trial` (`help(bk.load_trial)`).
#
# A small valid data set: 6 simulated subjects, 7 diary days per period.

# %%
good = bk.simulate_trial(n_subjects=6, n_days=7, seed=1)
good.head(8)

# %%
trial = bk.load_trial(good)
print(trial)
print(bk.design_summary(trial).text)

# %% [markdown]
# ## When the data break the contract
#
# Typical problems from a real export: a column named differently, a score typed on the 0-100
# scale, a label spelled differently, a diary day entered twice. `load_trial` refuses the
# table and its message names each problem and the rows concerned (1-based data rows, header
# excluded: in a CSV file, file line = row + 1).

# %%
bad = good.rename(columns={"pain": "nrs"})
try:
    bk.load_trial(bad)
except bk.DataError as err:
    print(f"DataError: {err}")

# %%
bad = good.copy()
bad.loc[3, "pain"] = 45.0  # a 0-100 VAS value in a 0-10 column
k = bad.index[bad["treatment"] == "ketamine"][0]
bad.loc[k, "treatment"] = "Ketamine"  # capital K: not a declared label
bad = pd.concat([bad, bad.iloc[[20]]], ignore_index=True)  # a diary day entered twice
try:
    bk.load_trial(bad)
except bk.DataError as err:
    print(f"DataError: {err}")

# %% [markdown]
# The fix is always made in **your** data, explicitly, so the correction is visible and
# reproducible: here, rescale the VAS value, correct the label, drop the duplicate.

# %%
fixed = bad.drop_duplicates(subset=["subject", "period", "day"]).copy()
fixed.loc[3, "pain"] = 45.0 / 10
fixed["treatment"] = fixed["treatment"].replace({"Ketamine": "ketamine"})
print(bk.load_trial(fixed))

# %% [markdown]
# ## Reading a file, and declaring your own treatment labels
#
# By default the labels are KETAPAIN's (`placebo`, `ketamine`, `ketamine_magnesium`, with
# `placebo` the reference). Any other trial declares its own labels and reference, either as
# arguments (`treatments=[...]`, `reference=...`) or in a small TOML design file, which the
# command line accepts too (`bayes-keta validate data.csv --design design.toml`).
#
# The example below uses the **real** migraine crossover of Senn (*Cross-over Trials in
# Clinical Research*, 2nd ed. 2002; via the `xover` R package): 33 subjects, 3 periods,
# placebo `P` and two active drugs `D1`, `D2`, one 0-100 VAS pain score per period. It is read
# from the shared data folder next to the repository and never copied into it. To fit the
# contract: `pain = vas / 10` and `day = 1` (one score per period). If the file is not there,
# a SYNTHETIC trial with the same labels is simulated instead.

# %%
REAL = Path.cwd().resolve()
while REAL != REAL.parent and not (REAL / "pyproject.toml").exists():
    REAL = REAL.parent  # the repository root
REAL = REAL.parent / "shared" / "data" / "real" / "migraine_senn2002.csv"

if REAL.exists():
    raw = pd.read_csv(REAL)
    print(f"REAL data: {REAL.name} ({len(raw)} rows)")
    mine = pd.DataFrame(
        {
            "subject": raw["subject"],
            "period": raw["period"],
            "treatment": raw["treatment"],
            "day": 1,
            "pain": raw["vas"] / 10,  # 0-100 VAS -> 0-10
            "sequence": raw["sequence"],
        }
    )
    name = "migraine_senn2002"
else:
    print("migraine_senn2002.csv not found: using a SYNTHETIC stand-in with the same labels")
    mine = bk.simulate_trial(
        n_subjects=33, n_days=1, treatments=["P", "D1", "D2"], effects={"D1": -1.0, "D2": -1.5}
    )
    name = "synthetic_P_D1_D2"
mine.head()

# %% [markdown]
# Loading it with the default labels fails, and the message says how to fix it:

# %%
# Parquet keeps the SYNTHETIC flag of simulated data (a CSV would lose it); CSV works the same.
path = WORKDIR / f"{name}.parquet"
mine.to_parquet(path)
try:
    bk.load_trial(path)
except bk.DataError as err:
    print(f"DataError: {err}")

# %% [markdown]
# Declare the labels in a design file (or pass `treatments=["P", "D1", "D2"], reference="P"`):

# %%
design = WORKDIR / "design.toml"
design.write_text('treatments = ["P", "D1", "D2"]\nreference = "P"\n')
mytrial = bk.load_trial(path, design=design, name=name)
print(bk.design_summary(mytrial).text)

# %% [markdown]
# ## Fit it
#
# With one score per period there is no daily curve, so the natural model is `auc`: one value
# per subject-period (here the single score; with daily diaries, the sum over the days),
# treatment and period effects, and a random subject intercept. The contrasts then read
# exactly as in notebook 1, for your labels (with a single score per period, "mean daily pain
# difference" is simply the difference in that score, on the 0-10 scale).

# %%
myfit = bk.fit(mytrial, "auc", **SAMPLING)
print(myfit.diagnostics().text)
print()
print(myfit.contrast_summary().text)

# %% [markdown]
# Finally, remove this notebook's scratch directory (the converted copy of the data only ever
# lived there, outside the repository).

# %%
shutil.rmtree(WORKDIR)
