"""The likelihood-based columns of the adverse-event rows of ``meta_summary.csv``.

The paired (crossover) risk difference and its Wald SE against a hand computation on a small
fixed data set; the cases without a usable SE are withheld with a reason, never an SE of 0;
the flags are read from a fit's constant_data or its trial alike; ``bayes-keta meta`` uses
the columns when given and names the reason when it falls back to the posterior.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from fake_fits import fake_ae_tree, fake_fit

from bayes_keta.export.adverse_events import adverse_event_draws, adverse_event_meta_rows
from bayes_keta.export.paired_risk import ae_flags, paired_from_flags, paired_risk_difference
from bayes_keta.export.schemas import validate_table
from bayes_keta.fitting import FitResult
from bayes_keta.fitting.completion import attach_data_groups
from bayes_keta.meta.inputs import read_meta_inputs

# eight patients, one period each on k (active) and p (reference):
#   patient    1  2  3  4  5  6  7  8
#   on k       1  1  1  0  0  0  1  0     4 of 8
#   on p       1  0  0  0  1  0  0  0     2 of 8
# both = 1 (patient 1), b = 3 (patients 2, 3, 7), c = 1 (patient 5), n = 8
ACTIVE = [1, 1, 1, 0, 0, 0, 1, 0]
REFERENCE = [1, 0, 0, 0, 1, 0, 0, 0]


def _long(active: list[int], reference: list[int]) -> pd.DataFrame:
    n = len(active)
    return pd.DataFrame(
        {
            "subject": [f"s{i}" for i in range(n)] * 2,
            "treatment": ["k"] * n + ["p"] * n,
            "adverse_event": active + reference,
        }
    )


def test_the_paired_risk_difference_against_a_hand_computation():
    rd = paired_risk_difference(ACTIVE, REFERENCE, active="k", reference="p")
    assert (rd.n_pairs, rd.both, rd.active_only, rd.reference_only) == (8, 1, 3, 1)
    assert rd.estimate == pytest.approx(4 / 8 - 2 / 8)  # = (b - c) / n = 2 / 8
    # Wald: (b + c - (b - c)^2 / n) / n^2 = (4 - 4 / 8) / 64 = 3.5 / 64
    assert rd.se == pytest.approx(math.sqrt(3.5) / 8)
    # the same variance as the per-patient differences' plug-in variance over n
    d = np.subtract(ACTIVE, REFERENCE)
    assert rd.se == pytest.approx(d.std(ddof=0) / math.sqrt(d.size)) and rd.reason is None
    assert "b = 3 (k only), c = 1 (p only)" in rd.approx and "Wald SE" in rd.approx


def test_pairs_are_formed_per_patient_from_a_long_table():
    flags = _long(ACTIVE, REFERENCE)
    extra = pd.DataFrame(  # a third arm (ignored) and a patient without p (left out)
        {"subject": ["s0", "s9"], "treatment": ["m", "k"], "adverse_event": [1, 1]}
    )
    rd = paired_from_flags(pd.concat([flags, extra]).sample(frac=1, random_state=3), "k", "p")
    assert rd == paired_risk_difference(ACTIVE, REFERENCE, active="k", reference="p")


@pytest.mark.parametrize(
    ("active", "reference", "why"),
    [
        ([1, 0, 0], [1, 0, 0], "no discordant pair (b = c = 0)"),
        ([1, 1, 1], [0, 0, 0], "every pair discordant in the same direction"),
        ([], [], "no patient has both periods"),
    ],
)
def test_no_standard_error_of_zero(active, reference, why):
    rd = paired_risk_difference(active, reference)
    assert why in rd.reason and math.isnan(rd.estimate) and math.isnan(rd.se)


def test_refusals():
    replicated = pd.concat([_long(ACTIVE, REFERENCE), _long([1], [0])])
    refused = paired_from_flags(replicated, "k", "p")
    assert "more than one period on k" in refused.reason and "n = " not in refused.approx
    assert "no recorded flags on k and q" in paired_from_flags(_long([1], [0]), "k", "q").reason
    with pytest.raises(ValueError, match="0 or 1"):
        paired_risk_difference([2], [0])
    with pytest.raises(ValueError, match="one length"):
        paired_risk_difference([1, 0], [0])


def test_flags_come_from_constant_data_or_the_trial_alike(synthetic_trial):
    from_trial = fake_fit(synthetic_trial, fake_ae_tree(), spec="adverse_events")
    from_data = fake_fit(synthetic_trial, fake_ae_tree(), spec="adverse_events")
    attach_data_groups(from_data.datatree, from_data.model)
    assert "constant_data" not in from_trial.datatree.children
    reopened = FitResult(from_trial.datatree, from_trial.record)  # no data groups, no trial
    assert ae_flags(reopened) is None
    for active in ("ketamine", "ketamine_magnesium"):
        a = paired_from_flags(ae_flags(from_trial), active, "placebo")
        b = paired_from_flags(ae_flags(from_data), active, "placebo")
        assert a.n_pairs == synthetic_trial.n_subjects and a.reason is None
        assert (a.estimate, a.se, a.both) == (b.estimate, b.se, b.both)


def test_meta_rows_and_the_meta_analysis_use_them(synthetic_trial, tmp_path):
    harm = fake_fit(synthetic_trial, fake_ae_tree(), spec="adverse_events")
    draws = adverse_event_draws(harm)
    flags = ae_flags(harm)
    rows = validate_table(adverse_event_meta_rows(draws, flags=flags), "meta_summary")
    row = rows.set_index("active").loc["ketamine"]
    want = paired_from_flags(flags, "ketamine", "placebo")
    assert (row["lik_estimate"], row["lik_se"]) == (want.estimate, want.se)
    path = tmp_path / "trial" / "meta_summary.csv"
    path.parent.mkdir()
    rows.to_csv(path, index=False)
    used = read_meta_inputs([path], estimand="ae_risk_difference", active="ketamine")
    assert used.table.loc[0, "basis"] == "likelihood-only"
    assert used.table.loc[0, "estimate"] == pytest.approx(want.estimate)

    # without the flags: empty lik columns, the reason given, and meta names it when it falls
    # back to the posterior summary
    bare = validate_table(adverse_event_meta_rows(draws), "meta_summary")
    assert bare["lik_estimate"].isna().all() and bare["lik_reason"].str.contains("flags").all()
    bare.to_csv(path, index=False)
    fallback = read_meta_inputs([path], estimand="ae_risk_difference", active="ketamine")
    assert fallback.table.loc[0, "basis"] == "estimate"
    assert any(
        "likelihood-only columns empty: the adverse-event flags" in n for n in fallback.notes
    )


def test_withheld_estimates_keep_their_counts_in_the_reason(synthetic_trial):
    harm = fake_fit(synthetic_trial, fake_ae_tree(), spec="adverse_events")
    flags = ae_flags(harm).assign(adverse_event=0)  # no adverse event anywhere
    rows = validate_table(
        adverse_event_meta_rows(adverse_event_draws(harm), flags=flags), "meta_summary"
    )
    assert rows["lik_se"].isna().all()
    reason = rows.set_index("active").loc["ketamine", "lik_reason"]
    n = synthetic_trial.n_subjects  # every patient has all three periods recorded
    assert reason.startswith("no discordant pair") and f"n = {n} pairs" in reason
