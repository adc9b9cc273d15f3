"""The HTML report in a real browser: headless Chromium renders it, and the page is not blank,
has its tables and figures, and logs no console error.

Chromium is the Debian package ``chromium``; ``.ci/run`` installs it when it is absent, so CI
runs this test. Elsewhere, without a chromium binary, the test skips and says why.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

DATA = Path(__file__).parent / "data" / "report"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--disable-extensions",
    "--enable-logging=stderr",
    "--v=0",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary on PATH (Debian: apt-get install chromium; .ci/run installs it)",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    for name in ("treated.csv", "untreated.csv", "puromycin.toml"):
        shutil.copy(DATA / name, root / name)
    res = CliRunner().invoke(cli, ["report", str(root / "puromycin.toml"), "--out", str(root / "out")])
    assert res.exit_code == 0, res.output
    return root / "out" / "report.html"


def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={cwd / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_chromium_renders_a_non_blank_page(page, tmp_path):
    shot = tmp_path / "shot.png"
    run = _chromium("--window-size=1200,1600", f"--screenshot={shot}", page.as_uri(), cwd=tmp_path)
    assert shot.is_file(), run.stderr[-2000:]
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (1600, 1200)
    assert pixels.std() > 20  # text, tables and figures: far from a blank (uniform) page
    assert (pixels < 100).mean() > 0.005  # dark ink (text, axes) on part of the page
    console = [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert not [ln for ln in console if "Uncaught" in ln or "Error" in ln], console


def test_dom_has_tables_and_figures(page, tmp_path):
    run = _chromium("--dump-dom", page.as_uri(), cwd=tmp_path)
    dom = run.stdout
    assert dom.count("<table") == 4  # estimates, ratios, sharing tests, provenance
    assert dom.count("<img") == 2 and dom.count("<figcaption>") == 2
    assert "0.0641 ± 0.0083" in dom
    assert "Uncaught" not in run.stderr


def test_committed_ak_report_renders(tmp_path):
    """reports/report.html (the main job's output, committed) in the browser: every figure and table."""
    page = Path(__file__).resolve().parents[1] / "reports" / "report.html"
    run = _chromium("--dump-dom", page.as_uri(), cwd=tmp_path)
    assert run.stdout.count("<img") == run.stdout.count("<figcaption>") >= 8
    assert run.stdout.count("<table") >= 10 and "not bounded by the data" in run.stdout
    assert "Uncaught" not in run.stderr
