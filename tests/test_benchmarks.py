"""The benchmark script's own pieces (no sampling): the README's targets, brms's Boost headers,
the CLI start-up row. The benchmarks themselves run with ``make bench``, never in tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import benchmarks_report  # noqa: E402
import peers  # noqa: E402
import run  # noqa: E402
import sweep_cli  # noqa: E402

INFO = {
    "cores": 2,
    "cpu": "test",
    "python": "3",
    "platform": "test",
    "versions": {"bayes_keta": "0"},
    "load_before": [1.0],
    "load_after": [1.0],
    "wall_s": 60.0,
    "partial_runs": [
        {"only": ["peers", "sweep", "cli"], "load_before": [3.5], "load_after": [4.0],
         "wall_s": 600.0, "cores": 2, "note": "other helpers were running"}
    ],
}  # fmt: skip


def _rows(**ess_per_s: float) -> pd.DataFrame:
    blank = dict.fromkeys(run.COLUMNS)
    rows = [
        {**blank, "scenario": "peers", "sampler": name, "ess_per_s": value, "notes": ""}
        for name, value in ess_per_s.items()
    ]
    rows += [
        {**blank, "scenario": "sweep", "sampler": "one cold fit (bk.fit)", "total_s": 10.0},
        {**blank, "scenario": "sweep", "sampler": "prior_sweep (PSIS, refits where needed)",
         "total_s": 12.0, "max_abs_diff": 0.021},
        {**blank, "scenario": "sweep", "sampler": "prior_sweep --refit-all", "total_s": 25.0},
        {**blank, "scenario": "cli", "sampler": "bayes-keta --help", "total_s": 0.08},
        {**blank, "scenario": "cli", "sampler": "bayes-keta validate", "total_s": 1.2},
        {**blank, "scenario": "first_run",
         "sampler": "bayes-keta fit --model models/daily.toml (first run)", "total_s": 31.0},
        {**blank, "scenario": "first_run",
         "sampler": "bayes-keta fit --model models/daily.toml (warm caches)", "total_s": 11.0},
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=run.COLUMNS)


def test_issue_19_targets_are_computed_from_the_rows():
    table = _rows(**{"nutpie": 3000.0, "bambi 0.21": 30.0, "brms 2.18": 400.0})
    lines = "\n".join(benchmarks_report._targets_19(table))
    assert "12.0 s vs 10.0 s: **1.20x** (every setting by NUTS: 2.50x) | yes" in lines
    assert "largest difference 0.021 | yes" in lines
    assert "3000 vs 30.0 ESS/s: **100.0x** | yes" in lines
    assert "3000 vs 400.0 ESS/s: **7.5x** | **no**" in lines  # under the 10x target
    assert "`bayes-keta --help` < 1 s | 0.08 s (median) | yes" in lines
    assert "`bayes-keta validate` < 1 s | 1.20 s (median) | **no**" in lines
    first = "`bayes-keta fit --model models/daily.toml`, a machine's first run, compile caches"
    assert f"{first} empty, <= 30 s | 31.0 s | **no**" in lines
    assert "warm caches, fresh process (median), <= 12 s | 11.0 s | yes" in lines


def test_a_skipped_peer_says_why_and_the_readme_records_the_partial_runs(tmp_path):
    table = _rows(nutpie=3000.0, bambi=float("nan"))
    table.loc[table["sampler"] == "bambi", "notes"] = "skipped: bambi is not installed"
    assert "skipped: bambi is not installed | - |" in "\n".join(
        benchmarks_report._targets_19(table)
    )
    benchmarks_report.write_readme(table, INFO, tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text()
    assert "later partial run `--only peers sweep cli` (10.0 min): load average before /" in text
    assert "other helpers were running" in text


def test_boost_headers_are_linked_where_bh_says_they_are(tmp_path, monkeypatch):
    bh = tmp_path / "site-library" / "BH"
    bh.mkdir(parents=True)
    system = tmp_path / "include"
    (system / "boost").mkdir(parents=True)
    monkeypatch.setattr(peers, "SYSTEM_INCLUDE", system)
    monkeypatch.setattr(
        peers, "_r", lambda rscript, code: subprocess.CompletedProcess([], 0, str(bh), "")
    )
    assert peers.ensure_bh_headers("Rscript") is None
    assert (bh / "include").resolve() == system.resolve()
    assert peers.ensure_bh_headers("Rscript") is None  # already there: nothing to do
    other = tmp_path / "other" / "BH"
    (other / "include").mkdir(parents=True)  # a folder of something else: left alone
    monkeypatch.setattr(
        peers, "_r", lambda rscript, code: subprocess.CompletedProcess([], 0, str(other), "")
    )
    message = peers.ensure_bh_headers("Rscript")
    assert message == f"{other / 'include'} exists but holds no boost/ folder"


def test_missing_bh_and_missing_boost_are_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(peers, "_r", lambda r, c: subprocess.CompletedProcess([], 0, "", ""))
    assert "BH is not installed" in peers.ensure_bh_headers("Rscript")
    bh = tmp_path / "BH"
    bh.mkdir()
    monkeypatch.setattr(peers, "_r", lambda r, c: subprocess.CompletedProcess([], 0, str(bh), ""))
    monkeypatch.setattr(peers, "SYSTEM_INCLUDE", tmp_path / "nowhere")
    assert "neither has" in peers.ensure_bh_headers("Rscript")
    assert not (bh / "include").exists()


def test_brms_is_skipped_with_a_note_without_r(monkeypatch):
    monkeypatch.setattr(peers.shutil, "which", lambda name: None)
    assert peers.brms_missing() == "R is not installed (no Rscript on PATH)"
    rows = peers.work_brms({"n_subjects": 20, "n_days": 35, "draws": 10, "tune": 10, "chains": 2})
    assert rows == [
        {"sampler": "brms", "notes": "skipped: R is not installed (no Rscript on PATH)"}
    ]


def test_cli_row_times_fresh_processes():
    rows = sweep_cli.work_cli({"repeats": 1})
    assert [r["sampler"] for r in rows] == ["bayes-keta --help", "bayes-keta validate"]
    assert all(0 < r["total_s"] < 60 for r in rows)
    assert rows[1]["notes"].endswith("validates the embedded trial")
