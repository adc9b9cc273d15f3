"""Profile status on every estimate (tables, JSON) and ``FitResult.profile`` (issue 12, item 5).

Expected values: the profile engine's own answers (``profile_parameter``, ``profile_derived``,
checked against brute-force profiles in test_profile_derived.py); ``res.profile`` must return
exactly what they return, and the fit's ``ci="profile"`` estimates must carry the same limits and
each side's status.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.errors import FitError
from mgkinetics.report.text import fits_to_csv
from mgkinetics.stats.derived_profile import profile_derived
from mgkinetics.stats.profile_quantities import profile_parameter

S = np.array([0.5, 1, 2, 4, 8, 16.0])
WOBBLE = 1 + 0.02 * np.array([1, -1, 0.5, -0.3, 0.8, -1])
ORDINARY = {"s_mM": S, "rate_uM_per_s": 10 * S / (2 + S) * WOBBLE}
LINEAR = {"s_mM": S, "rate_uM_per_s": 2.0 * S * WOBBLE[::-1]}  # KM -> infinity: the upper sides open


def test_profile_estimates_carry_each_sides_status_in_json_and_tables():
    res = mgk.fit(LINEAR, "michaelis_menten", ci="profile")
    km, slope = res.parameters["km"], res.derived["vmax_over_km"]
    assert (km.ci_low_status, km.ci_high_status) == ("closed", "open") and km.ci_high is None
    assert (slope.ci_low_status, slope.ci_high_status) == ("closed", "closed")
    js = res.to_dict()["parameters"]["km"]
    assert (js["ci_low_status"], js["ci_high_status"]) == ("closed", "open")
    frame = res.to_frame().set_index("name")
    assert (
        frame.loc["km", "ci_high_status"] == "open"
        and frame.loc["vmax_over_km", "ci_high_status"] == "closed"
    )
    header, *rows = fits_to_csv(res).splitlines()
    cols = header.split(",")
    km_row = dict(zip(cols, next(r for r in rows if ",km," in r).split(",")))
    assert (km_row["ci_low_status"], km_row["ci_high_status"]) == ("closed", "open")
    # asymptotic intervals have no profile status
    plain = mgk.fit(ORDINARY, "michaelis_menten")
    assert (
        plain.parameters["km"].ci_low_status == ""
        and "ci_low_status" not in plain.to_dict()["parameters"]["km"]
    )


def test_cli_fit_json_shows_the_profile_status(tmp_path):
    path = tmp_path / "linear.csv"
    path.write_text(
        "s_mM,rate_uM_per_s\n" + "".join(f"{float(s)!r},{float(v)!r}\n" for s, v in zip(*LINEAR.values()))
    )
    res = CliRunner().invoke(
        cli, ["fit", str(path), "--law", "michaelis_menten", "--ci", "profile", "--format", "json"]
    )
    assert res.exit_code == 2 and "not bounded by the data" in res.stderr  # the JSON is written all the same
    km = json.loads(res.stdout)["fits"][0]["parameters"]["km"]
    assert (km["ci_low_status"], km["ci_high_status"]) == ("closed", "open")


@pytest.mark.parametrize("data", [ORDINARY, LINEAR], ids=["ordinary", "km_beyond"])
def test_result_profile_of_a_parameter_is_the_engines_profile(data):
    res = mgk.fit(data, "michaelis_menten")
    for name in ("vmax", "km"):
        prof = res.profile(name)
        ref = profile_parameter(res, None, name)
        assert (prof.low, prof.high, prof.low_status, prof.high_status) == (
            ref["low"],
            ref["high"],
            ref["low_kind"],
            ref["high_kind"],
        )
        assert prof.unit == res.parameters[name].unit and prof.value == res.values[name]
    # the fit's own ci="profile" says the same
    prof_fit = mgk.fit(data, "michaelis_menten", ci="profile").parameters["km"]
    km = res.profile("km")
    assert (prof_fit.ci_low, prof_fit.ci_high) == (km.low, km.high)
    assert (prof_fit.ci_low_status, prof_fit.ci_high_status) == (km.low_status, km.high_status)


def test_result_profile_of_derived_quantities():
    res = mgk.fit(ORDINARY, "michaelis_menten")
    slope = res.profile("vmax/km")  # (uM/s)/mM: reported in 1/s, as fit reports Vmax/KM
    ref = profile_derived(res, "vmax_over_km")
    assert (slope.low, slope.high, slope.unit.label) == (ref.low, ref.high, "1/s")
    assert slope.value == pytest.approx(res.values["vmax"] / res.values["km"] * 1e-3, rel=1e-12)
    eff = res.profile("kcat_over_km", enzyme="10 nM")
    assert eff.bounded and eff.unit.label == "1/(M*s)"
    assert eff.low == profile_derived(res, "kcat_over_km", enzyme="10 nM").low
    fixed = mgk.fit(ORDINARY, "michaelis_menten", fix={"km": 2.0})
    with pytest.raises(FitError, match="not fitted"):
        fixed.profile("km")
