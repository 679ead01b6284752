"""The report's data section says how readings went missing (fake posteriors, no sampling).

Missing readings by day and arm (a figure and a compact table), the completion-trend test (a
warning naming the spec that estimates the all-days mean honestly when completion falls over
the period; a plain line on the embedded trial, whose completion does not trend) and each
fitted spec's declared missing-data handling.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from fake_fits import fake_fit

import bayes_keta as bk
from bayes_keta.fitting import FitResult
from bayes_keta.report import collect, render_html
from bayes_keta.report.blocks import Details, Figure, Table, Text
from bayes_keta.report.missing import MissingReadings, collect_missing
from bayes_keta.report.sections.data import data_section


def _collect(trial, fits):
    return collect(trial, fits, main=next(iter(fits)), command="pytest", adverse_events=False)


def _blocks(section) -> list:
    out = []
    for block in section.blocks:
        out += list(block.blocks) if isinstance(block, Details) else [block]
    return out


def _handling_rows(section) -> dict[str, dict[str, str]]:
    table = next(b for b in _blocks(section) if isinstance(b, Table) and "handles" in b.caption)
    return {row[0]: dict(zip(table.columns, row, strict=True)) for row in table.rows}


@pytest.fixture(scope="module")
def falling() -> bk.Trial:
    """SYNTHETIC: completion falls from 100% on day 1 to about 45% on day 14, in every arm."""
    frame = bk.simulate_trial(n_subjects=12, n_days=14, seed=3, missing_rate=0.0)
    rng = np.random.default_rng(8)
    dropped = rng.random(len(frame)) < 0.04 * (frame["day"] - 1)
    return bk.load_trial(frame.loc[~dropped].reset_index(drop=True))


def test_falling_completion_is_a_warning_naming_the_honest_spec(falling):
    assert bk.design_summary(falling).completion.trend  # the data really trend
    fits = {
        "daily": fake_fit(falling),
        "daily_decay": fake_fit(falling, spec="daily_decay", slope=-0.02, seed=2),
    }
    data = _collect(falling, fits)
    assert isinstance(data.extras["data"], MissingReadings)  # the registered collector ran
    section = data_section(data)
    blocks = _blocks(section)
    warning = next(b for b in blocks if isinstance(b, Text) and b.kind == "warning")
    assert warning.body.startswith("WARNING: completion depends on the day")
    assert "Of the fitted specs, 'daily_decay'" in warning.body
    figure = next(b for b in blocks if isinstance(b, Figure) and "observed by day" in b.alt)
    lines = {line.get_label(): line.get_ydata() for line in figure.figure.axes[0].get_lines()}
    assert set(lines) == set(falling.treatments)
    assert all(y[0] == 100.0 and y[-1] < 70.0 for y in lines.values())
    compact = next(b for b in blocks if isinstance(b, Table) and "by day and arm" in b.caption)
    assert compact.columns == ("day", *falling.treatments, "all arms")
    assert len(compact.rows) == falling.n_days
    rows = _handling_rows(section)
    assert rows["daily"]["effect over days"] == "constant"
    assert rows["daily"]["all-days mean if completion trends"].startswith("leans")
    assert rows["daily_decay"]["effect over days"] == "by day"
    assert rows["daily_decay"]["all-days mean if completion trends"].startswith("honest")
    html = render_html(bk.report.assemble(data))
    assert "WARNING: completion depends on the day" in html


def test_without_an_honest_fitted_spec_the_warning_names_one_to_fit(falling):
    data = _collect(falling, {"daily": fake_fit(falling)})
    warning = next(
        b for b in _blocks(data_section(data)) if isinstance(b, Text) and b.kind == "warning"
    )
    assert "None of the fitted specs" in warning.body and "fit 'daily_decay'" in warning.body


def test_embedded_trial_completion_does_not_trend_and_no_warning():
    trial = bk.ketapain_synthetic()
    data = _collect(trial, {"daily": fake_fit(trial)})
    blocks = _blocks(data_section(data))
    assert not [b for b in blocks if isinstance(b, Text) and b.kind == "warning"]
    line = next(b for b in blocks if isinstance(b, Text) and "Cochran-Armitage" in b.body)
    assert "completion shows no trend over the days" in line.body
    assert any(isinstance(b, Figure) and "observed by day" in b.alt for b in blocks)
    rows = _handling_rows(data_section(data))
    assert rows["daily"]["counts"] == "64 of 2100 readings missing"  # the builder's counts


def test_each_specs_declared_handling_from_its_record_or_its_builder():
    trial = bk.ketapain_synthetic()
    auc = fake_fit(trial, spec="auc")
    declared = bk.models.builder_for(auc.spec).missing_data(trial, auc.spec)
    recorded = dataclasses.replace(auc.record, missing_data={**declared, "n_readings_filled": 7})
    fits = {"auc": auc, "auc_recorded": FitResult(auc.datatree, recorded, trial)}
    results = {name: SimpleNamespace(fit=fit) for name, fit in fits.items()}
    found = collect_missing(SimpleNamespace(trial=trial, results=results))
    by_name = {s.spec: s for s in found.specs}
    assert by_name["auc"].handling == "auc_cell_mean" and not by_name["auc"].honest
    assert by_name["auc"].declared_by == "builder"
    assert by_name["auc"].counts.startswith(f"{declared['n_readings_filled']} readings filled")
    assert by_name["auc_recorded"].declared_by == "fit record"
    assert by_name["auc_recorded"].counts.startswith("7 readings filled")
    assert found.alternatives == ("daily_decay",)  # no fitted spec has an effect by day
