"""Render report.html in headless Chromium: page 1 shows the answer and the gate's verdict in
the first 1280 x 900 viewport, nothing overflows the page width, every figure has alt text, and
a screenshot of page 1 is kept as a test artefact (reports/test-artefacts/report-page1.png,
git-ignored). Skipped (with the reason) when Chromium is missing.

The report has no script; the layout checks run in a copy of it with a small measuring script
appended, whose result Chromium's ``--dump-dom`` prints."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import bayes_keta as bk
from bayes_keta.report import GateThresholds, build_report

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
    "--hide-scrollbars",
)
WIDTH, HEIGHT = 1280, 900
ARTEFACT = Path(__file__).resolve().parents[1] / "reports" / "test-artefacts" / "report-page1.png"

#: Appended to a copy of the report: measures the layout once everything is loaded.
MEASURE = """<script>
window.addEventListener("load", () => {
  const root = document.documentElement, width = root.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  };
  const over = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !clipped(el))
    .map((el) => el.tagName + (el.id ? "#" + el.id : ""));
  const box = (el) => el ? el.getBoundingClientRect().toJSON() : null;
  const figures = [...document.querySelectorAll("img, svg")].map((el) => ({
    tag: el.tagName, alt: el.getAttribute("alt") || el.getAttribute("aria-label") || ""}));
  const result = {
    width, viewport: window.innerHeight, scrollWidth: root.scrollWidth, over,
    headline: box(document.querySelector("#summary figure img")),
    gate: box(document.querySelector("[data-gate]")),
    figures,
  };
  document.body.setAttribute("data-layout", JSON.stringify(result));
});
</script>"""


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


@pytest.fixture(scope="module")
def layout(chromium, report_html, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("layout")
    probe = tmp / "probe.html"
    probe.write_text(report_html.read_text().replace("</body>", MEASURE + "</body>"))
    done = _run(
        chromium,
        tmp,
        f"--window-size={WIDTH},{HEIGHT}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probe.as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-layout="([^"]*)"', done.stdout)
    assert found, "the measuring script did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_first_viewport_shows_the_headline_figure_and_the_gate_verdict(layout):
    # positions are measured from the top of the page at the 1280-pixel width; the layout does
    # not depend on the window's height (headless Chromium's inner height differs from the
    # screenshot's 900 pixels), so page 1 is everything above HEIGHT
    assert layout["width"] == WIDTH
    headline, gate = layout["headline"], layout["gate"]
    assert headline is not None and gate is not None
    assert 0 <= gate["top"] and gate["bottom"] <= HEIGHT
    assert 0 <= headline["top"] and headline["bottom"] <= HEIGHT, headline
    assert headline["width"] >= 0.8 * layout["width"]  # full content width


def test_nothing_overflows_the_page_width(layout):
    assert layout["scrollWidth"] <= layout["width"], layout["scrollWidth"]
    assert layout["over"] == []


def test_every_figure_has_alt_text(layout):
    assert len(layout["figures"]) >= 8
    assert all(len(f["alt"]) > 10 for f in layout["figures"]), layout["figures"]


def test_dom_is_self_contained_with_the_red_gate(chromium, report_html, tmp_path):
    done = _run(chromium, tmp_path, "--dump-dom", report_html.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    for sid in ("summary", "answers", "loo", "ppc", "diagnostics", "model", "checklist"):
        assert f'id="{sid}"' in dom, sid
    imgs = re.findall(r"<img\b[^>]*>", dom)
    assert all('src="data:image/png;base64,iVBORw0KGgo' in i for i in imgs)  # PNG signature
    assert 'data-gate="failed"' in dom and "SYNTHETIC DATA" in dom


def test_page_one_screenshot_is_kept(chromium, report_html, tmp_path):
    import matplotlib.image as mpimg

    ARTEFACT.parent.mkdir(parents=True, exist_ok=True)
    done = _run(
        chromium,
        tmp_path,
        f"--screenshot={ARTEFACT}",
        f"--window-size={WIDTH},{HEIGHT}",
        report_html.as_uri(),
    )
    assert ARTEFACT.is_file(), done.stderr[-2000:]
    pixels = mpimg.imread(ARTEFACT)
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    assert float(np.var(pixels[..., :3])) > 1e-3  # not a blank page
    # the red gate banner is on page 1: strongly red pixels in the first 300 rows
    top = pixels[:300, :, :3]
    red = (top[..., 0] > 0.6) & (top[..., 1] < 0.2) & (top[..., 2] < 0.2)
    assert red.sum() > 100
