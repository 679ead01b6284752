"""Render report.html in headless Chromium: every section present, every image a decoded
inline PNG, and a non-blank screenshot. Skipped (with the reason) when Chromium is missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import bayes_keta as bk
from bayes_keta.report import SECTION_IDS, GateThresholds, build_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        pytest.skip("headless Chromium not found (apt-get install chromium; .ci/run does it)")
    return path


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    from bayes_keta.fitting import fit

    trial = bk.ketapain_synthetic()
    fitted = {"daily": fit(trial, "daily", draws=200, tune=200, chains=2, seed=3, prior_draws=0)}
    out = tmp_path_factory.mktemp("browser") / "report"
    outcome = build_report(
        trial, fits=fitted, out_dir=out, gate=GateThresholds(ess_min=100_000), command="pytest"
    )
    return outcome.html


def _run(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dom_has_every_section_and_inline_images(chromium, report_html, tmp_path):
    done = _run(chromium, tmp_path, "--dump-dom", report_html.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in dom, sid
    imgs = re.findall(r"<img\b[^>]*>", dom)
    assert len(imgs) >= 8
    assert all('src="data:image/png;base64,iVBORw0KGgo' in i for i in imgs)  # PNG signature
    assert 'data-gate="failed"' in dom and "SYNTHETIC DATA" in dom


def test_screenshot_is_not_blank(chromium, report_html, tmp_path):
    import matplotlib.image as mpimg

    shot = tmp_path / "report.png"
    done = _run(
        chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", report_html.as_uri()
    )
    assert shot.is_file(), done.stderr[-2000:]
    assert shot.stat().st_size > 50_000
    pixels = mpimg.imread(shot)
    assert pixels.shape[0] == 4000 and pixels.shape[1] == 1280
    assert float(np.var(pixels[..., :3])) > 1e-3  # not a blank page
    # the red gate banner is near the top: some strongly red pixels in the first 800 rows
    top = pixels[:800, :, :3]
    red = (top[..., 0] > 0.6) & (top[..., 1] < 0.2) & (top[..., 2] < 0.2)
    assert red.sum() > 100
