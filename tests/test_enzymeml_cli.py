"""`mgkinetics enzymeml` and `--format enzymeml` of fit, compare and report (click's CliRunner)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.ak.report import dataset_paths

DATA = Path(__file__).parent / "data" / "enzymeml"
AK = Path(__file__).resolve().parents[1] / "datasets" / "ak_mgatp_saturation.csv"


def _runner() -> CliRunner:
    return CliRunner()  # click >= 8.2: result.stdout and result.stderr are kept apart


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((DATA / "enzymeml-v2.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def test_enzymeml_to_csv(tmp_path):
    out = tmp_path / "enz.csv"
    res = _runner().invoke(cli, ["enzymeml", str(DATA / "enz.json"), "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 12708
    assert rows[0]["measurement_id"] == "A1" and rows[0]["value"] == "0.097" and rows[0]["time"] == "0.0"
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("warning: ")]
    assert len(warnings) == 9  # one line per kind of deviation (see test_enzymeml_read)
    assert any("no time unit" in w for w in warnings)
    assert "36 measurements, 12708 data points (0 null)" in res.stderr


def test_enzymeml_to_stdout():
    res = _runner().invoke(cli, ["enzymeml", str(DATA / "synthetic_pyenzyme_style.json")])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert len(lines) == 1 + 12 and lines[0].startswith("measurement_id,measurement_name,group_id,species_id")


def test_enzymeml_refuses_to_overwrite_its_input(tmp_path):
    doc = tmp_path / "doc.json"
    doc.write_bytes((DATA / "synthetic_pyenzyme_style.json").read_bytes())
    before = doc.read_bytes()
    res = _runner().invoke(cli, ["enzymeml", str(doc), "--out", str(doc)])
    assert res.exit_code == 2 and "is the input" in res.stderr
    assert doc.read_bytes() == before


def test_enzymeml_bad_document_is_an_error_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    res = _runner().invoke(cli, ["enzymeml", str(bad), "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 2
    assert (
        res.stderr.startswith("Error: ") and "not valid JSON" in res.stderr and "Traceback" not in res.stderr
    )
    assert not (tmp_path / "x.csv").exists()


def test_fit_format_enzymeml(tmp_path, validator):
    out = tmp_path / "fit.json"
    res = _runner().invoke(
        cli,
        [
            "fit",
            str(AK),
            "--law",
            "mgatp_mm",
            "--enzyme",
            "enzyme_nM",
            "--group",
            "variant",
            "--format",
            "enzymeml",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert list(validator.iter_errors(doc)) == []
    assert {p["id"] for p in doc["parameters"]} >= {"kcat_WT", "kcat_D84A", "km_WT"}
    assert (tmp_path / "fit.stats.json").is_file()


def test_fit_format_enzymeml_needs_out():
    res = _runner().invoke(
        cli,
        [
            "fit",
            str(AK),
            "--law",
            "mgatp_mm",
            "--enzyme",
            "enzyme_nM",
            "--group",
            "variant",
            "--format",
            "enzymeml",
        ],
    )
    assert res.exit_code == 2 and "give --out DOC.json" in res.stderr


def test_compare_format_enzymeml(tmp_path, validator):
    out = tmp_path / "cmp.json"
    res = _runner().invoke(
        cli,
        [
            "compare",
            str(AK),
            "--law",
            "mgatp_mm",
            "--enzyme",
            "enzyme_nM",
            "--format",
            "enzymeml",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.stderr
    assert list(validator.iter_errors(json.loads(out.read_text(encoding="utf-8")))) == []
    side = json.loads((tmp_path / "cmp.stats.json").read_text(encoding="utf-8"))
    assert side["extra"]["comparison"]["reference"] == "WT" and len(side["fits"]) == 2


def test_report_format_enzymeml(tmp_path, monkeypatch, validator):
    # the full AK report takes ~15 s; the command's wiring is tested on one small fit instead
    fit = mgk.fit(str(AK), "mgatp_mm", enzyme="enzyme_nM", group="variant")
    calls = []

    def fake_headline_fits(paths=None):
        calls.append(paths)
        return "kcat: headline", {"WT": fit["WT"], "D84A": fit["D84A"]}

    monkeypatch.setattr("mgkinetics.ak.report.headline_fits", fake_headline_fits)
    out = tmp_path / "ak.json"
    res = _runner().invoke(cli, ["report", "--format", "enzymeml", "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    # the built-in datasets (checked as inputs of the output first); nothing written but the document
    assert calls == [dataset_paths()]
    assert res.stdout.strip() == "kcat: headline"
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert list(validator.iter_errors(doc)) == [] and len(doc["measurements"]) == 54
    bad = _runner().invoke(cli, ["report", "--format", "enzymeml", "--out", str(tmp_path / "dir")])
    assert bad.exit_code == 2 and "give --out DOC.json" in bad.stderr
