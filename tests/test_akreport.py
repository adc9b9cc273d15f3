"""The AK report: byte-identical tables, headline format, fits recover the simulation truth."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mgkinetics.ak.report import build_report, format_pm

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = re.compile(
    r"^kcat: WT (?P<wt>[\d.]+) ± (?P<wt_se>[\d.]+) s⁻¹ → D84A (?P<mut>[\d.]+) ± (?P<mut_se>[\d.]+) s⁻¹ "
    r"\((?P<fold>[\d.]+)-fold; ΔΔG‡ (?P<ddg>[\d.]+) ± (?P<ddg_se>[\d.]+) kcal/mol\)$"
)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return build_report(None, tmp_path_factory.mktemp("report"), figures=False)


def test_tables_are_byte_identical_to_committed(report):
    committed = ROOT / "reports" / "tables"
    written = {p.name: p for p in report.files if p.suffix == ".csv"}
    assert sorted(written) == sorted(p.name for p in committed.glob("*.csv"))
    for name, path in written.items():
        assert path.read_bytes() == (committed / name).read_bytes(), name


def test_headline_format_and_values(report):
    m = HEADLINE.match(report.headline)
    assert m, report.headline
    assert abs(float(m["wt"]) - 330.0) / 330.0 < 0.05
    assert abs(float(m["mut"]) - 1.8) / 1.8 < 0.10
    n = report.numbers
    assert float(m["fold"]) == pytest.approx(n["kcat_wt"] / n["kcat_d84a"], abs=0.5)
    # ΔΔG‡ = RT ln(kcat_WT/kcat_D84A) at 25 °C; the truth is RT ln(330/1.8) = 3.09 kcal/mol
    assert n["ddg_kcal"] == pytest.approx(n["rt_kcal"] * __import__("math").log(n["fold"]), rel=1e-12)
    assert abs(n["ddg_kcal"] - 3.087) < 0.1


def test_true_values_inside_ci(report):
    rows = report.tables["truth_check"].records()
    assert len(rows) == 12
    for r in rows:
        assert r["true_inside_ci"], r
    kcat = {r["variant"]: r for r in rows if r["parameter"] == "kcat"}
    assert abs(kcat["WT"]["error_percent"]) < 5 and abs(kcat["D84A"]["error_percent"]) < 10


def test_markdown_says_simulated(report):
    assert "SIMULATED DATA" in report.markdown
    assert report.headline in report.markdown
    committed = (ROOT / "reports" / "report.md").read_text(encoding="utf-8")
    without_figures = committed.split("## Figures")[0] + "## Regenerate" + committed.split("## Regenerate")[1]
    assert without_figures == report.markdown


def test_format_pm():
    assert format_pm(3.09684, 0.0106) == "3.097 ± 0.011"


def test_cli_report_prints_headline(tmp_path):
    from mgkinetics_cli.main import cli

    out = CliRunner().invoke(
        cli, ["report", "--data", str(ROOT / "datasets"), "--out", str(tmp_path), "--no-figures"]
    )
    assert out.exit_code == 0, out.output
    assert HEADLINE.match(out.output.strip())
    assert (tmp_path / "report.md").is_file()


def test_report_rejects_rows_without_variant(tmp_path):
    """A user's data directory with a row that names no variant gets a DataFormatError naming the
    line, not a report that silently left the row out."""
    import shutil

    import mgkinetics as mgk
    from mgkinetics.ak import report as akreport

    for path in akreport.dataset_paths().values():
        shutil.copy(path, tmp_path / path.name)
        meta = path.with_suffix(".meta.json")
        if meta.exists():
            shutil.copy(meta, tmp_path / meta.name)
    grid = tmp_path / "ak_bibi_grid.csv"
    lines = grid.read_text().splitlines()
    header = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    cols = lines[header].split(",")
    row = lines[header + 1].split(",")
    row[cols.index("variant")] = ""
    lines.append(",".join(row))
    grid.write_text("\n".join(lines) + "\n")
    with pytest.raises(mgk.DataFormatError) as exc:
        akreport.build_report(tmp_path, out_dir=None, figures=False)
    assert [(p.line, p.column) for p in exc.value.problems] == [(len(lines), "variant")]
