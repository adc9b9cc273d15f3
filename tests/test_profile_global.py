"""Exact profiles for global fits with shared parameters (stats.global_profile), issue 12 item 5.

Two Michaelis–Menten data sets, KM shared and Vmax local. Every profiled key is compared with
the independent brute-force profile of tests/profile_reference.py (the stacked model restated in
numpy; at every trial value the other keys re-optimised over both data sets from many starts) to
4 significant digits (rel 5e-5).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from profile_reference import brute_limits, brute_profile

from mgkinetics.errors import FitError
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.stats.global_profile import GLOBAL_METHOD, profile_global

REL = 5e-5
LABELS = ("A", "B")


def _sets(case: str):
    if case == "bound":  # rates fall slightly with s in both sets: the shared KM sits at 0
        s = np.array([0.5, 1, 2, 4, 8, 16.0])
        return [
            (s, 10 + np.array([0.3, 0.2, 0.25, -0.1, 0.05, -0.1])),
            (s, 5 + np.array([0.1, 0.15, -0.05, -0.1, 0.05, -0.1])),
        ]
    if case == "easy":
        s, km, seed = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32.0]), 2.0, 1
    else:  # KM (~36 mM) far beyond both data sets (s <= 3 mM): correlation 0.9998
        s, km, seed = np.array([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2.0, 2.5, 3]), 60.0, 2
    rng = np.random.default_rng(seed)
    return [(s, vm * s / (km + s) * (1 + 0.03 * rng.standard_normal(s.size))) for vm in (10.0, 5.0)]


def _global_fit(data, law="michaelis_menten", extra=None, ci="asymptotic"):
    probs = [build_problems({"s_mM": s, "rate_uM_per_s": v, **(extra or {})}, law)[0][0] for s, v in data]
    return fit_global(probs, ["km"], labels=LABELS, ci=ci)


def _brute(data, res, key, crit):
    """Brute-force limits of ``key``: the stacked MM residuals, the other keys free."""
    names = list(res.covariance_names)
    free = [n for n in names if n != key]
    best = {k: e.value for k, e in res.parameters.items()}

    def resid(t, x):
        th = dict(zip(free, x, strict=True))
        th[key] = t
        return np.concatenate(
            [v - th[f"vmax[{lb}]"] * s / (th["km"] + s) for (s, v), lb in zip(data, LABELS, strict=True)]
        )

    S = brute_profile(
        resid, np.array([best[n] for n in free]), np.zeros(len(free)), np.full(len(free), np.inf), n_starts=4
    )
    return brute_limits(S, best[key], res.parameters[key].stderr, crit, lower=0.0)


@pytest.mark.parametrize(
    "case, keys",
    [("easy", ("km",)), ("corr0.9998", ("km", "vmax[A]")), ("bound", ("km", "vmax[B]"))],
)
def test_global_profile_limits_match_brute_force(case, keys):
    data = _sets(case)
    res = _global_fit(data)
    if case == "corr0.9998":
        assert res.correlation("km", "vmax[A]") > 0.9995
    for key in keys:
        prof = profile_global(res, key)
        assert prof.unsettled == 0 and prof.ci_method == GLOBAL_METHOD
        low, high = _brute(data, res, key, prof.threshold)
        if low is None:  # the shared KM at its bound 0: nothing below it
            assert case == "bound" and key == "km"
            assert prof.low is None and prof.low_status == "bound"
        else:
            assert prof.low == pytest.approx(low, rel=REL)
        assert prof.high == pytest.approx(high, rel=REL)


def test_fit_global_ci_profile_updates_keys_and_parts():
    data = _sets("easy")
    res = _global_fit(data, ci="profile")
    km = res.parameters["km"]
    assert km.ci_method == GLOBAL_METHOD and km.ci_low < km.value < km.ci_high
    alone = profile_global(_global_fit(data), "km")
    assert (km.ci_low, km.ci_high) == (
        pytest.approx(alone.low, rel=1e-9),
        pytest.approx(alone.high, rel=1e-9),
    )
    for part, label in zip(res.parts, LABELS, strict=True):
        assert part.parameters["km"].ci_low == km.ci_low  # the part's view of the shared key
        local = res.parameters[f"vmax[{label}]"]
        assert part.parameters["vmax"].ci_high == local.ci_high and local.ci_method == GLOBAL_METHOD
    with pytest.raises(FitError, match="unknown interval method 'bootstrap' for a global fit"):
        _global_fit(data, ci="bootstrap")
    with pytest.raises(FitError, match="no fitted quantity 'ki'"):
        profile_global(res, "ki")


def test_part_derived_kcat_over_km_is_profiled_over_all_data_sets():
    """kcat local, KM shared: kcat/KM of set A = kcat[A]/km, by substitution, others free."""
    data = _sets("easy")
    e_uM = 5e-3
    res = _global_fit(data, law="michaelis_menten_kcat", extra={"enzyme_nM": np.full(8, 5.0)}, ci="profile")
    eff = res.parts[0].derived["kcat_over_km"]
    assert eff.ci_method.startswith("profile (global; kcat[A] = ρ·km")
    best = {k: e.value for k, e in res.parameters.items()}

    def resid(rho, x):  # x = (km, kcat[B]); kcat[A] = rho·km
        (sa, va), (sb, vb) = data
        return np.concatenate(
            [va - rho * x[0] * e_uM * sa / (x[0] + sa), vb - x[1] * e_uM * sb / (x[0] + sb)]
        )

    prof = profile_global(res, "kcat_over_km[A]")
    S = brute_profile(
        resid, np.array([best["km"], best["kcat[B]"]]), [0.0, 0.0], [np.inf, np.inf], n_starts=4
    )
    rho = best["kcat[A]"] / best["km"]
    low, high = brute_limits(S, rho, 0.02 * rho, prof.threshold, lower=0.0)
    assert eff.ci_low == pytest.approx(low * 1e3, rel=REL)  # 1/(mM*s) -> 1/(M*s)
    assert eff.ci_high == pytest.approx(high * 1e3, rel=REL)


def test_cli_fit_shared_with_ci_profile(tmp_path):
    from mgkinetics_cli.main import cli

    files = []
    for (s, v), label in zip(_sets("easy"), LABELS, strict=True):
        path = tmp_path / f"{label}.csv"
        path.write_text(
            "s_mM,rate_uM_per_s\n"
            + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(s, v, strict=True))
        )
        files.append(str(path))
    runner = CliRunner()
    out = runner.invoke(
        cli,
        ["fit", *files, "--law", "michaelis_menten", "--shared", "km", "--ci", "profile", "--format", "json"],
    )
    assert out.exit_code == 0, out.output
    km = json.loads(out.stdout)["parameters"]["km"]
    assert km["ci_method"] == GLOBAL_METHOD and km["ci_low"] < km["value"] < km["ci_high"]
    bad = runner.invoke(
        cli, ["fit", *files, "--law", "michaelis_menten", "--shared", "km", "--ci", "bootstrap"]
    )
    assert bad.exit_code == 2 and "no bootstrap for global fits" in bad.output
