"""A data set without activity inside a global fit, and the text of a fit without activity
(issue 12 item 4: "a dead enzyme gives kcat = 0 with an upper bound, or a clear message").

The dead set's rates are noise of SD 0.01 around 0; the wild type follows Michaelis–Menten with
3 % noise. Expected values are computed here from the data: the F test of the dead set's own curve
(shared KM held at the joint fit) against v = 0 with scipy, and the upper limit by the documented
formula ``max(mean_top, 0) + t(0.95, N - 1) · rms(rates) / sqrt(n_top)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import mgkinetics as mgk
from mgkinetics.report.display import estimate_status

S = np.repeat([0.1, 0.2, 0.5, 1, 2, 5, 10.0], 3)


def _table(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    wt = 10 * S / (0.8 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    dead = 0.01 * rng.standard_normal(S.size)
    return pd.DataFrame(
        {"S_mM": np.r_[S, S], "v_uM_per_s": np.r_[wt, dead], "variant": ["wt"] * S.size + ["dead"] * S.size}
    )


def _limit(rates: np.ndarray) -> float:
    top = S == S.max()
    rms = np.sqrt(np.mean(rates**2))
    return max(rates[top].mean(), 0.0) + stats.t.ppf(0.95, rates.size - 1) * rms / np.sqrt(top.sum())


@pytest.mark.parametrize("seed", [3, 11])
def test_a_dead_set_in_a_global_fit_is_not_identifiable_with_its_limit(seed):
    df = _table(seed)
    g = mgk.fit_shared(df, "michaelis_menten", shared=["km"], group="variant")
    wt_rates, dead_rates = df["v_uM_per_s"].to_numpy()[: S.size], df["v_uM_per_s"].to_numpy()[S.size :]
    # the dead set's own curve with km held at the wild type's (the active set's fit, made here with
    # scipy): vmax by linear least squares, at its bound 0 if negative, its SE from its own rows;
    # then the F test of that curve (vmax removed) against v = 0
    (_, km), _ = optimize.curve_fit(lambda s, vmax, km: vmax * s / (km + s), S, wt_rates, p0=(10, 1))
    x = S / (km + S)
    vmax = max(float(x @ dead_rates / (x @ x)), 0.0)
    rss = float(np.sum((dead_rates - vmax * x) ** 2))
    assert g.parameters["vmax[set1:dead]"].value == pytest.approx(vmax, abs=1e-9)
    assert g.parameters["vmax[set1:dead]"].stderr == pytest.approx(
        np.sqrt(rss / (S.size - 1) / (x @ x)), rel=1e-4
    )
    assert g["set1:dead"].statistics.rss == pytest.approx(rss, rel=1e-6)
    f = ((np.sum(dead_rates**2) - rss) / 1) / (rss / (S.size - 1))
    assert stats.f.sf(f, 1, S.size - 1) > 0.05
    (shown,) = re.findall(rf"F\(1, {S.size - 1}\) = ([0-9.e+-]+)", str(g.warnings[0]))
    assert float(shown) == pytest.approx(max(f, 0.0), rel=5e-3, abs=1e-9)  # 3 significant digits
    assert g.status == "not_identifiable" and not g.success
    assert g.status_reason.startswith("set1:dead: no activity detected")
    assert "the shared km is determined by set1:wt alone" in g.status_reason
    assert "come from the fit of set1:wt without set1:dead" in g.status_reason
    assert g.excluded_sets == ("set1:dead",)
    (dead,) = [w for w in g.warnings if w.code == "no_activity"]
    assert dead.details["parameters"] == ("vmax[set1:dead]",) and dead.details["label"] == "set1:dead"
    assert dead.details["upper"] == pytest.approx(_limit(dead_rates), rel=1e-12)
    status = estimate_status(g.parameters["vmax[set1:dead]"], g.warnings)
    assert status.startswith("not identifiable: no activity (v ≤ ") and "at 10 mM, one-sided 95%" in status
    assert estimate_status(g.parameters["km"], g.warnings) == ""  # determined by the wild type
    text = str(g)
    assert "at a bound" not in text and "sits at its lower bound" not in text


def _revived(df, vmax: float, *, seed: int):
    """``df`` with the "dead" variant's rates replaced by an active MM curve (KM 0.8, 3 % noise)."""
    rng = np.random.default_rng(seed)
    df.loc[df["variant"] == "dead", "v_uM_per_s"] = (
        vmax * S / (0.8 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    )
    return df


def test_active_sets_in_a_global_fit_are_not_called_dead():
    g = mgk.fit_shared(_revived(_table(), 2.0, seed=7), "michaelis_menten", shared=["km"], group="variant")
    assert g.status == "converged" and "no_activity" not in [w.code for w in g.warnings]


def test_a_single_dead_fit_shows_one_verdict_and_keeps_the_codes():
    rates = _table(3)["v_uM_per_s"].to_numpy()[S.size :]  # the dead set above: KM runs to its bound 0
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": rates}, "michaelis_menten")
    codes = [w.code for w in res.warnings]
    assert res.status == "not_identifiable" and "no_activity" in codes
    assert {"poorly_determined", "at_bound"} <= set(codes)  # the per-parameter warnings stay in the result
    text = str(res)
    assert "is not determined by these data (relative standard error" not in text
    assert "sits at its lower bound" not in text
    assert text.count("no activity detected: the law fits") == 1  # once: the status line
    rows = {line.split()[0]: line for line in text.splitlines()[2:5]}
    assert "not identifiable: no activity (v ≤ " in rows["vmax"]
    assert "not determined (no activity)" in rows["km"]
    (limit,) = re.findall(r"v ≤ ([0-9.e+-]+) uM/s", rows["vmax"])
    assert float(limit) == pytest.approx(_limit(rates), rel=5e-3)  # 3 significant digits


def test_estimate_status_checks_the_error_before_the_bound_and_reads_codes():
    from mgkinetics.errors import FitWarning
    from mgkinetics.fitting.estimate import Estimate

    at_zero = Estimate("vmax", 0.0, 0.043, -0.087, 0.087, mgk.units.parse_unit("uM/s"))
    bound = FitWarning(
        "at_bound", "vmax = 0 uM/s sits at its lower bound (0)", parameter="vmax", bound="lower"
    )
    assert estimate_status(at_zero, [bound]) == "not bounded by the data"  # SE > |value| = 0
    tight = Estimate("km", 1e-9, 1e-12, 0.0, 3e-12, mgk.units.parse_unit("mM"))
    worded = "km = 1e-09 mM sits at its lower bound (0)"  # the text alone (no code) is not a bound
    assert estimate_status(tight, [worded]) == ""
    coded = FitWarning("at_bound", worded, parameter="km", bound="lower")
    assert estimate_status(tight, [coded]) == "at a bound"


def _three_sets(seed: int = 5) -> pd.DataFrame:
    """Two active variants sharing KM and the dead one of :func:`_table`."""
    rng = np.random.default_rng(seed + 100)  # not the wild type's noise: mut is no copy of it
    df = _table(seed)
    mut = 3 * S / (0.8 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    extra = pd.DataFrame({"S_mM": S, "v_uM_per_s": mut, "variant": ["mut"] * S.size})
    return pd.concat([df, extra], ignore_index=True)


@pytest.mark.parametrize("seed", [3, 11])
def test_a_dead_set_does_not_inform_the_shared_parameters(seed):
    df = _three_sets(seed)
    g = mgk.fit_shared(df, "michaelis_menten", shared=["km"], group="variant")
    active = mgk.fit_shared(df[df["variant"] != "dead"], "michaelis_menten", shared=["km"], group="variant")
    assert active.status == "converged" and g.status == "not_identifiable"
    for key, e in active.parameters.items():  # the shared km and each active set's own vmax
        assert g.parameters[key].value == pytest.approx(e.value, rel=1e-6)
        assert g.parameters[key].stderr == pytest.approx(e.stderr, rel=1e-6)
        assert (g.parameters[key].ci_low, g.parameters[key].ci_high) == pytest.approx(
            (e.ci_low, e.ci_high), rel=1e-6
        )
    # the joint fit of all three sets (scipy) pools the dead set's residuals: another km SE
    rates = df["v_uM_per_s"].to_numpy()
    groups = {v: i for i, v in enumerate(dict.fromkeys(df["variant"]))}
    which = df["variant"].map(groups).to_numpy()
    _, cov = optimize.curve_fit(
        lambda x, a, b, c, km: np.array([a, b, c])[which] * x / (km + x), df["S_mM"], rates, p0=(10, 0, 3, 1)
    )
    assert g.parameters["km"].stderr != pytest.approx(np.sqrt(cov[3, 3]), rel=0.05)
    assert g.excluded_sets == ("set1:dead",) and g.active_fit is not None
    assert g.active_fit.statistics.n == 2 * S.size and g.statistics.n == 3 * S.size
    assert g["set1:dead"].parameters["km"].value == g.parameters["km"].value  # its part shows the shared km
    assert g["set1:wt"].status == "not_identifiable" and g["set1:wt"].status_reason == g.status_reason
    (dead,) = [w for w in g.warnings if w.code == "no_activity"]
    assert dead.details["upper"] == pytest.approx(
        _limit(df["v_uM_per_s"].to_numpy()[S.size : 2 * S.size]), rel=1e-12
    )
    out = g.to_dict()["excluded_sets"]
    assert out["sets"]["set1:dead"]["upper"] == dead.details["upper"]  # full precision
    assert out["active_statistics"]["n"] == 2 * S.size
    assert (
        "excluded from the shared estimates (no activity): set1:dead; fit of set1:wt, set1:mut alone"
        in str(g)
    )
    assert "excluded from the shared estimates (no activity): set1:dead" in g._repr_html_()


def test_a_dead_set_with_kcat_gives_the_limit_of_v_over_e():
    df = _three_sets()
    df["enzyme_nM"] = 50.0
    g = mgk.fit_shared(df, "michaelis_menten_kcat", shared=["km"], group="variant", enzyme="enzyme_nM")
    dead = df["v_uM_per_s"].to_numpy()[S.size : 2 * S.size]
    limit = g.to_dict()["excluded_sets"]["sets"]["set1:dead"]
    assert limit["upper"] == pytest.approx(_limit(dead), rel=1e-12)
    si = {u: mgk.units.parse_unit(u).factor_si for u in ("uM/s", "nM")}
    kcat_si = g.parameters["kcat[set1:wt]"].unit.factor_si
    per_enzyme = _limit(dead) * si["uM/s"] / (50.0 * si["nM"]) / kcat_si
    assert limit["upper_per_enzyme"] == pytest.approx(per_enzyme, rel=1e-9)
    assert "kcat[set1:dead]" in g.status_reason and "v/[E] ≤ " in g.status_reason


def test_all_active_sets_keep_the_joint_fit():
    df = _revived(_three_sets(), 5.0, seed=2)
    g = mgk.fit_shared(df, "michaelis_menten", shared=["km"], group="variant")
    assert g.status == "converged" and g.excluded_sets == () and g.active_fit is None
    assert "excluded_sets" not in g.to_dict() and "excluded from" not in str(g)
    assert g.statistics.n == 3 * S.size and len(g.covariance_names) == 4


def test_a_profiled_global_fit_with_a_dead_set_profiles_the_fit_of_the_active_sets():
    df = _three_sets()
    g = mgk.fit_shared(df, "michaelis_menten", shared=["km"], group="variant", ci="profile")
    active = mgk.fit_shared(
        df[df["variant"] != "dead"], "michaelis_menten", shared=["km"], group="variant", ci="profile"
    )
    km, expected = g.parameters["km"], active.parameters["km"]
    assert km.ci_method == expected.ci_method and km.ci_method.startswith("profile")
    assert (km.ci_low, km.ci_high) == pytest.approx((expected.ci_low, expected.ci_high), rel=1e-6)
    assert g.parameters["vmax[set1:dead]"].ci_method == "asymptotic-t"  # not identifiable: not profiled


def test_the_cli_reports_the_excluded_set_and_the_active_estimates(tmp_path):
    import json

    from click.testing import CliRunner
    from mgkinetics_cli.main import cli

    df = _three_sets()
    both, active = tmp_path / "all.csv", tmp_path / "active.csv"
    df.to_csv(both, index=False)
    df[df["variant"] != "dead"].to_csv(active, index=False)
    args = ["--law", "michaelis_menten", "--group", "variant", "--shared", "km", "--format", "json"]
    out = CliRunner().invoke(cli, ["fit", str(both), *args])
    alone = CliRunner().invoke(cli, ["fit", str(active), *args])
    assert out.exit_code == 2 and alone.exit_code == 0  # not identifiable: the dead set's vmax
    got = json.loads(out.stdout[: out.stdout.rindex("}") + 1])
    expected = json.loads(alone.stdout)
    assert got["status"] == "not_identifiable" and list(got["excluded_sets"]["sets"]) == ["all:dead"]
    for field in ("value", "stderr", "ci_low", "ci_high"):
        assert got["parameters"]["km"][field] == pytest.approx(expected["parameters"]["km"][field], rel=1e-6)
    assert got["excluded_sets"]["active_statistics"]["n"] == expected["statistics"]["n"]
    assert "all:dead excluded: no activity" in out.stderr


def test_a_report_of_a_global_fit_with_a_dead_set_gives_its_limit_at_full_precision(tmp_path):
    from mgkinetics.report.build import build_report, write_report

    df = _three_sets()
    df.to_csv(tmp_path / "three.csv", index=False)
    (tmp_path / "r.toml").write_text(
        'title = "a dead variant"\nfigure_format = "svg"\n[[analysis]]\nname = "shared_km"\nkind = "global"\n'
        'data = ["three.csv"]\nby = "variant"\nlaw = "michaelis_menten"\nshared = ["km"]\n'
        '[[analysis]]\nname = "cmp"\nkind = "compare"\ndata = ["three.csv"]\nby = "variant"\n'
        'reference = "wt"\nlaw = "michaelis_menten"\nshared = ["km"]\n',
        encoding="utf-8",
    )
    report = build_report(tmp_path / "r.toml")
    write_report(report, tmp_path / "out")
    section, compared = report.sections
    shared = {r["parameter"]: r for r in {t.name: t for t in compared.tables}["cmp_shared_fit"].records()}
    rows = {r["parameter"]: r for r in section.tables[0].records()}
    dead = df["v_uM_per_s"].to_numpy()[S.size : 2 * S.size]
    assert rows["vmax[three:dead]"]["upper_limit"] == pytest.approx(_limit(dead), rel=1e-12)
    assert rows["km"]["upper_limit"] is None and rows["vmax[three:wt]"]["upper_limit"] is None
    assert shared["vmax[dead]"]["upper_limit"] == rows["vmax[three:dead]"]["upper_limit"]  # compare's too
    alone = mgk.fit_shared(df[df["variant"] != "dead"], "michaelis_menten", shared=["km"], group="variant")
    assert rows["km"]["stderr"] == pytest.approx(alone.parameters["km"].stderr, rel=1e-6)
    csv = (tmp_path / "out" / "tables" / "shared_km_estimates.csv").read_text(encoding="utf-8")
    assert repr(rows["vmax[three:dead]"]["upper_limit"]) in csv  # full precision
    assert any("three:dead excluded: no activity" in p for p in section.paragraphs)
