"""`mgkinetics report SPEC.toml` on an experiment it was not written for: R's Puromycin data, one
variant per file (tests/data/report, provenance in its README).

Expected values: R ``nls`` (Bates & Watts 1988, §2.3): treated K 0.06412 (SE 0.008281), Vm 212.68;
untreated K 0.04771, Vm 160.28; so the display must read ``0.0641 ± 0.0083`` for the treated KM.
"""

from __future__ import annotations

import base64
import csv
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.report.spec import load_spec, parse_spec

DATA = Path(__file__).parent / "data" / "report"


@pytest.fixture(scope="module")
def puromycin(tmp_path_factory):
    """The spec and its data copied to a scratch folder, and the report written twice."""
    root = tmp_path_factory.mktemp("puro")
    for name in ("treated.csv", "untreated.csv", "puromycin.toml"):
        shutil.copy(DATA / name, root / name)
    runner = CliRunner()
    outs = []
    for run in ("a", "b"):
        res = runner.invoke(cli, ["report", str(root / "puromycin.toml"), "--out", str(root / run)])
        assert res.exit_code == 0, res.output
        outs.append(root / run)
    return root, outs, res.output


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_files_and_summary_line(puromycin):
    root, (out, _), output = puromycin
    names = set(_files(out))
    assert {
        "report.html",
        "report.md",
        "tables/puromycin_estimates.csv",
        "tables/puromycin_ratios.csv",
        "tables/puromycin_sharing_tests.csv",
        "tables/puromycin_estimates.md",
        "figures/puromycin_curves.png",
        "figures/puromycin_ratios_treated.png",
    } <= names
    assert "Puromycin: treated vs untreated: 1 analyses" in output


def test_rerun_is_byte_identical(puromycin):
    _, (a, b), _ = puromycin
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys()
    differing = [k for k in fa if fa[k] != fb[k] and k != "report.html" and k != "report.md"]
    assert differing == []
    # the two pages differ only in the recorded command (--out a vs --out b)
    ha, hb = fa["report.html"].decode(), fb["report.html"].decode()
    assert ha.replace("--out " + str(a), "") == hb.replace("--out " + str(b), "")


def test_no_figures_writes_the_same_tables_and_no_figure(puromycin):
    root, (a, _), _ = puromycin
    out = root / "no_figures"
    res = CliRunner().invoke(cli, ["report", str(root / "puromycin.toml"), "--out", str(out), "--no-figures"])
    assert res.exit_code == 0, res.output
    assert "1 analyses, 3 tables, 0 figures" in res.output  # estimates, ratios, sharing tests
    with_figures, without = _files(a), _files(out)
    assert not (out / "figures").exists()
    assert "<svg" not in without["report.html"].decode() and "<img" not in without["report.html"].decode()
    tables = sorted(k for k in with_figures if k.startswith("tables/"))
    assert tables and tables == sorted(k for k in without if k.startswith("tables/"))
    assert all(with_figures[k] == without[k] for k in tables)  # the same numbers, byte for byte


def test_no_figures_builds_no_figure(puromycin, monkeypatch):
    """Without figures no figure is even built: the plotting functions are never called."""
    import matplotlib.pyplot as plt

    from mgkinetics.report import figures
    from mgkinetics.report.build import build_report

    def refuse(*args, **kwargs):
        raise AssertionError("a figure was built for a report without figures")

    for name in ("plot_comparison", "plot_ratios", "plot_fits"):
        monkeypatch.setattr(figures, name, refuse)
    before = plt.get_fignums()
    report = build_report(puromycin[0] / "puromycin.toml", jobs=1, figures=False)
    assert [len(s.tables) for s in report.sections] == [3] and not any(s.figures for s in report.sections)
    assert plt.get_fignums() == before
    with pytest.raises(AssertionError, match="a figure was built"):  # the spy does see figures made
        build_report(puromycin[0] / "puromycin.toml", jobs=1)


