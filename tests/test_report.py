"""The posterior report: sections, self-containment, the red gate banner, overwrite refusal,
--strict, the latest link, the carryover check, --assurance. One shared set of small real fits
(2 chains x 200 draws). The sections themselves are tested on fake posteriors in
test_report_sections.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.exceptions import ConvergenceError, OutputError
from bayes_keta.report import (
    SECTION_IDS,
    GateThresholds,
    build_report,
    prepare_out_dir,
)
from bayes_keta.report.blocks import Report, Section, Table, Text, format_frame
from bayes_keta.report.render import render_html, render_markdown

SPECS = ("daily", "auc")  # both outcome kinds: daily scores and one AUC per subject-period
LENIENT = GateThresholds(rhat_max=1.2, ess_min=20, bfmi_min=0.1)
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


@pytest.fixture(scope="module")
def fits():
    from bayes_keta.fitting import fit

    trial = bk.ketapain_synthetic()
    return trial, {
        s: fit(trial, s, draws=200, tune=200, chains=2, seed=11, prior_draws=0) for s in SPECS
    }


@pytest.fixture(scope="module")
def passed_report(fits, tmp_path_factory):
    trial, fitted = fits
    out = tmp_path_factory.mktemp("rep") / "passed"
    return build_report(trial, fits=fitted, out_dir=out, gate=LENIENT, command="pytest")


# ------------------------------------------------------------------------ fast (no fitting)
def test_format_frame_and_escaping():
    frame = format_frame(pd.DataFrame({"x": [1.5, float("nan")], "n": [1, 2]}))
    assert frame.values.tolist() == [["1.5", "1"], ["n/a", "2"]]
    report = Report(
        "T <x>", "s", (), (Section("summary", "Summary", (Text("<script>"),)),), True, False
    )
    html = render_html(report)
    assert "<script>" not in html and "&lt;script&gt;" in html
    table = Table(("a|b",), (("1|2",),), caption="c")
    md = render_markdown(Report("T", "s", (), (Section("x", "X", (table,)),), True, False))
    assert "a\\|b" in md


def test_prepare_out_dir_refuses_non_empty(tmp_path):
    (tmp_path / "report.html").write_text("old")
    with pytest.raises(OutputError, match="--force"):
        prepare_out_dir(tmp_path, data_name="x")
    out, messages, default = prepare_out_dir(tmp_path, data_name="x", force=True)
    assert out == tmp_path and "overwriting" in messages[0] and not default
    out, _, default = prepare_out_dir(None, data_name="d", root=tmp_path / "reports")
    assert default and out.parent == tmp_path / "reports" and out.name.startswith("d-")


def test_cli_refuses_existing_report_dir_before_sampling(tmp_path, capsys):
    old = tmp_path / "report.html"
    old.write_text("previous report")
    code = main(["report", "--model", "daily", "--out", str(tmp_path), "--draws", "10"])
    assert code == OutputError.exit_code == 6
    assert old.read_text() == "previous report"
    assert "refusing to overwrite" in capsys.readouterr().err


def test_a_sweep_folder_is_read_once_into_the_report(tmp_path, monkeypatch):
    from fake_fits import fake_fit

    from bayes_keta.report import assemble, collect

    def collect_without_harms(*args, **kwargs):  # fake fits: no adverse-event sampling
        return collect(*args, adverse_events=False, **kwargs)

    from bayes_keta.report.blocks import Figure, Table

    trial = bk.ketapain_synthetic()
    table = fake_fit(trial).contrasts().assign(setting="skeptical", passed=True)
    table.to_csv(tmp_path / "sweep.csv", index=False)
    data = collect_without_harms(
        trial, {"daily": fake_fit(trial)}, main="daily", sweep_dir=tmp_path
    )
    (tmp_path / "sweep.csv").unlink()  # read once, in collect: the sections need no file
    section = next(s for s in assemble(data).sections if s.id == "sensitivity-sweep")
    blocks = [b for b in section.blocks if isinstance(b, Figure | Table)]
    blocks += [t for b in section.blocks for t in getattr(b, "blocks", ())]
    assert any(isinstance(b, Table) and "skeptical" in b.rows[0] for b in blocks)
    assert sum(isinstance(b, Figure) for b in blocks) == 1
    with pytest.raises(OutputError, match="sweep.csv"):
        collect_without_harms(
            trial, {"daily": fake_fit(trial)}, main="daily", sweep_dir=tmp_path / "nowhere"
        )


# ------------------------------------------------------------------------- with real fits
def _check_self_contained(html: str) -> None:
    imgs = IMG.findall(html)
    assert imgs, "no figures"
    bad = [i[:80] for i in imgs if 'src="data:image/png;base64,' not in i]
    assert not bad, bad
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "<script" not in html.lower()


@pytest.mark.slow
def test_report_sections_and_self_contained(passed_report):
    html = passed_report.html.read_text()
    md = passed_report.markdown.read_text()
    present = [sid for sid in SECTION_IDS if f'<section id="{sid}">' in html]
    absent = {"carryover", "assurance", "heterogeneity"}  # not asked, none, no individual effects
    assert set(SECTION_IDS) - set(present) == absent
    for title in ("The answer", "Clinical answers over time", "Model comparison"):
        assert f">{title}</h2>" in html and f"## {title}" in md, title
    for spec in SPECS:
        assert f'<section id="model-{spec}">' in html
        assert (passed_report.fits[spec] / "posterior.nc").is_file()
        assert (passed_report.fits[spec] / "summary.json").is_file()
    _check_self_contained(html)
    assert "](data:image/png;base64," in md
    assert passed_report.html.stat().st_size < 5_000_000
    assert "SYNTHETIC DATA" in html and "SYNTHETIC DATA" in md
    assert 'data-gate="failed"' not in html
    summary = json.loads(passed_report.summary.read_text())
    assert summary["diagnostics"]["passed"] is True
    assert summary["model"]["name"] == "daily" and summary["data"]["synthetic"] is True
    assert plt.get_fignums() == []  # every figure closed
    # the AUC spec is left out of the LOO comparison, with the reason
    assert "&#39;auc&#39; is left out of the comparison" in html


@pytest.mark.slow
def test_cli_strict_failed_gate_red_banner_and_latest_link(fits, tmp_path, monkeypatch, capsys):
    """The CLI end to end with the fits injected (no sampling): a gate forced to fail
    (--ess-min 100000) is red at the top and in every summary.json; --strict exits 5 after
    writing; the default directory and the reports/latest link."""
    trial, fitted = fits
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        "bayes_keta.report.build.fit_specs",
        lambda *a, **k: (dict(fitted), {s: 1.0 for s in SPECS}),
    )
    code = main(["report", "--ess-min", "100000", "--strict"])
    captured = capsys.readouterr()
    assert code == ConvergenceError.exit_code == 5
    assert "DIAGNOSTICS FAILED" in captured.err and "--strict" in captured.err
    latest = Path("reports/latest")
    assert latest.is_symlink() and "updated reports/latest" in captured.out
    html = (latest / "report.html").read_text()
    md = (latest / "report.md").read_text()
    first_section = html.index('<section id="summary">')
    assert html.index('data-gate="failed"') < first_section
    assert "banner-danger" in html[:first_section] and "DIAGNOSTICS FAILED" in html[:first_section]
    assert "**[RED]** **DIAGNOSTICS FAILED" in md
    _check_self_contained(html)
    assert json.loads((latest / "summary.json").read_text())["diagnostics"]["passed"] is False
    for spec in SPECS:
        record = json.loads((latest / "fits" / spec / "summary.json").read_text())
        assert record["diagnostics"]["passed"] is False
        assert record["diagnostics"]["thresholds"]["ess_min"] == 100_000
    # a second run into the same directory is refused, the report untouched
    assert main(["report", "--out", str(latest.resolve())]) == 6
    assert (latest / "report.html").read_text() == html


def test_section_ids_are_unique():
    assert len(set(SECTION_IDS)) == len(SECTION_IDS)


@pytest.mark.slow
def test_carryover_check_and_assurance_with_real_fits(tmp_path):
    """The report fits the main spec with carryover itself and compares the two by PSIS-LOO;
    --assurance adds the assurance section of the main fit."""
    trial = bk.ketapain_synthetic()
    outcome = build_report(
        trial,
        ["daily"],
        out_dir=tmp_path / "r",
        draws=200,
        tune=200,
        chains=2,
        seed=5,
        gate=LENIENT,
        assurance=[12, 24],
        command="pytest",
    )
    assert set(outcome.fits) == {"daily", "daily_carryover", "adverse_events"}
    data = outcome.data
    assert data.results["daily_carryover"].role == "carryover check"
    check = data.carryover_check
    assert (check.without, check.with_carryover) == ("daily", "daily_carryover")
    assert check.comparison is not None and set(check.comparison.table.index) == {
        "daily",
        "daily_carryover",
    }
    html = outcome.html.read_text()
    assert '<section id="carryover">' in html and '<section id="assurance">' in html
    assert data.assurance is not None and set(data.assurance.table["n"]) == {12, 24}


def test_cli_passes_the_report_options(monkeypatch, tmp_path):
    seen: list[dict] = []

    def fake_build(trial, specs, **options):
        seen.append(options)
        raise OutputError("stopped by the test")

    monkeypatch.setattr("bayes_keta.report.build.build_report", fake_build)
    args = ["report", "--out", str(tmp_path / "r")]
    extra = ["--published", "--assurance", "12,24", "--no-carryover-check"]
    assert main([*args, *extra]) == OutputError.exit_code
    assert main(args) == OutputError.exit_code
    asked, default = seen
    assert (asked["published"], asked["assurance"], asked["carryover_check"]) == (
        True,
        (12, 24),
        False,
    )
    assert (default["published"], default["assurance"], default["carryover_check"]) == (
        None,
        None,
        None,
    )
