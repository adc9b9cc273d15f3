"""Hold-out case (edges7, issue 12 "statistics at the edges"): absolute SD weights with one SD
300 orders of magnitude below the others.

Before: ``--weights sd:sd_uM_per_s`` with SDs 0.1-0.2 and one of 1e-300 "did not converge ...
Try --init with better starts" (the wrong reason: no start helps a weight of 1e300 among 10s).
Expected: that row excluded and listed with line and reason, and the fit of the other rows
(the same call on the table without it).
"""

from __future__ import annotations

import json
import math

from holdout_common import run

ROWS = [(0.1, 0.83, 0.1), (0.2, 1.6, 0.1), (0.5, 3.3, 0.1), (1, 4.7, 0.1), (5, 7.1, 0.2), (10, 8.3, 0.2)]


def _fit(tmp_path, rows):
    path = tmp_path / "w.csv"
    path.write_text(
        "s_mM,rate_uM_per_s,sd_uM_per_s\n" + "".join(f"{s},{v},{d}\n" for s, v, d in rows), encoding="utf-8"
    )
    res = run("fit", path, "--law", "michaelis_menten", "--weights", "sd:sd_uM_per_s", "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["fits"][0]


def test_an_sd_far_below_the_others_is_excluded_with_its_reason(tmp_path):
    fit = _fit(tmp_path, [*ROWS, (20, 9.1, 1e-300)])
    assert fit["status"] == "converged"
    (excluded,) = fit["rows"]["excluded"]
    assert excluded["line"] == 8
    assert "is 1e-300, below 1e-8 x the median SD (0.1)" in excluded["reason"]
    without = _fit(tmp_path, ROWS)
    for name in ("vmax", "km"):
        assert math.isclose(
            fit["parameters"][name]["value"], without["parameters"][name]["value"], rel_tol=1e-9
        )
        assert math.isclose(
            fit["parameters"][name]["stderr"], without["parameters"][name]["stderr"], rel_tol=1e-9
        )


def test_curves_of_different_scales_are_checked_apart(tmp_path):
    """The 1e-8 x median rule is per curve: a curve in M/s-sized numbers (SD 1e-10) beside one
    in µM/s-sized numbers (SD 0.1) keeps all its rows; only the 1e-300 SD of curve b goes."""
    rows = [("a", s, 10 * s / (2 + s) * 1e-9, 1e-10) for s in (0.5, 1, 2, 4, 8, 16)]
    rows += [("b", s, 10 * s / (2 + s), 0.1) for s in (0.5, 1, 2, 4, 8, 16, 24)]  # one file median: 0.05
    rows += [("b", 32, 10 * 32 / 34, 1e-300)]
    path = tmp_path / "b.csv"
    path.write_text(
        "curve,s_mM,rate_uM_per_s,sd_uM_per_s\n" + "".join(f"{c},{s},{v!r},{d}\n" for c, s, v, d in rows),
        encoding="utf-8",
    )
    out = tmp_path / "fits.csv"
    args = ("--law", "michaelis_menten", "--curve", "curve", "--weights", "sd:sd_uM_per_s", "--out", out)
    res = run("batch", path, *args)
    assert res.exit_code == 0, res.output
    listing = (tmp_path / "fits.excluded.csv").read_text(encoding="utf-8").splitlines()
    assert len(listing) == 2 and listing[1].startswith("b,15,")  # header + the one row (line 15)
