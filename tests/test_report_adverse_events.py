"""The report's benefit-and-harm section and its collector (fake posteriors, no sampling).

Written against the report package (``report/sections/``, ``ReportData.extras``): skipped
until that package is present.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fake_fits import fake_ae_tree, fake_fit

import bayes_keta as bk
from bayes_keta.estimands import format_probability
from bayes_keta.harms import benefit_risk

pytest.importorskip("bayes_keta.report.sections.registry")
from bayes_keta.report.blocks import Details, Figure, Table, Text  # noqa: E402
from bayes_keta.report.sections import adverse_events as section  # noqa: E402


@pytest.fixture(scope="module")
def fits(synthetic_trial):
    efficacy = fake_fit(synthetic_trial, effects={"ketamine": -1.2, "ketamine_magnesium": -0.3})
    harm = fake_fit(synthetic_trial, fake_ae_tree(), spec="adverse_events")
    return efficacy, harm


def _data(trial, efficacy, result=None, **extra):
    return SimpleNamespace(
        trial=trial,
        main="daily",
        results={"daily": SimpleNamespace(fit=efficacy)},
        extras={section.ID: result},
        **{"adverse_events": True, "harm_weights": None, **extra},
    )


def test_the_section_words_the_collected_result(synthetic_trial, fits):
    result = benefit_risk(*fits)
    built = section.adverse_events_section(_data(synthetic_trial, fits[0], result))
    assert built.id == "adverse-events" and built.title == "Benefit and harm" and built.lead
    kinds = [type(b) for b in built.blocks]
    assert kinds.count(Figure) == 2 and Details in kinds and Table in kinds
    figures = [b for b in built.blocks if isinstance(b, Figure)]
    ketamine = result.plane.set_index("active").loc["ketamine", "benefit_acceptable"]
    assert all(f.alt and format_probability(ketamine) in f.alt for f in figures)
    texts = " ".join(b.body for b in built.blocks if isinstance(b, Text))
    assert "ketamine: adverse events in" in texts and "share no parameter" in texts
    arms = next(b for b in built.blocks if isinstance(b, Table))
    placebo = result.arms.set_index("treatment").loc["placebo", "mean"]
    assert arms.rows[0][:2] == ("placebo", f"{100 * placebo:.0f}%")
    assert not any(isinstance(b, Text) and b.kind == "danger" for b in built.blocks)


def test_a_failed_adverse_event_gate_is_said_first(synthetic_trial, fits):
    stuck = fake_fit(synthetic_trial, fake_ae_tree(stuck=True), spec="adverse_events")
    built = section.adverse_events_section(
        _data(synthetic_trial, fits[0], benefit_risk(fits[0], stuck))
    )
    assert built.blocks[0].kind == "danger" and "FAILED" in built.blocks[0].body


def test_no_adverse_events_no_section(synthetic_trial, fits, fixed_trial):
    assert section.adverse_events_section(_data(synthetic_trial, fits[0])) is None
    plain = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=3, adverse_event_risks={}))
    assert section.collect_adverse_events(_data(plain, fits[0])) is None


def test_the_collector_fits_beside_the_main_spec(synthetic_trial, fits, monkeypatch):
    seen = {}

    def fake_fit_adverse_events(trial, *, like, progress=None):
        seen["like"] = like
        return fits[1]

    monkeypatch.setattr("bayes_keta.harms.collect.fit_adverse_events", fake_fit_adverse_events)
    data = _data(synthetic_trial, fits[0], harm_weights=[3.0])
    result = section.collect_adverse_events(data)
    assert seen["like"] is fits[0] and result.adverse_events_fit is fits[1]
    assert result.weights == (3.0,) and result.user_weight


def _gate_data(trial, efficacy, result):
    passed = SimpleNamespace(
        name="daily",
        passed=True,
        diagnostics=SimpleNamespace(failures=(), warnings=()),
        loo=SimpleNamespace(n_high_k=0),
        fit=efficacy,
    )
    gate = SimpleNamespace(rhat_max=1.01, ess_min=400, bfmi_min=0.3)
    return SimpleNamespace(
        trial=trial,
        results={"daily": passed},
        extras={section.ID: result},
        gate=gate,
        psense=SimpleNamespace(table=None),
        main="daily",
    )


def test_the_gate_banner_covers_the_adverse_event_model(synthetic_trial, fits):
    from bayes_keta.report.sections.banners import banners

    ok = banners(_gate_data(synthetic_trial, fits[0], benefit_risk(*fits)))
    gate = next(b for b in ok if b.role == "gate")
    assert gate.kind == "note" and "(daily, adverse_events)" in gate.title
    stuck = fake_fit(synthetic_trial, fake_ae_tree(stuck=True), spec="adverse_events")
    bad = banners(_gate_data(synthetic_trial, fits[0], benefit_risk(fits[0], stuck)))
    gate = next(b for b in bad if b.role == "gate")
    assert gate.kind == "danger" and "1 of 2 model(s): adverse_events" in gate.title
    assert gate.lines and all(line.startswith("adverse_events: ") for line in gate.lines)


def test_the_reports_gate_judges_the_adverse_event_fit_too(synthetic_trial, fits):
    """A stricter gate (as --ess-min gives the report) applies to both fits of the pair."""
    assert benefit_risk(*fits).adverse_events_passed
    strict = benefit_risk(*fits, gate={"rhat_max": 1.01, "ess_min": 1e9, "bfmi_min": 0.3})
    assert not strict.adverse_events_passed and not strict.efficacy_passed
    assert any("ESS" in f for f in strict.adverse_events_failures)
