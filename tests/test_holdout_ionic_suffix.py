"""Ionic-strength columns with the unit after an underscore (issue 12 hold-out, edges6): ``I_mM``
and ``I_M`` were read as an unknown (or inhibitor) column, so speciation used the default 0.15 M
with exit 0 and no word. The convention is that of ``I (mM)``: a capital ``I`` with a concentration
unit is ionic strength; a lower-case ``i_mM`` stays an inhibitor."""

from __future__ import annotations

import pytest
from holdout_common import run

from mgkinetics.data.conditions import condition_of_column
from mgkinetics.units import split_header

ROWS = ["2,1", "1,1", "0.5,1"]


def _species(tmp_path, header: str, value: str) -> list[str]:
    path = tmp_path / "totals.csv"
    path.write_text(f"mg_total_mM,atp_total_mM,{header}\n" + "".join(f"{r},{value}\n" for r in ROWS), "utf-8")
    res = run("speciate", path)
    assert res.exit_code == 0, res.output
    return [",".join(line.split(",")[-3:]) for line in res.stdout.splitlines()[1:]]


@pytest.mark.parametrize(
    "header, value", [("I_mM", "50"), ("I_M", "0.05"), ("I_uM", "50000"), ("ionic_strength_mM", "50")]
)
def test_an_underscore_unit_ionic_strength_column_is_used(tmp_path, header, value):
    reference = _species(tmp_path, "ionic_strength_M", "0.05")
    default = _species(tmp_path, "note", "x")
    assert reference != default  # 0.05 M moves the constants from 0.15 M: the test can fail
    assert _species(tmp_path, header, value) == reference


@pytest.mark.parametrize(
    "header, expected",
    [
        ("I_mM", ("ionic_strength_M", "mM")),
        ("I_M", ("ionic_strength_M", "M")),
        ("I (mM)", ("ionic_strength_M", "mM")),
        ("i_mM", None),  # an inhibitor
        ("I_min", None),  # a time, not a condition
        ("I", None),  # no unit: a name, not ionic strength
    ],
)
def test_capital_i_with_a_concentration_unit_is_ionic_strength(header, expected):
    stem, unit = split_header(header)
    assert condition_of_column(header, stem, unit) == expected


def test_an_inhibitor_named_I_mM_is_still_the_inhibitor_of_a_law_that_needs_one(tmp_path):
    """nlstools' and many a lab's ``I`` is the inhibitor: a law with an inhibitor input binds the
    one ``I`` condition column when no other column is the inhibitor (tests/test_reference.py's
    nlstools_vmkmki with ``--input-unit I=mM`` too)."""
    path = tmp_path / "ci.csv"
    # competitive inhibition made here: Vmax 10 uM/s, KM 2 mM, Ki 2 mM, with 1 % deterministic wobble
    grid = [(s, i) for i in (0, 1, 4) for s in (0.5, 1, 2, 4, 8)]
    rows = [
        (s, i, 10 * s / (2 * (1 + i / 2) + s) * (1 + 0.01 * (k % 3 - 1))) for k, (s, i) in enumerate(grid)
    ]
    path.write_text("s_mM,I_mM,rate_uM_per_s\n" + "".join(f"{s},{i},{v!r}\n" for s, i, v in rows), "utf-8")
    res = run("fit", path, "--law", "competitive", "--format", "csv")
    assert res.exit_code == 0, res.output
    values = {line.split(",")[2]: line.split(",")[3] for line in res.stdout.splitlines()[1:]}  # name, value
    assert float(values["ki"]) == pytest.approx(2.0, rel=0.05), res.stdout  # 1 % wobble: a few % on Ki
