"""Profile intervals on a hold-out design (issue 12): KM 20x beyond the highest concentration, so
vmax and KM correlate above 0.9999 and the fit is ``not_bounded``; the CLI's profile limits of vmax,
KM and the determined slope vmax/KM must equal an independent dense 1-D profile (scipy, written
here) to 4 significant digits (issue 12, Done-when 2)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli
from scipy import optimize, stats

S = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0])


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    rng = np.random.default_rng(4)
    v = 50.0 * S / (60.0 + S) * (1 + 0.01 * rng.standard_normal(S.size))
    path = tmp_path_factory.mktemp("profile") / "far.csv"
    path.write_text(
        "s_mM,rate_uM_per_s\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(S.tolist(), v.tolist()))
    )
    res = CliRunner().invoke(
        cli, ["fit", str(path), "--law", "michaelis_menten", "--ci", "profile", "--format", "json"]
    )
    assert res.exit_code == 2 and "not bounded by the data" in res.stderr  # the JSON is still written
    (fit,) = json.loads(res.stdout)["fits"]
    return v, fit


def rss(v, vmax, km):
    return float(np.sum((v - vmax * S / (km + S)) ** 2))


def profile(v, fixed: str, value: float) -> float:
    """Minimum RSS with one quantity fixed, the other free (bounded 1-D search over log KM)."""
    if fixed == "km":  # vmax enters linearly: its least-squares value in closed form
        x = S / (value + S)
        return rss(v, float(x @ v / (x @ x)), value)
    vmax_of = (lambda km: value) if fixed == "vmax" else (lambda km: value * km)  # vmax_over_km
    found = optimize.minimize_scalar(
        lambda lk: rss(v, vmax_of(math.exp(lk)), math.exp(lk)), bounds=(-10, 25), method="bounded",
        options={"xatol": 1e-11},
    )  # fmt: skip
    return found.fun


@pytest.mark.parametrize("name", ["vmax", "km", "vmax_over_km"])
def test_profile_limits_equal_a_dense_profile(case, name):
    v, fit = case
    est = fit["parameters"].get(name) or fit["derived"][name]
    vmax, km = fit["parameters"]["vmax"]["value"], fit["parameters"]["km"]["value"]
    jac = np.column_stack([S / (km + S), -vmax * S / (km + S) ** 2])
    cov = np.linalg.inv(jac.T @ jac)
    assert abs(cov[0, 1]) / math.sqrt(cov[0, 0] * cov[1, 1]) > 0.9999
    n, p = S.size, 2
    crit = rss(v, vmax, km) * (1 + stats.f.ppf(0.95, 1, n - p) / (n - p))  # F-based, sigma estimated
    # the slope is reported per uM (1/s): the data's uM/s per mM is that times this factor
    factor = vmax / km / est["value"] if name == "vmax_over_km" else 1.0
    grid = est["value"] * np.logspace(-1.5, 1.5, 301)
    inside = np.array([profile(v, name, g * factor) for g in grid]) <= crit
    assert inside.any() and not inside[0] and not inside[-1]  # both limits closed within the grid
    i, j = np.argmax(inside), len(inside) - 1 - np.argmax(inside[::-1])
    low, high = (
        optimize.brentq(lambda g: profile(v, name, g * factor) - crit, a, b, xtol=1e-14 * est["value"])
        for a, b in ((grid[i - 1], grid[i]), (grid[j], grid[j + 1]))
    )
    assert (est["ci_low_status"], est["ci_high_status"]) == ("closed", "closed")
    assert est["ci_low"] == pytest.approx(low, rel=5e-5)  # 4 significant digits
    assert est["ci_high"] == pytest.approx(high, rel=5e-5)
