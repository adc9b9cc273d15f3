"""Fits do not depend on the scale of the data (issue 12, build item 4).

Rates, and separately concentrations, multiplied by 1e-30 and 1e+30 must give the same fit as the
unscaled data: parameters scaled accordingly, the same relative standard errors (to 1e-6), the same
status, and the same profile limits, in ``fit``, ``fit_many``, ``fit_global`` (with its profile),
``compare`` and ``compare --ci profile`` (library and CLI). Expected values: the same call on the
unscaled data (the data are exact multiples, so the answer must be too).
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.stats.global_profile import apply_global_profile

S = np.array([0.5, 1, 2, 4, 8, 16.0, 32, 64])
WOBBLE = 1 + 0.02 * np.array([1, -1, 0.5, -0.3, 0.8, -1, 0.2, 0.4])
REL = 1e-6
#: (rate factor, concentration factor)
FACTORS = [(1e-30, 1.0), (1e30, 1.0), (1.0, 1e-30), (1.0, 1e30)]

#: Laws and their truth (substrate in mM, rates in uM/s); which parameters carry which scale.
LAWS = {
    "michaelis_menten": lambda s: 10 * s / (2 + s),
    "substrate_inhibition": lambda s: 10 * s / (2 + s + s * s / 40),
    "hill": lambda s: 10 * s**1.5 / (2**1.5 + s**1.5),
}
RATE_SCALED = {"vmax"}
CONC_SCALED = {"km", "ksi", "k_half"}


def _frame(law: str, fy: float, fx: float) -> pd.DataFrame:
    rows = []
    for variant, activity in (("wt", 1.0), ("mut", 0.4)):
        for i, s in enumerate(S):
            rows.append((variant, s * fx, LAWS[law](s) * activity * WOBBLE[i] * fy))
    return pd.DataFrame(rows, columns=["variant", "s_mM", "rate_uM_per_s"])


def _factor(name: str, fy: float, fx: float) -> float:
    base = name.split("[")[0]
    return fy if base in RATE_SCALED else fx if base in CONC_SCALED else 1.0


def _same_estimates(scaled, base, fy, fx, names=None):
    for name in names or base:
        f = _factor(name, fy, fx)
        b, s = base[name], scaled[name]
        assert s.value / f == pytest.approx(b.value, rel=REL), name
        assert s.stderr / abs(s.value) == pytest.approx(b.stderr / abs(b.value), rel=REL), name


@pytest.mark.parametrize("law", list(LAWS))
@pytest.mark.parametrize("fy, fx", FACTORS)
def test_fit_and_fit_many_are_invariant_to_the_scale_of_the_data(law, fy, fx):
    base_df, scaled_df = _frame(law, 1.0, 1.0), _frame(law, fy, fx)
    one = base_df[base_df.variant == "wt"][["s_mM", "rate_uM_per_s"]]
    one_scaled = scaled_df[scaled_df.variant == "wt"][["s_mM", "rate_uM_per_s"]]
    base, scaled = mgk.fit(one, law), mgk.fit(one_scaled, law)
    assert base.status == scaled.status == "converged"
    _same_estimates(scaled.parameters, base.parameters, fy, fx)

    many_base = mgk.fit_many(base_df, law, curve="variant")
    many = mgk.fit_many(scaled_df, law, curve="variant")
    fb, fs = many_base.to_frame(), many.to_frame()
    assert list(fs["status"]) == list(fb["status"]) == ["converged", "converged"]
    for name in base.parameters:
        col = (
            name if name in fb.columns else f"{name}_{base.parameters[name].unit.label.replace('/', '_per_')}"
        )
        f = _factor(name, fy, fx)
        np.testing.assert_allclose(fs[col] / f, fb[col], rtol=REL)
        se = col + "_stderr"
        np.testing.assert_allclose(fs[se] / fs[col], fb[se] / fb[col], rtol=REL)


@functools.cache
def _profiled_global_fit(fy: float, fx: float):
    """Substrate inhibition of two variants with KM shared, every key profiled."""
    law, df = "substrate_inhibition", _frame("substrate_inhibition", fy, fx)
    probs = [build_problems(df[df.variant == v][["s_mM", "rate_uM_per_s"]], law)[0][0] for v in ("wt", "mut")]
    return apply_global_profile(fit_global(probs, ["km"], labels=["wt", "mut"]))


@pytest.mark.parametrize("fy, fx", FACTORS)
def test_global_fit_and_its_profile_are_invariant_to_the_scale_of_the_data(fy, fx):
    base, scaled = _profiled_global_fit(1.0, 1.0), _profiled_global_fit(fy, fx)
    assert base.status == scaled.status == "converged"
    _same_estimates(scaled.parameters, base.parameters, fy, fx)
    for name, b in base.parameters.items():
        s, f = scaled.parameters[name], _factor(name, fy, fx)
        assert s.ci_method == b.ci_method and s.ci_method.startswith("profile")
        assert (s.ci_low / f, s.ci_high / f) == (
            pytest.approx(b.ci_low, rel=REL),
            pytest.approx(b.ci_high, rel=REL),
        )


@pytest.mark.parametrize("ci", ["asymptotic", "profile"])
@pytest.mark.parametrize("fy, fx", FACTORS)
def test_compare_is_invariant_to_the_scale_of_the_data(fy, fx, ci):
    law = "michaelis_menten"
    base = mgk.compare(_frame(law, 1.0, 1.0), law, by="variant", reference="wt", ci=ci)
    scaled = mgk.compare(_frame(law, fy, fx), law, by="variant", reference="wt", ci=ci)
    for variant in ("wt", "mut"):
        assert scaled.fits[variant].status == base.fits[variant].status == "converged"
        _same_estimates(scaled.fits[variant].parameters, base.fits[variant].parameters, fy, fx)
    for name, b in base.ratios["mut"].items():
        s = scaled.ratios["mut"][name]
        assert s.ci_method == b.ci_method == ci.replace("asymptotic", "delta-log")
        assert (s.value, s.ci_low, s.ci_high) == (
            pytest.approx(b.value, rel=REL),
            pytest.approx(b.ci_low, rel=REL),
            pytest.approx(b.ci_high, rel=REL),
        )
    assert [t.preferred for t in scaled.tests] == [t.preferred for t in base.tests]


@pytest.mark.parametrize("fy, fx", [(1e-30, 1.0), (1.0, 1e30)])
def test_compare_ci_profile_on_the_command_line_is_invariant_to_the_scale(tmp_path, fy, fx):
    out = {}
    for tag, (a, b) in (("base", (1.0, 1.0)), ("scaled", (fy, fx))):
        path = tmp_path / f"{tag}.csv"
        _frame("michaelis_menten", a, b).to_csv(path, index=False)
        res = CliRunner().invoke(
            cli,
            [
                "compare",
                str(path),
                "--law",
                "michaelis_menten",
                "--reference",
                "wt",
                "--ci",
                "profile",
                "--format",
                "json",
            ],
        )
        assert res.exit_code == 0, res.output
        out[tag] = json.loads(res.stdout)
    for name, b in out["base"]["ratios"].items():
        s = out["scaled"]["ratios"][name]
        assert s["ci_method"] == b["ci_method"] == "profile"
        for key in ("value", "ci_low", "ci_high"):
            assert s[key] == pytest.approx(b[key], rel=REL), (name, key)