def test_html_is_self_contained(puromycin):
    _, (out, _), _ = puromycin
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 2 and html.count("<figcaption>") == 2
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # no external URL
    assert "<link" not in html and "<script" not in html and "<style>" in html
    # ids of the inline figures are prefixed per figure, so two figures never clash
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    # one draw per figure: the page embeds each PNG file's own bytes, in the captions' order
    embedded = [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]
    files = re.findall(r"<small>\((figures/[^)]+\.png)\)</small>", html)
    assert len(files) == 2 and embedded == [(out / f).read_bytes() for f in files]


def test_numbers_are_rounded_to_their_se_in_html_and_markdown(puromycin):
    _, (out, _), _ = puromycin
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert "0.0641 ± 0.0083" in text  # treated KM, R: 0.06412 (SE 0.008281)
        assert "212.7 ± 6.9" in text  # treated Vmax, R: 212.68 (SE 6.947)
        assert "F(1, 19) = 1.718" in text  # shared K: R gives F = 1.72 on (1, 19) df


def test_csv_keeps_full_precision(puromycin):
    _, (out, _), _ = puromycin
    with open(out / "tables" / "puromycin_estimates.csv", newline="") as fh:
        rows = {(r["variant"], r["parameter"]): r for r in csv.DictReader(fh)}
    km = rows[("treated", "km")]
    fit = mgk.fit(DATA / "treated.csv", "michaelis_menten")
    assert float(km["value"]) == fit.parameters["km"].value  # repr round-trips the float exactly
    assert float(km["value"]) == pytest.approx(0.06412, abs=5e-5)
    assert km["ci_method"] == "asymptotic-t" and km["unit"] == "mM"


