"""The `speciate` click command, invoked directly with CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from mgkinetics_cli.speciate import parse_concentration, speciate

from mgkinetics.errors import DataFormatError, SpeciationError


def run(*args):
    return CliRunner().invoke(speciate, list(args))


def test_json_contract():
    r = run("--total", "Mg=2mM", "--total", "ATP=1mM", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["conditions"] == {"ph": 7.5, "temperature_C": 25.0, "ionic_strength_M": 0.15}
    assert d["constants"]["MgATP"]["unit"] == "mM"
    assert d["constants"]["MgATP"]["kd"] == pytest.approx(0.0672, rel=1e-3)
    assert "Alberty 2003" in d["constants"]["MgATP"]["source"]
    assert d["species"]["Mg_free"]["value"] == pytest.approx(1.0596, rel=1e-3)
    assert set(d["species"]) == {"Mg_free", "ATP_free", "MgATP"}


def test_units_and_kd_override():
    r = run("--total", "Mg=2000uM", "--total", "atp=0.001M", "--kd", "MgATP=50uM", "--format", "json")
    d = json.loads(r.output)
    assert d["constants"]["MgATP"]["kd"] == pytest.approx(0.05)
    assert d["species"]["MgATP"]["value"] == pytest.approx(0.9543, rel=1e-3)


def test_free_mg_gives_total_to_add():
    r = run("--free", "Mg=1mM", "--total", "ATP=1mM", "--format", "json")
    d = json.loads(r.output)
    assert d["species"]["Mg_total_to_add"]["value"] == pytest.approx(1.937, rel=1e-3)
    assert d["species"]["Mg_free"]["value"] == 1.0


def test_text_and_csv_formats(tmp_path):
    r = run("--total", "Mg=2mM", "--total", "ATP=1mM", "--total", "AMP=0.5mM")
    assert r.exit_code == 0 and "MgAMP" in r.output and "pH 7.5" in r.output
    out = tmp_path / "s.csv"
    r = run("--total", "Mg=2mM", "--total", "ATP=1mM", "--format", "csv", "--out", str(out))
    assert r.exit_code == 0
    assert out.read_text().splitlines()[0] == "species,value,unit"


def test_csv_file_rows(tmp_path):
    f = tmp_path / "in.csv"
    f.write_text(
        "well,atp_total_mM,mg_total_uM,adp_total_mM,ph,temperature_C\n"
        "A1,1,2000,0,7.5,25\nA2,0.1,500,0.2,7.0,37\n"
    )
    r = run(str(f))
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    head = lines[0].split(",")
    assert head[:6] == ["well", "atp_total_mM", "mg_total_uM", "adp_total_mM", "ph", "temperature_C"]
    assert {"mg_free_mM", "atp_free_mM", "adp_free_mM", "mgatp_mM", "mgadp_mM"} <= set(head)
    row = dict(zip(head, lines[1].split(","), strict=True))
    assert float(row["mgatp_mM"]) == pytest.approx(0.9404, rel=1e-3)


def test_csv_file_free_column(tmp_path):
    f = tmp_path / "in.csv"
    f.write_text("atp_total_mM,mg_free_mM\n1,1\n")
    out = tmp_path / "out.csv"
    r = run(str(f), "--out", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "mg_total_to_add_mM" in text and "1.93704" in text


def test_csv_bad_cells_reported(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("atp_total_mM,mg_total_mM\n1,x\n-1,2\n")
    r = run(str(f))
    assert isinstance(r.exception, DataFormatError)
    assert [p.line for p in r.exception.problems] == [2, 3]


def test_library_errors_propagate():
    r = run("--total", "Mg=2mM", "--total", "ATPP=1mM")
    assert isinstance(r.exception, SpeciationError) and "did you mean" in str(r.exception)
    r = run("--total", "Mg=2mM", "--total", "ATP=1mM", "--ionic-strength", "0.9")
    assert r.exit_code == 2 and "--ionic-strength 0.9" in r.output and "Debye" in r.output


def test_every_bad_condition_option_is_named_at_once():
    r = run("--total", "Mg=2mM", "--total", "ATP=1mM", "--ph", "13", "--temperature", "-5")
    assert r.exit_code == 2
    assert "--ph 13: pH must be within 2–12" in r.output and "--temperature -5" in r.output


def test_condition_errors_name_line_and_column_all_at_once(tmp_path):
    f = tmp_path / "conditions.csv"
    f.write_text(
        "atp_total_mM,mg_total_mM,ph,temperature_C,ionic_strength_M\n"
        "1,2,7.5,25,0.1\n"  # line 2: fine
        "1,2,13,25,0.1\n"  # line 3: pH too high
        "1,2,,25,0.1\n"  # line 4: pH empty, so the --ph value (the data wing's rule)
        "1,2,7,150,0.9\n"  # line 5: temperature and ionic strength out of range
    )
    r = run(str(f))
    assert isinstance(r.exception, DataFormatError)
    found = [(p.line, p.column) for p in r.exception.problems]
    assert sorted(found) == [(3, "ph"), (5, "ionic_strength_M"), (5, "temperature_C")]
    assert "13 is outside" in str(r.exception)


@pytest.mark.parametrize(
    "args, text",
    [
        (["--total", "Mg=2xM"], "not a concentration"),
        (["--total", "Mg2mM"], "NAME=QUANTITY"),
        ([], "give totals"),
        (["--free", "Mg=1mM", "--total", "Mg=1mM"], "not both"),
    ],
)
def test_usage_errors(args, text):
    r = run(*args)
    assert r.exit_code == 2 and text in r.output


def test_parse_concentration_units():
    assert parse_concentration("1M") == 1000.0
    assert parse_concentration("5 µM") == pytest.approx(0.005)
    assert parse_concentration("20nM") == pytest.approx(2e-5)


def test_module_imports_only_click_at_top_level():
    import ast
    import pathlib

    import mgkinetics_cli.speciate as mod

    tree = ast.parse(pathlib.Path(mod.__file__).read_text())
    top = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    top |= {n.module for n in tree.body if isinstance(n, ast.ImportFrom)}
    # "options" and "basic_options" are the CLI's own option parsers, which import only click
    assert top <= {"click", "re", "__future__", "options", "basic_options"}
