"""The report's sections on fake posteriors (no sampling): page 1 is the answer, sections come
from the registry and compute nothing, labels follow the declared outcome, constant-effect models
do not repeat by-day rows, trial-specific and conditional sections, checklists."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fake_fits import fake_fit, fake_tree

import bayes_keta as bk
from bayes_keta.outcome import Outcome
from bayes_keta.report import SECTION_IDS, SECTIONS, assemble, collect, render_html
from bayes_keta.report.blocks import Details, Figure, Table
from bayes_keta.report.sections import checklists


def collect_without_harms(*args, **kwargs):
    """collect() on fake fits: the adverse-event model would sample (its own tests do)."""
    return collect(*args, adverse_events=False, **kwargs)


MMHG = Outcome(
    scale_name="sbp",
    label="Systolic blood pressure",
    noun="systolic blood pressure",
    units="mmHg",
    lower=50.0,
    upper=250.0,
    thresholds=(2.0, 5.0, 10.0),
    rope=2.0,
    auc_units=None,
    reading="reading",
    sources=("declared in the design file",),
    preset=None,
)


@pytest.fixture(scope="module")
def trial():
    return bk.ketapain_synthetic()


def _fits(trial, *, carryover: bool = False):
    decay = fake_fit(trial, spec="daily_decay", slope=-0.02, seed=2)
    tree = fake_tree(n_days=trial.n_days, effects={"ketamine": -1.0, "ketamine_magnesium": -0.4})
    if carryover:
        draws = np.random.default_rng(3).normal(0.1, 0.2, (4, 500, 2))
        posterior = tree["posterior"].to_dataset()
        posterior["carryover_effect"] = (("chain", "draw", "active"), draws)
        tree["posterior"] = posterior
    return {"daily": fake_fit(trial, tree), "daily_decay": decay}


@pytest.fixture(scope="module")
def data(trial):
    return collect_without_harms(trial, _fits(trial), main="daily", command="pytest")


@pytest.fixture(scope="module")
def report(data):
    """The assembled report (figures drawn, not yet encoded)."""
    return assemble(data)


@pytest.fixture(scope="module")
def html(report):
    return render_html(report)


def _sections(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)">', html)


def test_page_one_is_the_answer(html):
    body = html[html.index("<body>") :]
    start = body.index('<section id="summary">')
    figure = body.index("<figure>", start)
    # nothing preformatted and no table before the headline figure
    assert "<pre" not in body[:figure] and "<table" not in body[:figure]
    # the first section is the answer, then the contents, then the details
    assert _sections(html)[0] == "summary"
    assert body.index("<nav>") > body.index("</section>", start)
    answer = body[start : body.index("</section>", start)]
    assert answer.count("<figure>") == 1 and answer.count("<table") == 1
    assert "The probability that ketamine reduces mean daily pain at all is" in answer
    assert "favours" not in answer  # the favoured side is drawn in the figure, not the text
    assert 'data-gate="passed"' in body[:start]


def test_every_figure_has_alt_text_and_the_file_is_self_contained(html):
    imgs = re.findall(r"<img\b[^>]*>", html)
    assert len(imgs) >= 6
    for img in imgs:
        alt = re.search(r'alt="([^"]*)"', img)
        assert alt and len(alt.group(1)) > 10, img[:120]
        assert 'src="data:image/png;base64,iVBORw0KGgo' in img
    assert "<script" not in html.lower()
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_sections_follow_the_registry_and_say_what_they_show(report, html):
    assert len(SECTION_IDS) == len(set(SECTION_IDS))
    order = [s for s in _sections(html) if s in SECTION_IDS]
    assert order == sorted(order, key=SECTION_IDS.index)  # registry order
    for section in report.sections:
        assert section.lead.strip(), f"section {section.id} has no first sentence"
    # details in the order of the issue: over time, sensitivity, comparison, checks, definitions
    wanted = ["answers", "sensitivity", "loo", "ppc", "diagnostics", "model", "provenance"]
    found = _sections(html)
    assert [found.index(s) for s in wanted] == sorted(found.index(s) for s in wanted)


def test_sections_compute_nothing(data, monkeypatch):
    """Building every section from collected data calls no estimand or analysis function."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a section computed")

    import bayes_keta.data.design as design
    import bayes_keta.estimands.contrasts as contrasts
    import bayes_keta.estimands.tables as tables
    import bayes_keta.published as published
    import bayes_keta.report.sensitivity as sensitivity

    for module, name in [
        (tables, "contrast_table"),
        (tables, "threshold_curve"),
        (contrasts, "by_day"),
        (contrasts, "contrast_draws"),
        (design, "design_summary"),
        (published, "reanalyse_published"),
        (sensitivity, "power_scaling"),
    ]:
        monkeypatch.setattr(module, name, forbidden)
    report = assemble(data)
    assert report.sections[0].id == "summary"


def test_constant_effect_model_does_not_repeat_by_day_rows(data):
    from bayes_keta.report.sections.answers import answers_section

    answers = answers_section(data)
    text = " ".join(b.body for b in answers.blocks if hasattr(b, "body"))
    assert text.count("cannot estimate week-1") == 1  # said once
    tables = [b for b in answers.blocks if isinstance(b, Table)] + [
        t for b in answers.blocks if isinstance(b, Details) for t in b.blocks
    ]
    main_table = next(t for t in tables if t.caption.startswith("'daily':"))
    estimands = {row[1] for row in main_table.rows}
    assert "week_1" not in estimands and "day_7" not in estimands
    assert "mean_daily_difference" in estimands
    # the time-varying model's window rows are there, from that model
    decay = next(t for t in tables if t.caption.startswith("'daily_decay':"))
    assert "week_1" in {row[1] for row in decay.rows}


