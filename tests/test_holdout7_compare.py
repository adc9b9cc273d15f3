"""Hold-out case (edges7, issue 12 "statistics at the edges"): two variants with identical data.

Before: ``compare`` of a table with a byte-identical copy printed F = -1.278×10⁻¹⁴ for sharing
each parameter (the shared fit's RSS below the separate fits' by rounding). An F statistic is
>= 0; the shared fit cannot be better than the separate ones, so the difference is 0 (F = 0, p = 1).
"""

from __future__ import annotations

import json

from holdout_common import TABLE, run


def test_identical_variants_give_f_zero_not_a_negative_f(tmp_path):
    for name in ("wt.csv", "copy.csv"):
        (tmp_path / name).write_text(TABLE, encoding="utf-8")
    res = run(
        "compare", tmp_path / "wt.csv", tmp_path / "copy.csv", "--law", "michaelis_menten", "--format", "json"
    )
    assert res.exit_code == 0, res.output
    tests = json.loads(res.stdout)["tests"]
    assert [t["parameter"] for t in tests] == ["vmax", "km"]
    for t in tests:
        assert t["f"] >= 0.0 and t["p"] > 0.999 and t["preferred"] == "shared"
    text = run("compare", tmp_path / "wt.csv", tmp_path / "copy.csv", "--law", "michaelis_menten")
    assert "-1." not in text.stdout.split("shared vs separate")[1]
