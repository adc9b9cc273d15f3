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
