"""The AK report (the spec ``ak_report.toml`` shipped with the datasets): headline, truth, rounding,
and its tables against the committed ones in ``reports/tables``.

The committed tables are compared numerically, not byte for byte: a degenerate fit (the naive
Michaelis–Menten hyperbola on the 1:1 Mg:ATP series, whose kcat runs away to ~1e20 s⁻¹) lands on
different huge values with different numpy builds. Parameters the data determine agree to
REL = 1e-6 relative; undetermined ones (status "not bounded by the data") are only checked to
carry that status. The rerun-is-byte-identical property is tested on the whole report folder.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mgkinetics.ak.report import format_pm

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "reports"
REL = 1e-6
HEADLINE = re.compile(
    r"^kcat: WT (?P<wt>[\d.]+) ± (?P<wt_se>[\d.]+) s⁻¹ → D84A (?P<mut>[\d.]+) ± (?P<mut_se>[\d.]+) s⁻¹ "
    r"\((?P<fold>[\d.]+)-fold; ΔΔG‡ (?P<ddg>[\d.]+) ± (?P<ddg_se>[\d.]+) kcal/mol\)$"
)
#: the headline as .ci/run greps it
CI_GREP = re.compile(r"^kcat: WT .* s⁻¹ → D84A .* s⁻¹ \(.*-fold; ΔΔG‡ .* kcal/mol\)$")


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The AK report written twice by the command line, as the README's main job does."""
    root = tmp_path_factory.mktemp("ak")
    outputs = []
    for name in ("first", "second"):
        res = CliRunner().invoke(
            __import__("mgkinetics_cli.main", fromlist=["cli"]).cli, ["report", "--out", str(root / name)]
        )
        assert res.exit_code == 0, res.output
        outputs.append((root / name, res.output.strip()))
    return outputs


def _table(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_rerun_is_byte_identical(written):
    (a, line_a), (b, line_b) = written
    fa, fb = _files(a), _files(b)
    assert line_a == line_b
    assert sorted(fa) == sorted(fb)
    # the pages record the command, which names the --out folder; everything else is identical
    diff = [k for k in fa if fa[k] != fb[k]]
    assert diff == ["report.html", "report.md"]
    for page in diff:
        assert fa[page].replace(str(a).encode(), b"OUT") == fb[page].replace(str(b).encode(), b"OUT")


def test_headline_format_and_values(written):
    line = written[0][1]
    m = HEADLINE.match(line)
    assert m and CI_GREP.match(line), line
    assert abs(float(m["wt"]) - 330.0) / 330.0 < 0.05  # the simulation truth: 330 and 1.8 s⁻¹
    assert abs(float(m["mut"]) - 1.8) / 1.8 < 0.10
    assert float(m["fold"]) == pytest.approx(float(m["wt"]) / float(m["mut"]), rel=2e-3)
    # ΔΔG‡ = RT ln(fold) at 25 °C; the truth is RT ln(330/1.8) = 3.087 kcal/mol
    rt = 8.314462618 / 4184.0 * 298.15
    assert float(m["ddg"]) == pytest.approx(rt * math.log(float(m["fold"])), abs=1e-3)
    assert abs(float(m["ddg"]) - 3.087) < 0.1


def test_true_values_inside_ci(written):
    rows = _table(written[0][0] / "tables" / "truth_check.csv")
    assert len(rows) == 12
    assert all(r["true_inside_ci"] == "yes" for r in rows), rows
    kcat = {r["variant"]: float(r["error_percent"]) for r in rows if r["parameter"] == "kcat"}
    assert abs(kcat["WT"]) < 5 and abs(kcat["D84A"]) < 10


def test_tables_agree_numerically_with_the_committed_ones(written):
    out = written[0][0] / "tables"
    new = sorted(p.name for p in out.glob("*.csv"))
    assert new == sorted(p.name for p in (COMMITTED / "tables").glob("*.csv"))
    for name in new:
        fresh, committed = _table(out / name), _table(COMMITTED / "tables" / name)
        assert len(fresh) == len(committed), name
        for r, c in zip(fresh, committed):
            assert r.keys() == c.keys(), name
            unbounded = r.get("status", "").startswith("not bounded")
            for key, value in r.items():
                if unbounded and key in ("value", "stderr", "ci_low", "ci_high"):
                    continue  # undetermined by the data: only its status is a result
                try:
                    x, y = float(value), float(c[key])
                except ValueError:
                    assert value == c[key], (name, key)
                    continue
                assert x == pytest.approx(y, rel=REL, abs=1e-12), (name, key, r)


def test_runaway_fit_is_shown_with_its_status(written):
    """The naive 1:1 fit's kcat (~1e20 s⁻¹) never appears as a plain result."""
    out = written[0][0]
    rows = _table(out / "tables" / "fixed_ratio.csv")
    huge = [r for r in rows if r["value"] and abs(float(r["value"])) > 1e6 and r["unit"] == "1/s"]
    assert huge and all(r["status"].startswith("not bounded by the data") for r in huge)
    md = (out / "report.md").read_text(encoding="utf-8")
    for line in md.splitlines():
        if re.search(r"×10(¹|²|³|⁴|⁵|⁶|⁷|⁸|⁹)[⁰-⁹]", line) and "s⁻¹" in line and "M⁻¹" not in line:
            assert "not bounded by the data" in line, line
    assert not re.search(r"\d\.\d+e\+?\d\d", md)  # no 1.8e22-style numbers at all


def test_page_is_worded_from_the_results(written):
    out = written[0][0]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "SIMULATED" in md and written[0][1] in md
    kcat = {r["variant"]: r for r in _table(out / "tables" / "truth_check.csv") if r["parameter"] == "kcat"}
    wt = kcat["WT"]
    # the sentence's numbers are the table's, rounded to the SE
    assert f"kcat falls from {format_pm(float(wt['value']), float(wt['stderr']))} s⁻¹ (WT)" in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<figcaption>") == html.count('<img width="') >= 8  # each PNG embedded


def test_committed_report_is_this_report(written):
    """reports/ is the main job's output: regenerated, it has the same files and words."""
    out = written[0][0]
    assert sorted(_files(out)) == sorted(k for k in _files(COMMITTED))
    fresh = (out / "report.md").read_text(encoding="utf-8").replace(f" --out {out}", "")
    assert fresh == (COMMITTED / "report.md").read_text(encoding="utf-8")


def test_format_pm():
    assert format_pm(3.09684, 0.0106) == "3.097 ± 0.011"


def test_read_dataset_reads_a_file_once_until_it_changes(tmp_path):
    """The AK analyses share one reading of each dataset (mgkinetics.ak.report.read_dataset);
    a rewritten file (other size and time) is read again."""
    import os

    from mgkinetics.ak.report import read_dataset

    path = tmp_path / "d.csv"
    path.write_text("s_mM,rate_uM_per_s\n1,2\n2,3\n", encoding="utf-8")
    first = read_dataset(path)
    assert read_dataset(path) is first and len(first) == 2
    path.write_text("s_mM,rate_uM_per_s\n1,2\n2,3\n4,5\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))  # another modification time, whatever the clock's resolution
    again = read_dataset(path)
    assert again is not first and len(again) == 3
