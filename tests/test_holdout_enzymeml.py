"""Found by fuzz_cli --seed 14 (issue 12): a unit's multiplier written as a 400-digit integer in an
EnzymeML document raised OverflowError in float() (exit 3, 'internal error'). Such base units are now
unusable like any other malformed base units (ValueError inside the unit reader), and the unit's
name decides."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from mgkinetics_cli.main import cli

DOC = Path(__file__).parent / "data" / "enzymeml" / "synthetic_pyenzyme_style.json"


def test_a_400_digit_unit_multiplier_is_a_reported_unit_problem_not_a_crash(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    giant, n = re.subn(r'"multiplier": 60\.0', '"multiplier": ' + "9" * 400, text)
    assert n >= 1
    json.loads(giant)  # still valid JSON: Python reads the integer exactly
    path = tmp_path / "giant.json"
    path.write_text(giant, encoding="utf-8")
    res = CliRunner().invoke(cli, ["enzymeml", str(path)])
    assert res.exit_code == 0, res.output
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
    reference = CliRunner().invoke(cli, ["enzymeml", str(DOC)])
    assert len(res.stdout.splitlines()) == len(reference.stdout.splitlines())  # every row accounted


# Issue 12 leftover: the warnings for such a unit said "base units (base units that are not numbers)",
# naming neither the field nor its value, and a 400-digit *decimal* multiplier (which JSON reads as inf)
# on a unit without a name was read as "inf s per unit": every time became inf in the table.
GIANT_INT = "9" * 400
GIANT_DECIMAL = "9" * 400 + ".5"


def _giant_document(tmp_path, replacement: str) -> Path:
    text = DOC.read_text(encoding="utf-8")
    giant, n = re.subn(r'"multiplier": 60\.0', '"multiplier": ' + replacement, text)
    assert n == 2  # measurements[0] (name 'min') and measurements[2] (no name, mdmodels style)
    path = tmp_path / "giant.json"
    path.write_text(giant, encoding="utf-8")
    return path


def test_a_giant_multiplier_is_named_with_its_place_and_never_makes_times_infinite(tmp_path):
    import csv
    import io
    import math

    # the integer keeps its digits; the decimal is inf once JSON has read it (that is all that is left)
    for replacement, shown in ((GIANT_INT, "99999999... (400 characters)"), (GIANT_DECIMAL, "inf")):
        res = CliRunner().invoke(cli, ["enzymeml", str(_giant_document(tmp_path, replacement))])
        assert res.exit_code == 0, res.output
        lines = [ln for ln in res.stderr.splitlines() if "multiplier" in ln]
        # a warning for each unit, with the JSON path of the unit, the field and why
        for where in (
            "measurements[0].species_data[0].time_unit",
            "measurements[2].species_data[0].time_unit",
        ):
            line = next(ln for ln in lines if where + ":" in ln)
            assert f"base unit 1 (second): multiplier {shown} is" in line, line
            assert "beyond the float range" in line, line
        rows = list(csv.DictReader(io.StringIO(res.stdout)))
        times = [float(r["time_s"]) for r in rows if r["time_s"]]
        assert times and all(math.isfinite(t) for t in times), replacement[-3:]
        # measurements[0] is named 'min': its times are still read in minutes (the name decides)
        m1 = [float(r["time_s"]) for r in rows if r["measurement_id"] == "m1"]
        assert m1[:2] == [0.0, 60.0]