def test_labels_follow_the_declared_outcome(trial):
    mine = dataclasses.replace(trial, outcome=MMHG, flagship=False, name="bp_trial")
    data = collect_without_harms(mine, _fits(mine), main="daily", command="pytest")
    html = render_html(assemble(data))
    assert "mmHg" in html and "systolic blood pressure" in html
    html = re.sub(r'src="data:[^"]*"', "", html)  # images: base64 can spell anything
    start = html.index('<section id="provenance">')  # quotes the spec file as read
    ours = html[:start] + html[html.index("</section>", start) :]
    for word in ("NRS", "pain score-days", " points", "0-10"):
        assert word not in ours, word
    assert 'id="published"' not in html  # not the KETAPAIN trial


def test_published_only_for_the_flagship_or_when_asked(trial, data, html):
    from bayes_keta.report.sections.published import published_section

    assert 'id="published"' in html  # the embedded KETAPAIN-like trial
    other = dataclasses.replace(trial, flagship=False, name="other")
    fits = _fits(other)
    not_asked = collect_without_harms(other, fits, main="daily")
    assert not_asked.published is None and published_section(not_asked) is None
    asked = collect_without_harms(other, fits, main="daily", published=True)
    assert asked.published is not None and published_section(asked).id == "published"


def test_carryover_section_and_check(trial):
    from bayes_keta.report.sections.carryover import carryover_section

    data = collect_without_harms(trial, _fits(trial, carryover=True), main="daily")
    table = next(b for b in carryover_section(data).blocks if isinstance(b, Table))
    assert {row[1] for row in table.rows} == {"ketamine", "ketamine_magnesium"}
    assert "points" in {row[-1] for row in table.rows}
    # no variant fitted: the comparison says so in one sentence
    assert "No carryover variant" in data.carryover_check.status
    raw = bk.simulate_trial(n_subjects=6, n_days=5, treatments=("A", "B"), seed=1)
    two = bk.load_trial(raw, treatments=["A", "B"], reference="A")
    fits = {"daily": fake_fit(two, treatments=("A", "B"), effects={"B": -1.0})}
    check = collect_without_harms(two, fits, main="daily").carryover_check
    assert check.status.startswith("The design has 2 periods") and check.comparison is None


def test_checklists_say_where_or_the_author(data):
    section = checklists.checklist_section(data)
    tables = [t for b in section.blocks for t in (b.blocks if isinstance(b, Details) else [b])]
    tables = [t for t in tables if isinstance(t, Table)]
    captions = " ".join(t.caption for t in tables)
    assert "Dwan" in captions and "Kruschke" in captions and "Vohra" not in captions
    consort = next(t for t in tables if "Dwan" in t.caption)
    where = {row[0]: row[2] for row in consort.rows}
    assert "per sequence and period" in where["13a"]
    assert where["8a-10"] == checklists.AUTHOR
    replicated = checklists.checklist_section(dataclasses.replace(data, replicated=True))
    found = [t for b in replicated.blocks for t in getattr(b, "blocks", [b])]
    assert any(isinstance(t, Table) and "Vohra" in t.caption for t in found)


def test_adding_a_section_is_one_registry_entry(data, monkeypatch):
    from bayes_keta.report.sections import registry
    from bayes_keta.report.sections.common import section

    def extra(report_data):
        return section("extra", "Extra", [], lead=str(report_data.extras["extra"]))

    entry = registry.SectionEntry("extra", extra, collect=lambda d: f"{len(d.results)} fits")
    assert len(SECTIONS) > 10
    monkeypatch.setattr(registry, "SECTIONS", (entry,))  # only the new one: nothing to draw
    fresh = collect_without_harms(
        data.trial, {n: r.fit for n, r in data.results.items()}, main="daily"
    )
    (only,) = assemble(fresh).sections
    assert only.id == "extra" and only.lead == "2 fits"


def test_figures_are_encoded_only_at_the_edge(data):
    from bayes_keta.report.render import encode_figures
    from bayes_keta.report.sections.summary import summary_section

    section = summary_section(data)
    (figure,) = [b for b in section.blocks if isinstance(b, Figure)]
    assert figure.uri is None and figure.figure is not None  # a matplotlib figure, not bytes
    assert figure.figure.axes[0].get_title().startswith("How large is the difference")
    (encoded,) = [
        b for b in encode_figures(_one(section)).sections[0].blocks if isinstance(b, Figure)
    ]
    assert encoded.figure is None and encoded.uri.startswith("data:image/png;base64,")


def _one(section):
    from bayes_keta.report.blocks import Report

    return Report("t", "s", (), (section,), True, False)


def test_observed_means_and_flow_tables(data, trial):
    assert set(data.observed["treatment"]) == set(trial.treatments)
    flow = data.flow
    assert flow.groupby("sequence")["allocated"].first().sum() == trial.n_subjects
    assert (flow["analysed"] <= flow["present"]).all()
    assert isinstance(data.flow, pd.DataFrame) and isinstance(data.observed, pd.DataFrame)
    assert isinstance(data.main_result.draws, xr.Dataset)
