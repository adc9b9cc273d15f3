"""Regression tests of the failures found by the fuzz campaign (benchmarks/fuzz_cli.py, issue 12).

Each test is the smallest input that reproduced one root cause; the campaign's oracle is the
same: exit code 0 or 2, no traceback or internal error, no non-finite number in an output table.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

ENZYMEML = Path(__file__).parent / "data" / "enzymeml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_no_crash(res):
    assert res.exit_code in (0, 2), (res.exit_code, res.output)
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output


@pytest.mark.parametrize(
    "base_unit",
    [
        {"kind": "mole", "exponent": 1, "scale": 400},  # 10**400: OverflowError in the factor
        {"kind": "mole", "exponent": 1e400},  # int(inf): OverflowError
        {"kind": "mole", "exponent": "abc"},  # int("abc"): ValueError in the description
    ],
)
def test_enzymeml_unit_with_an_absurd_scale_or_exponent_is_a_deviation_not_a_crash(tmp_path, base_unit):
    doc = json.loads((ENZYMEML / "synthetic_pyenzyme_style.json").read_text(encoding="utf-8"))
    doc["measurements"][0]["species_data"][1]["data_unit"] = {"base_units": [base_unit]}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    res = run("enzymeml", path)
    assert_no_crash(res)
    assert res.exit_code == 0
    assert "unit_not_understood" in res.stderr  # reported as a deviation of the document


def test_batch_csv_leaves_an_undetermined_aicc_empty_not_inf(tmp_path):
    # 4 points and 2 parameters: N - df - 1 = 0, AICc is infinite (not determined). The batch
    # CSV printed 'inf'; `fit` prints nothing there. Expected: an empty cell, BIC still a number.
    path = tmp_path / "four.csv"
    path.write_text("curve,s_mM,rate_uM_per_s\na,1,2\na,2,3\na,4,4\na,8,4.5\n", encoding="utf-8")
    res = run("batch", path, "--law", "michaelis_menten", "--curve", "curve")
    assert res.exit_code == 0, res.output
    (row,) = csv.DictReader(io.StringIO(res.stdout))
    assert row["aicc"] == "" and math.isfinite(float(row["bic"]))
    assert "inf" not in res.stdout.lower()