def test_interrupted_run_leaves_the_previous_report(puromycin, monkeypatch):
    root, (out, _), _ = puromycin
    before = _files(out)
    import mgkinetics.report.render as render

    real = render.write_into

    def interrupted(report, folder):
        real(report, folder)  # every file written into the staging folder ...
        raise KeyboardInterrupt  # ... and then the run is stopped

    monkeypatch.setattr(render, "write_into", interrupted)
    with pytest.raises(KeyboardInterrupt):
        from mgkinetics.report.build import build_report, write_report

        write_report(build_report(root / "puromycin.toml"), out)
    assert _files(out) == before
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_spec_problems_are_all_reported(tmp_path):
    raw = {
        "title": "",
        "colour": "red",
        "analysis": [
            {"name": "bad name", "data": ["missing.csv"], "kind": "sideways", "ci": "guess"},
            {"data": "x.csv", "law": "hill", "extra": 1},
        ],
    }
    with pytest.raises(mgk.DataFormatError) as exc:
        parse_spec(raw, tmp_path / "r.toml")
    where = [p.column for p in exc.value.problems]
    assert where == [
        "colour",
        "title",
        "analysis[1].name",
        "analysis[1].data",
        "analysis[1].kind",
        "analysis[1].ci",
        "analysis[2].extra",
        "analysis[2].name",
        "analysis[2].data",
    ]
    (tmp_path / "broken.toml").write_text("title = \n")
    res = CliRunner().invoke(cli, ["report", str(tmp_path / "broken.toml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "not valid TOML" in res.output and "Traceback" not in res.output


def test_spec_keys_are_documented():
    from mgkinetics.report import spec as spec_module

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for key in spec_module.ANALYSIS_KEYS + spec_module.TOP_KEYS:
        shown = "[[analysis]]" if key == "analysis" else key
        assert f"``{shown}``" in spec_module.__doc__, key
        assert f"`{shown}`" in readme, key


def test_load_spec_resolves_paths_against_the_spec():
    spec = load_spec(DATA / "puromycin.toml")
    a = spec.analyses[0]
    assert a.kind == "compare" and a.reference == "untreated"
    assert [p.name for p in a.data] == ["treated.csv", "untreated.csv"] and all(p.is_file() for p in a.data)


def test_fit_and_global_kinds_and_svg_figures(tmp_path):
    for name in ("treated.csv", "untreated.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / "r.toml").write_text(
        'title = "Puromycin, other kinds"\nfigure_format = "svg"\n'
        '[[analysis]]\nname = "separate"\nkind = "fit"\ndata = ["treated.csv", "untreated.csv"]\n'
        'law = "michaelis_menten"\nci = "profile"\n'
        '[[analysis]]\nname = "shared_km"\nkind = "global"\ndata = ["treated.csv", "untreated.csv"]\n'
        'law = "michaelis_menten"\nshared = ["km"]\n',
        encoding="utf-8",
    )
    from mgkinetics.report.build import build_report, write_report

    report = build_report(tmp_path / "r.toml")
    files = {str(p.relative_to(tmp_path / "out")) for p in write_report(report, tmp_path / "out")}
    assert {
        "figures/separate_fits.svg",
        "figures/shared_km_fits.svg",
        "tables/separate_estimates.csv",
        "tables/shared_km_estimates.csv",
    } <= files
    separate, shared = report.sections
    assert "profile" in separate.tables[0].to_markdown()  # the CI method is named in the table
    # R nls, shared K (Bates & Watts): K = 0.05797, SE 0.00591
    km = next(r for r in shared.tables[0].records() if r["parameter"] == "km")
    assert km["value"] == pytest.approx(0.05797, abs=5e-5)
    assert km["stderr"] == pytest.approx(0.00591, abs=5e-5)
    assert any("0.0580 ± 0.0059 mM" in p for p in shared.paragraphs)
    # one drawing per SVG figure: the page inlines the file's own <svg> element (ids prefixed)
    from mgkinetics.report.savefig import prefix_ids

    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    text = (tmp_path / "out" / "figures" / "separate_fits.svg").read_text(encoding="utf-8")
    assert prefix_ids(text[text.index("<svg") :], "fig1") in page


def test_markdown_provenance_table_has_no_blank_lines(puromycin):
    # a blank line ends a Markdown table: every input's row must follow the header directly
    _, (out, _), _ = puromycin
    text = (out / "report.md").read_text(encoding="utf-8")
    table = text[text.index("| file | sha256 |") :].strip().splitlines()
    assert [line.split(" | ")[0] for line in table[2:]] == [
        "| puromycin.toml",
        "| treated.csv",
        "| untreated.csv",
    ]


def test_a_variant_the_data_do_not_determine_gets_words_not_a_crash(tmp_path):
    """Hold-out (edges4, fuzz seed 14): every untreated rate at one concentration (0.02 mM, the
    first value of R's Puromycin) leaves its fit not identifiable and no ratio determined; the
    report crashed in the ratio figure's caption (jinja UndefinedError, exit 3)."""
    for name in ("treated.csv", "puromycin.toml"):
        shutil.copy(DATA / name, tmp_path / name)
    lines = (DATA / "untreated.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    same_conc = [f"0.02,{row.split(',', 1)[1]}" for row in rows]
    (tmp_path / "untreated.csv").write_text("\n".join([header, *same_conc]) + "\n", encoding="utf-8")
    res = CliRunner().invoke(
        cli, ["report", str(tmp_path / "puromycin.toml"), "--out", str(tmp_path / "out")]
    )
    assert res.exit_code == 0, res.output
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "untreated: vmax" in text and "(not identifiable: " in text
    assert "No ratio of treated to untreated is given" in text
    assert "so the test decides nothing: undetermined" in text and "need separate values" not in text
    assert not (tmp_path / "out" / "figures" / "puromycin_ratios_treated.png").exists()
    ratios = (tmp_path / "out" / "tables" / "puromycin_ratios.md").read_text(encoding="utf-8")
    assert "CI ()" not in ratios
