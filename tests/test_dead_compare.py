"""`compare` with a variant without activity (issue 12 item 4: "compare does not call a parameter
shared when one variant has no activity"; a dead enzyme gives an upper bound, not a ratio of noise).

Expected values are computed here, independently of the package's fits: the wild type's Vmax and
its standard error from scipy's ``curve_fit``, the dead variant's rate limit from the documented
formula ``max(mean_top, 0) + t(q, N - 1) · rms(rates) / sqrt(n_top)``; with two independent one-sided
limits each at ``q = sqrt(0.95)`` the ratio limit ``U / L`` holds jointly at 95 %.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import mgkinetics as mgk
from mgkinetics.report import compare_text
from mgkinetics.report.analyses import comparison_tables

S = np.repeat([0.1, 0.2, 0.5, 1, 2, 5, 10.0], 3)
Q = math.sqrt(0.95)


def _table(seed: int = 3, enzyme: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    wt = 10 * S / (0.8 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    dead = 0.01 * rng.standard_normal(S.size)
    df = pd.DataFrame(
        {"S_mM": np.r_[S, S], "v_uM_per_s": np.r_[wt, dead], "variant": ["wt"] * S.size + ["dead"] * S.size}
    )
    if enzyme:
        df["enzyme_nM"] = 50.0
    return df


def _wt_lower(df) -> float:
    wt = df[df["variant"] == "wt"]
    p, cov = optimize.curve_fit(
        lambda s, vmax, km: vmax * s / (km + s), wt["S_mM"], wt["v_uM_per_s"], p0=(10, 1)
    )
    return p[0] - stats.t.ppf(Q, len(wt) - 2) * math.sqrt(cov[0, 0])


def _dead_upper(df) -> float:
    v = df[df["variant"] == "dead"]["v_uM_per_s"].to_numpy()
    top = S == S.max()
    return max(v[top].mean(), 0.0) + stats.t.ppf(Q, v.size - 1) * np.sqrt(np.mean(v**2)) / np.sqrt(top.sum())


def test_a_dead_variant_gets_an_upper_limit_of_its_activity_ratio_not_a_ratio_of_noise():
    df = _table()
    c = mgk.compare(df, "michaelis_menten", by="variant", reference="wt")
    r = c.ratios["dead"]["vmax"]
    assert r.status == "upper_limit" and math.isnan(r.value) and r.ci_low is None
    assert r.limit == pytest.approx(_dead_upper(df) / _wt_lower(df), rel=1e-4)
    assert c.ratios["dead"]["km"].status == "not_determined"
    assert {q: x.status for q, x in c.ratios["dead"].items() if q != "vmax"} == {
        q: "not_determined" for q in c.ratios["dead"] if q != "vmax"
    }
    assert all(t.preferred != "shared" for t in c.tests)  # never "shared" with a dead variant
    text = compare_text.to_text(c)
    assert f"dead: v(dead at 10 mM)/vmax(wt) ≤ {r.limit:.2g} (one-sided 95%, no activity detected)" in text
    assert "km(dead)/km(wt) not determined (no activity detected)" in text
    assert "0.00009" not in text
    html = compare_text.to_html(c)
    assert f"≤ {r.limit:.2g}" in html and "not determined" in html
    out = json.loads(compare_text.to_json(c))["ratios"]["vmax"]
    assert (
        out["status"] == "upper_limit" and out["value"] is None and out["limit"] == r.limit
    )  # full precision
    ratios = {t.name: t for t in comparison_tables("cmp", c)}["cmp_ratios"]
    assert ratios.columns[-2:] == ("status", "limit")
    row = next(row for row in ratios.rows if row[:2] == ("dead", "vmax"))
    assert row[-2:] == ("upper_limit", r.limit)
    cells = next(cell for cell in ratios.cells if cell[:2] == ("dead", "vmax"))
    assert cells[2] == f"≤ {r.limit:.2g}"  # Markdown and HTML show what the text shows


def test_with_kcat_the_ddg_is_a_lower_limit():
    df = _table(enzyme=True)
    c = mgk.compare(df, "michaelis_menten_kcat", by="variant", reference="wt", enzyme="enzyme_nM")
    r, d = c.ratios["dead"]["kcat"], c.ddg["dead"]["kcat"]
    # v/[E] over kcat: the enzyme concentration cancels, so the limit is that of the rates
    assert r.status == "upper_limit" and r.limit == pytest.approx(_dead_upper(df) / _wt_lower(df), rel=1e-4)
    rt = 8.314462618 / 4184.0 * (25 + 273.15)
    assert d.status == "lower_limit" and d.limit == pytest.approx(-rt * math.log(r.limit), rel=1e-12)
    assert c.ddg["dead"]["kcat_over_km"].status == "not_determined"
    assert f"ΔΔG‡ ≥ {d.limit:.2g} kcal/mol" in compare_text.to_text(c)


def test_a_dead_reference_makes_every_ratio_not_determined():
    c = mgk.compare(_table(), "michaelis_menten", by="variant", reference="dead")
    assert {r.status for r in c.ratios["wt"].values()} == {"not_determined"}
    assert "vmax(wt)/vmax(dead) not determined (no activity in dead)" in compare_text.to_text(c)


def test_active_variants_keep_their_ratios():
    df = _table()
    rng = np.random.default_rng(9)
    df.loc[df["variant"] == "dead", "v_uM_per_s"] = (
        2 * S / (0.8 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    )
    c = mgk.compare(df, "michaelis_menten", by="variant", reference="wt")
    r = c.ratios["dead"]["vmax"]
    assert r.status == "estimated" and r.value == pytest.approx(0.2, rel=0.05) and r.limit is None
    assert "status" not in {t.name: t for t in comparison_tables("cmp", c)}["cmp_ratios"].columns
