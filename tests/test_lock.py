"""The lock file installs anywhere: every line is ``name==version`` of a registry package."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"


def _checker():
    spec = importlib.util.spec_from_file_location("check_lock", ROOT / "scripts" / "check_lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_lock_line_is_name_equals_version():
    lines = LOCK.read_text(encoding="utf-8").splitlines()
    assert _checker().bad_lines(lines) == []
    assert not any("@" in line or "://" in line or "/" in line for line in lines)


def test_checker_refuses_paths_urls_and_direct_references():
    check = _checker()
    bad = check.bad_lines(
        [
            "numpy==2.5.5",
            "h5py @ file:///tmp/h5/h5py-3.16.0-cp312-cp312-manylinux_2_28_x86_64.whl",
            "foo @ https://example.org/foo-1.0.tar.gz",
            "./local/pkg",
            "-e .",
            "bar>=1.0",
        ]
    )
    assert [n for n, _ in bad] == [2, 3, 4, 5, 6]


def test_make_lock_path_refuses_to_write_a_bad_lock(tmp_path):
    out = tmp_path / "lock.txt"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_lock.py"), "--write", str(out)],
        input="numpy==2.5.5\nh5py @ file:///tmp/h5py.whl\n",
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "h5py @ file:///tmp/h5py.whl" in proc.stderr
    assert not out.exists()
    ok = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_lock.py"), "--write", str(out)],
        input="pip==26.3\nscipy==1.18.1\nNumpy==2.5.5\n",
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert out.read_text().splitlines() == ["Numpy==2.5.5", "scipy==1.18.1"]
