"""Notebook ergonomics: FitResult repr and HTML card, the summary objects' cards, and the
DiagnosticsWarning of a failed gate (fake posteriors, no sampling)."""

from __future__ import annotations

import html
import warnings
from types import SimpleNamespace

import pandas as pd
import pytest
from fake_fits import fake_fit

import bayes_keta as bk
from bayes_keta.cards import html_card
from bayes_keta.exceptions import DiagnosticsWarning


@pytest.fixture(scope="module")
def trial():
    return bk.ketapain_synthetic()


@pytest.fixture(scope="module")
def good(trial):
    return fake_fit(trial)


@pytest.fixture(scope="module")
def stuck(trial):
    return fake_fit(trial, stuck=True)


def test_repr_names_spec_data_draws_and_verdict(good, stuck):
    text = repr(good)
    assert "'daily'" in text and "SYNTHETIC 'ketapain_synthetic'" in text
    assert "4 chains x 500 draws" in text and "diagnostics passed" in text
    assert "diagnostics FAILED (" in repr(stuck) and "R-hat" in repr(stuck)


def test_fit_card_shows_verdict_and_headline(good, stuck):
    card = html.unescape(good._repr_html_())
    assert "diagnostics passed" in card and "ketamine - placebo" in card
    assert "P(benefit)" in card and "SYNTHETIC DATA" in card
    assert "<script" not in card.lower()
    failed = stuck._repr_html_()
    assert "diagnostics FAILED:" in failed and "#c00" in failed


def test_contrasts_warn_only_when_the_gate_failed(good, stuck):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagnosticsWarning)
        good.contrasts()
        good.contrast_summary()
    with pytest.warns(DiagnosticsWarning, match="DIAGNOSTICS FAILED"):
        stuck.contrasts()
    with pytest.warns(DiagnosticsWarning):
        summary = stuck.contrast_summary()
    assert summary.text.startswith("DIAGNOSTICS FAILED")
    assert "DIAGNOSTICS FAILED" in summary._repr_html_()
    assert issubclass(DiagnosticsWarning, UserWarning)


def test_flat_p_beyond_columns(good):
    table = good.contrasts()
    assert {"p_beyond_0.5", "p_beyond_1", "p_beyond_2"} <= set(table.columns)
    assert table["p_beyond_1"].dtype.kind == "f"  # filterable and sortable


def test_summary_object_cards(trial, good):
    design = html.unescape(bk.design_summary(trial)._repr_html_())
    assert "Design of SYNTHETIC data" in design and "placebo" in design
    published = bk.reanalyse_published()._repr_html_()
    assert "vague" in published
    from bayes_keta.sweep.output import (
        DIAGNOSTIC_COLUMNS,
        PRIOR_COLUMNS,
        summarize_point,
        sweep_dataset,
        sweep_table,
    )

    rows = summarize_point(good.datatree["posterior"].to_dataset(), reference="placebo")
    point = {
        "setting": "default",
        "prior": dict.fromkeys(PRIOR_COLUMNS, "x") | {"hyper_scale": 1.0},
        "diagnostics": dict.fromkeys(DIAGNOSTIC_COLUMNS, 0) | {"passed": True},
        "rows": rows,
        "seed": 1,
    }
    table = sweep_table([point])
    sweep = bk.SweepResult(
        table=table, dataset=sweep_dataset(table), text="", provenance={"spec_name": "daily"}
    )
    card = html.unescape(sweep._repr_html_())
    assert "Prior sweep of 'daily'" in card and "diagnostics passed" in card
    meta = bk.MetaAnalysisResult(
        table=pd.DataFrame(
            {
                "quantity": ["pooled"],
                "trial": [""],
                "mean": [-0.3],
                "lo95": [-0.6],
                "hi95": [0.0],
                "p_benefit": [0.97],
            }
        ),
        datatree=None,
        inputs=SimpleNamespace(k=2, scale="smd"),
        diagnostics=pd.DataFrame(),
        passed=False,
        settings={"model": "random effects"},
    )
    assert "diagnostics FAILED" in meta._repr_html_()


def test_card_escapes_and_truncates():
    card = html_card("<x>", table=pd.DataFrame({"a": range(20)}), max_rows=5)
    assert "&lt;x&gt;" in card and "15 more row(s)" in card
