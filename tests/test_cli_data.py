"""``bayes-keta validate`` and ``bayes-keta simulate``: clear messages, exit codes, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bayes_keta as bk
from bayes_keta.cli import main

BAD_CSV = """subject,period,treatment,day,pain
1,1,placebo,1,5
1,1,placebo,2,14
1,2,aspirin,1,3
"""


@pytest.fixture
def bad_csv(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    return path


def test_validate_default_prints_synthetic_summary(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("SYNTHETIC DATA (simulated, not patients): ketapain_synthetic")
    assert "20 subjects, 3 periods, 35 days per period" in out and "OK:" in out
    assert "Design class: 3x3 Williams" in out and "daily_ordinal  suits" in out


def test_validate_bad_file_exits_with_data_error(bad_csv, capsys):
    assert main(["validate", str(bad_csv)]) == bk.DataError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("bayes-keta validate: DataError:")
    assert "pain is outside 0..10 at row 2 (values 14)" in err
    assert "unknown treatment labels 'aspirin' at row 3" in err
    assert "Traceback" not in err


def test_validate_nonexistent_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "none.csv")]) == 3
    assert "does not exist" in capsys.readouterr().err


def test_validate_with_custom_labels_flags_and_design(tmp_path, capsys):
    path = tmp_path / "trial.csv"
    path.write_text(
        "subject,period,treatment,day,pain\n"
        + "".join(f"{s},{p},{t},1,{s + p}\n" for s in (1, 2) for p, t in ((1, "D1"), (2, "P")))
    )
    assert main(["validate", str(path)]) == 3
    assert "allowed labels: ['placebo', 'ketamine', 'ketamine_magnesium']" in (
        capsys.readouterr().err
    )
    assert main(["validate", str(path), "--treatments", "P,D1", "--reference", "P"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Data: trial") and "P (reference), D1" in out
    design = tmp_path / "design.toml"
    design.write_text('treatments = ["D1", "P"]\nreference = "P"\n')
    assert main(["validate", str(path), "--design", str(design)]) == 0
    assert main(["validate", str(path), "--treatments", "P,D1", "--reference", "X"]) == 3
    assert "reference 'X' is not among the treatments" in capsys.readouterr().err


def test_simulate_writes_refuses_overwrite_and_forces(tmp_path, capsys):
    out = tmp_path / "sim.csv"
    assert main(["simulate", "--out", str(out), "--n-subjects", "6", "--days", "5"]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    trial = bk.load_trial(out)
    assert trial.n_subjects == 6 and trial.n_days == 5
    assert main(["simulate", "--out", str(out)]) == bk.OutputError.exit_code
    assert "refusing to overwrite existing" in capsys.readouterr().err
    assert main(["simulate", "--out", str(out), "--force"]) == 0
    assert bk.load_trial(out).n_subjects == 20


def test_simulate_default_matches_embedded(tmp_path):
    out = tmp_path / "default.csv"
    assert main(["simulate", "--out", str(out)]) == 0
    assert bk.load_trial(out).sha256 == bk.ketapain_synthetic().sha256


def test_simulate_effects_to_parquet_keeps_synthetic_marker(tmp_path, capsys):
    out = tmp_path / "sim.parquet"
    args = ["simulate", "--out", str(out), "--n-subjects", "120", "--seed", "3"]
    args += ["--effect", "ketamine=-2", "--effect", "ketamine_magnesium=-1", "--missing-rate", "0"]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("wrote SYNTHETIC data (simulated, not patients)")
    trial = bk.load_trial(out)
    assert trial.synthetic and "effects=" in trial.source and trial.data["pain"].notna().all()
    means = trial.data.groupby("treatment")["pain"].mean()
    assert means["ketamine"] < means["ketamine_magnesium"] < means["placebo"]
    assert main(["validate", str(out)]) == 0
    assert capsys.readouterr().out.startswith("SYNTHETIC DATA (simulated, not patients): sim")


@pytest.mark.parametrize(
    ("extra", "code", "needle"),
    [
        (["--effect", "aspirin=-1"], 4, "unknown treatments ['aspirin']"),
        (["--effect", "placebo=-1"], 4, "reference 'placebo' cannot have an effect"),
    ],
)
def test_simulate_bad_options(tmp_path, capsys, extra, code, needle):
    assert main(["simulate", "--out", str(tmp_path / "x.csv"), *extra]) == code
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_simulate_unknown_extension(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "x.xlsx")]) == bk.OutputError.exit_code
    assert "cannot write '.xlsx' files" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "simulate"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC" in text and "examples:" in text


def test_no_traceback_in_a_real_process(bad_csv):
    code = "import sys; from bayes_keta.cli import main; sys.exit(main())"
    proc = subprocess.run(
        [sys.executable, "-c", code, "validate", str(bad_csv)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert "pain is outside 0..10 at row 2" in proc.stderr
