"""Condition columns that were silently ignored (issue 12 hold-outs, found by edges5): a
``temperature_°C``, ``temperature_F`` or ``temperature (°F)`` column, or an ``ionic_strength`` column
without a unit, left the defaults (25 °C, 0.15 M) in force with exit 0 and no word, so every species
was computed at the wrong condition. Now °C and °F suffixes are read (°F converted), and a condition
column whose unit is missing or not a temperature unit is an error with its line and column."""

from __future__ import annotations

import pytest
from holdout_common import run

ROWS = ["2,1", "1,1", "0.5,1"]


def _species(res) -> list[str]:
    """The species columns (the last three) of `speciate FILE`'s CSV rows."""
    assert res.exit_code == 0, res.output
    return [",".join(line.split(",")[-3:]) for line in res.stdout.splitlines()[1:]]


def _table(tmp_path, header: str, value: str):
    path = tmp_path / "totals.csv"
    quoted = f'"{header}"' if "," in header else header
    path.write_text(f"mg_total_mM,atp_total_mM,{quoted}\n" + "".join(f"{r},{value}\n" for r in ROWS), "utf-8")
    return path


@pytest.fixture
def at_37(tmp_path):
    return _species(run("speciate", _table(tmp_path, "temperature_C", "37")))


@pytest.mark.parametrize(
    "header, value",
    [
        ("temperature_°C", "37"),
        ("temperature_F", "98.6"),
        ("temperature_°F", "98.6"),
        ("temperature (°F)", "98.6"),
        ("temp_degF", "98.6"),
        ("temperature_K", "310.15"),
    ],
)
def test_temperature_columns_in_any_unit_are_used(tmp_path, at_37, header, value):
    default = _species(run("speciate", _table(tmp_path, "note", "x")))
    assert at_37 != default  # 37 °C moves the Kd: the comparison below can fail
    # 98.6 °F = 37 °C exactly in (F - 32) * 5/9; the species are written to 6 digits
    assert _species(run("speciate", _table(tmp_path, header, value))) == at_37


@pytest.mark.parametrize(
    "header", ["ionic_strength", "Ionic strength", "temperature_X", "temperature (furlongs)"]
)
def test_a_condition_column_without_a_usable_unit_is_an_error_with_its_place(tmp_path, header):
    res = run("speciate", _table(tmp_path, header, "0.05"))
    assert res.exit_code == 2, res.output
    assert f"line 1, column '{header}'" in res.stderr, res.stderr
    assert "Traceback" not in res.output


def test_ionic_strength_in_mM_and_M_give_the_same_species(tmp_path):
    molar = _species(run("speciate", _table(tmp_path, "ionic_strength_M", "0.05")))
    milli = _species(run("speciate", _table(tmp_path, "ionic_strength_mM", "50")))
    default = _species(run("speciate", _table(tmp_path, "note", "x")))
    assert molar == milli != default
