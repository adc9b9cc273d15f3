"""Hold-out cases (edges7, issue 12 "statistics at the edges"): fewer distinct concentrations than
fitted parameters.

Before: six replicates at one concentration (2 mM) gave status ``not_bounded`` with the reason
"km runs beyond 10x the highest concentration ... only the initial slope is determined" and a
vmax/km of 0.0028 1/s: the wrong reason, and a slope one level cannot give. A Hill fit to two
levels said the same. Expected: ``not_identifiable``, the reason naming the one column and its
level(s), no initial slope reported; two levels with replicates still fit Michaelis–Menten
(2 levels for 2 parameters: the curve through the two means).
"""

from __future__ import annotations

import json
import math

from holdout_common import TABLE, S, run

import mgkinetics as mgk


def _write(tmp_path, rows):
    path = tmp_path / "x.csv"
    path.write_text("s_mM,rate_uM_per_s\n" + "".join(f"{s},{v}\n" for s, v in rows), encoding="utf-8")
    return path


def test_replicates_at_one_concentration_are_not_identifiable_not_unbounded(tmp_path):
    path = _write(tmp_path, [(2, 5 + 0.1 * i) for i in range(6)])
    res = run("fit", path, "--law", "michaelis_menten", "--format", "json")
    assert res.exit_code == 2
    fit = json.loads(res.stdout)["fits"][0]
    assert fit["status"] == "not_identifiable" and fit["success"] is False
    assert fit["status_reason"].startswith("every row has the same s_mM (2 mM): 2 fitted parameters")
    assert "vmax_over_km" not in fit["derived"]
    assert "KM → ∞" not in res.stderr and "every row has the same s_mM" in res.stderr


def test_two_levels_are_too_few_for_hill_but_enough_for_michaelis_menten(tmp_path):
    # the means are 5.0333 at 2 mM and 8 at 8 mM; the MM curve through them: Vmax 9.955, KM 1.956
    rows = [(2, 5), (2, 5.2), (2, 4.9), (8, 8)]
    hill = mgk.fit(_write(tmp_path, rows), "hill")
    assert hill.status == "not_identifiable"
    assert hill.status_reason.startswith("the rows hold only 2 different values of s_mM: 3 fitted")
    mm = mgk.fit(_write(tmp_path, rows), "michaelis_menten")
    assert mm.status == "converged"
    m2, m8 = (5 + 5.2 + 4.9) / 3, 8.0
    km = (m8 - m2) / (m2 / 2 - m8 / 8)  # solves m = V s/(K + s) at both levels
    vmax = m8 * (km + 8) / 8
    assert math.isclose(mm.parameters["km"].value, km, rel_tol=1e-6)
    assert math.isclose(mm.parameters["vmax"].value, vmax, rel_tol=1e-6)


def test_negative_rates_are_said_to_be_negative_not_no_activity(tmp_path):
    """Before: the table's rates with their sign flipped (-0.5 ... -9.1 uM/s, a falling signal's
    slopes) were "no activity detected ... check the assay". Expected: not_identifiable, the
    reason counting the negative rates and giving their median (computed here), and the fix."""
    rows = [(float(s), -float(v)) for s, v in (line.split(",") for line in TABLE.splitlines()[1:])]
    fit = mgk.fit(_write(tmp_path, rows), "michaelis_menten")
    assert fit.status == "not_identifiable"
    rates = sorted(v for _, v in rows)
    median = (rates[3] + rates[4]) / 2
    assert fit.status_reason.startswith(f"8 of 8 rates are negative (median {median:g} uM/s)")
    assert "give them as positive numbers" in fit.status_reason


def test_noise_around_zero_is_still_no_activity(tmp_path):
    rows = [(s, 0.01 * ((i % 3) - 1) - 0.001) for i, s in enumerate(S)]  # median < 0, mean ~ 0
    fit = mgk.fit(_write(tmp_path, rows), "michaelis_menten")
    assert fit.status == "not_identifiable"
    assert fit.status_reason.startswith("no activity detected")


def test_an_inhibitor_that_is_zero_in_every_row_leaves_ki_undetermined(tmp_path):
    """Before: a competitive fit with the inhibitor column 0 throughout was ``not_bounded``: "ki
    runs beyond 10x the highest concentration of its input" (10x 0), its start value (1 uM) shown
    as the estimate. Expected: not_identifiable naming the column; with ki fixed, vmax and km are
    the Michaelis–Menten fit of the same rows."""
    path = tmp_path / "ci.csv"
    rates = [line.split(",")[1] for line in TABLE.splitlines()[1:]]
    path.write_text("s_mM,i_uM,rate_uM_per_s\n" + "".join(f"{s},0,{v}\n" for s, v in zip(S, rates)))
    fit = mgk.fit(path, "competitive")
    assert fit.status == "not_identifiable"
    assert fit.status_reason.startswith("every row has i_uM = 0, so ki is not determined")
    held = mgk.fit(path, "competitive", fix={"ki": 1.0})
    mm = mgk.fit(path, "michaelis_menten")
    assert held.status == "converged"
    for name in ("vmax", "km"):
        assert math.isclose(held.parameters[name].value, mm.parameters[name].value, rel_tol=1e-6)
