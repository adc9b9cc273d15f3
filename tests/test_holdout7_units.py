"""Hold-out cases (edges7, issue 12 "binding traps"): rate units written with powers, as papers and
instrument software write them (``mM·s⁻¹``, ``mM s-1``, ``µM min⁻¹``, ``M-1 s-1``).

Before: every one was "unknown unit" (a header carrying it was "no rate column", exit 2).
Expected: the unit the same rate has written as a quotient, and a fit equal to the fit of the
same numbers under the ``rate_mM_per_s`` header.
"""

from __future__ import annotations

import json
import math

import pytest
from holdout_common import TABLE, run

from mgkinetics.units import parse_unit


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("mM·s⁻¹", "mM/s"),
        ("mM s^-1", "mM/s"),
        ("mM s-1", "mM/s"),
        ("mM.s-1", "mM/s"),
        ("mM*s**-1", "mM/s"),
        ("µM min⁻¹", "uM/min"),
        ("μM·min−1", "uM/min"),  # Greek mu and a minus sign
        ("s-1", "1/s"),
        ("min⁻¹", "1/min"),
        ("M-1 s-1", "1/(M*s)"),
        ("M⁻¹·s⁻¹", "1/(M*s)"),
        ("1/mM/min", "1/(mM*min)"),
        ("mM-1", "1/mM"),
    ],
)
def test_power_forms_of_units_are_read(text, label):
    assert parse_unit(text).label == label


@pytest.mark.parametrize("text", ["mM s-12", "mM-s", "s-2", "mM s"])
def test_other_powers_are_still_unknown_units(text):
    with pytest.raises(ValueError, match="unknown unit"):
        parse_unit(text)


def _fit(tmp_path, header):
    body = TABLE.split("\n", 1)[1]
    path = tmp_path / "x.csv"
    path.write_text(f"{header}\n{body}", encoding="utf-8")
    res = run("fit", path, "--law", "michaelis_menten", "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["fits"][0]["parameters"]


@pytest.mark.parametrize(
    ("header", "rate_unit"),
    [
        ("S (mM),rate (mM·s⁻¹)", "mM/s"),
        ("S (mM),rate (mM s-1)", "mM/s"),
        ("S [mM],v [µM min⁻¹]", "uM/min"),
    ],
)
def test_a_header_with_a_power_unit_fits_as_its_quotient_form(tmp_path, header, rate_unit):
    plain = _fit(tmp_path, "s_mM,rate_" + rate_unit.replace("/", "_per_"))
    powered = _fit(tmp_path, header)
    assert powered["vmax"]["unit"] == rate_unit and powered["km"]["unit"] == "mM"
    for name in ("vmax", "km"):
        assert math.isclose(powered[name]["value"], plain[name]["value"], rel_tol=1e-12)
    # the table is 10*S/(2 + S) with 2 % wobble: Vmax 10, KM 2 mM to within a few %
    assert math.isclose(powered["vmax"]["value"], 10, rel_tol=0.03)
    assert math.isclose(powered["km"]["value"], 2, rel_tol=0.05)
