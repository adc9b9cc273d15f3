"""Hold-out cases found by the fuzz campaign with new seeds (edges7: benchmarks/fuzz_cli.py
--seed 22..27, a few hundred cases each), one root cause per test.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from holdout_common import run

ENZYMEML = Path(__file__).parent / "data" / "enzymeml"


def test_an_enzymeml_time_beyond_the_float_range_in_seconds_is_a_deviation_not_inf(tmp_path):
    """Seed 23, case 250: a time of 1e308 in a unit of 60 s became ``time_s = inf`` in the table
    (exit 0). Here the unit is 1e10 s (multiplier 1e10). Expected: an empty time_s, one deviation
    line, the next point converted by SBML's rule (2 x 1e10 s) and every point still a row."""
    doc = json.loads((ENZYMEML / "synthetic_pyenzyme_style.json").read_text(encoding="utf-8"))
    series = doc["measurements"][0]["species_data"][0]
    series["time"] = [1e308, 2, 3, 4]
    series["time_unit"] = {"base_units": [{"kind": "second", "exponent": 1, "multiplier": 1e10}]}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    res = run("enzymeml", path)
    assert res.exit_code == 0, res.output
    assert "[time_out_of_range]" in res.stderr
    rows = [r for r in csv.DictReader(io.StringIO(res.stdout)) if r["measurement_id"] == "m1"]
    first = [r for r in rows if r["species_id"] == series["species_id"]]
    assert len(first) == len(series["data"])  # every point is a row
    assert first[0]["time_s"] == ""
    assert math.isclose(float(first[1]["time_s"]), 2e10, rel_tol=1e-12)
    every = list(csv.DictReader(io.StringIO(res.stdout)))
    assert all(r["time_s"] == "" or math.isfinite(float(r["time_s"])) for r in every)
