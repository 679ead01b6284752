"""The individual-response report section and its collect step, on fixed fake fits."""

from __future__ import annotations

import types

import numpy as np

from bayes_keta.report.blocks import Figure, Report, Section, Table, Text
from bayes_keta.report.heterogeneity_collect import collect_heterogeneity
from bayes_keta.report.render import render_html, render_markdown
from bayes_keta.report.sections.heterogeneity import ID, heterogeneity_section
from tests.fake_fits import fake_fit, fake_tree
from tests.fake_hte import fake_hte_tree


def _fits(trial, *, with_common: bool = True) -> dict:
    rng = np.random.default_rng(4)
    loglik = rng.normal(-100, 0.3, (2, 400, trial.n_subjects))
    hte = fake_fit(
        trial,
        fake_hte_tree(n_subjects=trial.n_subjects, subject_loglik=loglik),
        spec="daily_hte",
    )
    fits = {"daily_hte": hte}
    if with_common:
        common = fake_tree(n_days=7, n_chains=2, n_draws=400)
        common["log_likelihood_subject"] = fake_hte_tree(
            n_subjects=trial.n_subjects, subject_loglik=loglik + 0.01
        )["log_likelihood_subject"]
        fits = {"daily": fake_fit(trial, common), **fits}
    return fits


def test_collect_finds_the_individual_effects_fit_and_its_comparator(fixed_trial) -> None:
    report = collect_heterogeneity(_fits(fixed_trial))
    assert report.name == "daily_hte" and report.common == "daily"
    assert report.comparison.told_apart is False
    alone = collect_heterogeneity(_fits(fixed_trial, with_common=False))
    assert alone.comparison is None and alone.common is None
    assert collect_heterogeneity({"daily": fake_fit(fixed_trial, fake_tree(n_days=7))}) is None


def test_section_words_tables_and_figures(fixed_trial) -> None:
    data = types.SimpleNamespace(extras={ID: collect_heterogeneity(_fits(fixed_trial))})
    section = heterogeneity_section(data)
    assert isinstance(section, Section) and section.id == ID
    kinds = [type(b) for b in section.blocks]
    assert kinds.count(Figure) == 3 and kinds.count(Table) >= 5
    first = section.blocks[0]
    assert isinstance(first, Text) and first.body.startswith("Do patients differ")
    warning = section.blocks[1]
    assert warning.kind == "warning" and "standard crossover" in warning.body
    texts = " ".join(b.body for b in section.blocks if isinstance(b, Text))
    assert "cannot tell the common-effect model 'daily'" in texts
    assert all(b.alt for b in section.blocks if isinstance(b, Figure))
    report = Report("t", "s", (), (section,), passed=True, synthetic=True)
    html, markdown = render_html(report), render_markdown(report)
    assert 'id="heterogeneity"' in html and "data:image/png;base64," in html
    assert "| ketamine | 1.00 | 1.00 to 1.00 |" in markdown  # tau is 1.0 in every draw
    assert "any benefit" in markdown and "P(benefit > 1)" in markdown
    assert heterogeneity_section(types.SimpleNamespace(extras={})) is None
