"""A dead mutant or negative control: rates that scatter around 0 (issue 12: "a dead enzyme gives
kcat = 0 with an upper bound, or a clear message").

Least squares puts Vmax (kcat) at its bound 0, runs KM away, or lands on an interior optimum whose
CI spans 0, depending on the noise; in every case the fit is no better than v = 0 (F test), says
"no activity detected" and gives the one-sided 95 % upper limit of the rate at the highest
substrate concentration. Expected values are computed here from the data by the documented formula
``max(mean_top, 0) + t(0.95, N - 1) · rms(all rates) / sqrt(n_top)`` with scipy's t quantile.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli
from scipy import stats

import mgkinetics as mgk

S = np.repeat([0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10.0], 3)


def _dead_rates(seed: int) -> np.ndarray:
    return 0.01 * np.random.default_rng(seed).standard_normal(S.size)


def _expected_limit(rates: np.ndarray) -> float:
    top = S == S.max()
    rms = np.sqrt(np.mean(rates**2))
    return max(rates[top].mean(), 0.0) + stats.t.ppf(0.95, rates.size - 1) * rms / np.sqrt(top.sum())


# seeds chosen to give each optimum (checked below): vmax at 0 (4), KM run away (1), at_bound KM = 0 (6),
# interior with a CI spanning 0 (8)
@pytest.mark.parametrize("seed", [1, 4, 6, 8])
def test_a_dead_enzyme_is_no_activity_with_the_upper_limit_of_its_top_rate(seed):
    rates = _dead_rates(seed)
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": rates}, "michaelis_menten")
    rss_zero = float(np.sum(rates**2))
    f = ((rss_zero - res.statistics.rss) / 2) / (res.statistics.rss / (S.size - 2))
    assert stats.f.sf(f, 2, S.size - 2) > 0.05  # the data do not tell the law from v = 0
    assert f"p = {stats.f.sf(f, 2, S.size - 2):.2g}" in res.status_reason
    assert res.status == "not_identifiable" and not res.success
    assert "no_activity" in [w.code for w in res.warnings]
    (limit,) = re.findall(r"at most ([0-9.e+-]+) uM/s", res.status_reason)
    assert float(limit) == pytest.approx(_expected_limit(rates), rel=5e-3)  # printed to 3 significant digits
    assert "10 mM, 3 rows" in res.status_reason


def test_with_an_enzyme_input_the_limit_is_also_given_per_enzyme():
    rates = _dead_rates(4)
    table = {"s_mM": S, "enzyme_nM": np.full(S.size, 50.0), "rate_uM_per_s": rates}
    res = mgk.fit(table, "michaelis_menten_kcat", enzyme="enzyme_nM")
    assert res.status == "not_identifiable" and res.status_reason.startswith("no activity detected")
    (rate, per_enzyme) = re.findall(
        r"at most ([0-9.e+-]+) uM/s \(v/\[E\] ([0-9.e+-]+) 1/s\)", res.status_reason
    )[0]
    # 1 µM/s over 50 nM is 20 s⁻¹
    assert float(per_enzyme) == pytest.approx(float(rate) * 1e-6 / 50e-9, rel=5e-3)


def test_an_active_enzyme_is_not_called_dead():
    rates = 10 * S / (2 + S) * (1 + 0.03 * np.random.default_rng(5).standard_normal(S.size))
    res = mgk.fit({"s_mM": S, "rate_uM_per_s": rates}, "michaelis_menten")
    assert res.status == "converged" and "no_activity" not in [w.code for w in res.warnings]


def test_cli_fit_of_a_dead_enzyme_exits_2_with_the_limit(tmp_path):
    path = tmp_path / "dead.csv"
    path.write_text(
        "s_mM,rate_uM_per_s\n" + "".join(f"{float(s)!r},{float(v)!r}\n" for s, v in zip(S, _dead_rates(6))),
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["fit", str(path), "--law", "michaelis_menten", "--format", "json"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "no activity detected" in res.stderr and "one-sided 95% upper limit" in res.stderr
    (fit,) = json.loads(res.stdout)["fits"]
    assert fit["status"] == "not_identifiable" and "no_activity" in fit["warning_codes"]


def test_compare_names_the_dead_variant_as_without_activity():
    rng = np.random.default_rng(7)
    wt = 10 * S / (2 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    table = {
        "variant": np.repeat(["wt", "dead"], S.size),
        "s_mM": np.tile(S, 2),
        "rate_uM_per_s": np.concatenate([wt, _dead_rates(8)]),
    }
    c = mgk.compare(table, "michaelis_menten", reference="wt")
    assert c.fits["wt"].status == "converged"
    assert c.fits["dead"].status == "not_identifiable"
    assert c.fits["dead"].status_reason.startswith("no activity detected")


def test_fit_many_gives_each_dead_curve_the_single_fits_status_and_reason():
    rng = np.random.default_rng(5)
    curves = {f"dead{seed}": _dead_rates(seed) for seed in (1, 4, 6, 8)}
    curves["wt"] = 10 * S / (2 + S) * (1 + 0.03 * rng.standard_normal(S.size))
    table = {
        "curve": np.repeat(list(curves), S.size),
        "s_mM": np.tile(S, len(curves)),
        "rate_uM_per_s": np.concatenate(list(curves.values())),
    }
    frame = mgk.fit_many(table, "michaelis_menten", "curve").to_frame().set_index("curve")
    dead = [name for name in curves if name != "wt"]
    for name in dead:
        single = mgk.fit({"s_mM": S, "rate_uM_per_s": curves[name]}, "michaelis_menten")
        assert frame.loc[name, "status"] == single.status == "not_identifiable", name
        assert frame.loc[name, "status_reason"] == single.status_reason
        assert "no_activity" in frame.loc[name, "warning_codes"]
    assert frame.loc["wt", "status"] == "converged"
    assert mgk.fit({"s_mM": S, "rate_uM_per_s": curves["wt"]}, "michaelis_menten").status == "converged"
