"""Regression tests of the failures found by the fuzz campaign (benchmarks/fuzz_cli.py, issue 12).

Each test is the smallest input that reproduced one root cause; the campaign's oracle is the
same: exit code 0 or 2, no traceback or internal error, no non-finite number in an output table.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk

ENZYMEML = Path(__file__).parent / "data" / "enzymeml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_no_crash(res):
    assert res.exit_code in (0, 2), (res.exit_code, res.output)
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output


@pytest.mark.parametrize(
    "base_unit",
    [
        {"kind": "mole", "exponent": 1, "scale": 400},  # 10**400: OverflowError in the factor
        {"kind": "mole", "exponent": 1e400},  # int(inf): OverflowError
        {"kind": "mole", "exponent": "abc"},  # int("abc"): ValueError in the description
        {"kind": "mole", "exponent": -1, "multiplier": 0},  # 0.0 ** -1: ZeroDivisionError
    ],
)
def test_enzymeml_unit_with_an_absurd_scale_or_exponent_is_a_deviation_not_a_crash(tmp_path, base_unit):
    doc = json.loads((ENZYMEML / "synthetic_pyenzyme_style.json").read_text(encoding="utf-8"))
    doc["measurements"][0]["species_data"][1]["data_unit"] = {"base_units": [base_unit]}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    res = run("enzymeml", path)
    assert_no_crash(res)
    assert res.exit_code == 0
    assert "unit_not_understood" in res.stderr  # reported as a deviation of the document


def test_batch_csv_leaves_an_undetermined_aicc_empty_not_inf(tmp_path):
    # 4 points and 2 parameters: N - df - 1 = 0, AICc is infinite (not determined). The batch
    # CSV printed 'inf'; `fit` prints nothing there. Expected: an empty cell, BIC still a number.
    path = tmp_path / "four.csv"
    path.write_text("curve,s_mM,rate_uM_per_s\na,1,2\na,2,3\na,4,4\na,8,4.5\n", encoding="utf-8")
    res = run("batch", path, "--law", "michaelis_menten", "--curve", "curve")
    assert res.exit_code == 0, res.output
    (row,) = csv.DictReader(io.StringIO(res.stdout))
    assert row["aicc"] == "" and math.isfinite(float(row["bic"]))
    assert "inf" not in res.stdout.lower()


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    from mgkinetics.rates import simulate_coupled_plate

    root = tmp_path_factory.mktemp("plate")
    traces, layout, _truth = simulate_coupled_plate(seed=3, levels=3, n_reads=20)
    traces.assign(time_s=0.0).to_csv(root / "zero_times.csv", index=False)
    layout.to_csv(root / "layout.csv", index=False)
    return root


def test_rates_with_every_read_duplicated_or_an_infinite_wavelength_do_not_crash(plate, tmp_path):
    # Every row twice (the same read at the same time): the growing-window solve was singular
    # (LinAlgError). One wavelength of 1e400 nm: int(inf) in the list of wavelengths (OverflowError).
    import pandas as pd

    from mgkinetics.rates import simulate_coupled_plate

    traces, _layout, _truth = simulate_coupled_plate(seed=3, levels=3, n_reads=20)
    pd.concat([traces, traces]).to_csv(tmp_path / "twice.csv", index=False)
    res = run(
        "fit",
        tmp_path / "twice.csv",
        "--layout",
        plate / "layout.csv",
        "--law",
        "michaelis_menten",
        "--x",
        "mgatp_mM",
        "--stoichiometry",
        2,
        "--group",
        "variant",
        "--format",
        "json",
    )
    assert_no_crash(res)
    assert res.exit_code == 0, res.output
    odd = traces.astype({"wavelength_nm": float})
    odd.loc[5, "wavelength_nm"] = math.inf
    odd.to_csv(tmp_path / "inf_nm.csv", index=False)
    res = run(
        "rates",
        tmp_path / "inf_nm.csv",
        "--layout",
        plate / "layout.csv",
        "--stoichiometry",
        2,
        "--wavelength",
        340,
        "--out",
        tmp_path / "r.csv",
    )
    assert_no_crash(res)
    assert res.exit_code == 0, res.output


def test_compare_profile_on_data_scaled_by_1e_minus_30_is_the_profile_of_the_unscaled_data(tmp_path):
    # brentq raised "f(a) and f(b) must have different signs" (exit 3) in the ratio profile when
    # the refit at the inner end was already above the threshold; then the sides came back "not
    # determined". The ratio profile now runs on the scale-free profile engine: the limits are
    # those of the same data unscaled (ratios are dimensionless), to 1e-6.
    out = {}
    for tag, factor in (("unit", 1.0), ("tiny", 1e-30)):
        rows = [
            (v, s, factor * vm * s / (2 + s) * (1 + 0.02 * (-1) ** i))
            for v, vm in (("wt", 10), ("mut", 4))
            for i, s in enumerate((0.25, 0.5, 1, 2, 4, 8, 16, 32))
        ]
        path = tmp_path / f"{tag}.csv"
        path.write_text("variant,s_mM,rate_uM_per_s\n" + "".join(f"{v},{s},{r!r}\n" for v, s, r in rows))
        res = run("compare", path, "--law", "michaelis_menten", "--ci", "profile", "--format", "json")
        assert_no_crash(res)
        assert res.exit_code == 0, res.output
        found: list[str] = []
        out[tag] = json.loads(res.stdout, parse_constant=found.append)
        assert found == []
    for name, ratio in out["unit"]["ratios"].items():
        tiny = out["tiny"]["ratios"][name]
        assert tiny["ci_method"] == ratio["ci_method"] == "profile"
        assert tiny["ci_low"] == pytest.approx(ratio["ci_low"], rel=1e-6)
        assert tiny["ci_high"] == pytest.approx(ratio["ci_high"], rel=1e-6)


@pytest.mark.parametrize("method", ["auto", "linear", "progress"])
def test_rates_with_every_read_at_one_time_is_an_error_listing_the_wells(plate, method, tmp_path):
    # A time column of zeros: np.linalg.solve raised LinAlgError (Singular matrix) in the coupling
    # lag, np.polyfit "SVD did not converge" in the line; once those were fixed every well was
    # excluded and `rates` wrote an empty CSV with exit 0, `fit --layout` raised KeyError.
    res = run(
        "rates",
        plate / "zero_times.csv",
        "--layout",
        plate / "layout.csv",
        "--method",
        method,
        "--substrate",
        "mgatp_mM",
        "--stoichiometry",
        2,
        "--out",
        tmp_path / "r.csv",
    )
    assert_no_crash(res)
    assert res.exit_code == 2 and res.stderr.startswith("Error:")
    assert "no sample well gives a rate" in res.stderr
    assert "plate 1 well A1 (sample): 20 reads at only 1 distinct time(s)" in res.stderr
    assert not (tmp_path / "r.csv").exists()
    res = run(
        "fit",
        plate / "zero_times.csv",
        "--layout",
        plate / "layout.csv",
        "--law",
        "michaelis_menten",
        "--x",
        "mgatp_mM",
        "--substrate",
        "mgatp_mM",
        "--stoichiometry",
        2,
        "--rate-method",
        method,
    )
    assert_no_crash(res)
    assert res.exit_code == 2 and "no sample well gives a rate" in res.stderr


def test_coupling_lag_of_degenerate_traces_is_a_number():
    import numpy as np

    from mgkinetics.rates.lag import estimate_coupling_lag

    t = np.arange(5.0, 60.0, 5.0)
    lag_same_time = estimate_coupling_lag([np.zeros(11)], [np.linspace(1, 0.9, 11)])  # skipped: no times
    lag_constant = estimate_coupling_lag([t], [np.ones_like(t)])  # singular only through y; still a number
    assert lag_same_time == 0.0 and math.isfinite(lag_constant)


def test_report_spec_that_is_not_utf8_is_an_error_with_its_line(tmp_path):
    # latin-1 'µ' in the spec: UnicodeDecodeError (exit 3) before.
    spec = tmp_path / "r.toml"
    spec.write_bytes('title = "x"\n# \u00b5M\n'.encode("latin-1"))
    res = run("report", spec, "--out", tmp_path / "out")
    assert_no_crash(res)
    assert res.exit_code == 2 and "line 2: is not UTF-8 text" in res.stderr


def test_a_header_repeated_thousands_of_times_is_reported_not_slow(tmp_path):
    # 5,000 columns named 'x': pandas mangled the repeated names in O(n^2) and each label column
    # was re-inserted into the frame one by one (O(n^2) too); a 10^5-column file took minutes.
    # The answer is checked here; the time is benchmarks/fuzz_cli.py's to measure.
    k = 5000
    rows = "".join(f"{s},{v}" + ",1" * k + "\n" for s, v in ((1, 2), (2, 3), (4, 4), (8, 5)))
    path = tmp_path / "wide.csv"
    path.write_text("s_mM,rate_uM_per_s" + ",x" * k + "\n" + rows, encoding="utf-8")
    res = run("fit", path, "--law", "michaelis_menten")
    assert_no_crash(res)
    assert res.exit_code == 2 and f"{k - 1} problems" in res.stderr and "appears twice" in res.stderr


def test_a_header_of_10_5_repeated_names_is_refused_before_parsing(tmp_path):
    # found by benchmarks/fuzz_cli.py --seed 7 (10^5 columns named 'x'): the reader's one-pass
    # fast path gave pandas the header (header=0), whose repeated names it mangles in O(n^2);
    # both paths now refuse a repeated name before the parser sees the file. Not timed here.
    k = 100_000
    path = tmp_path / "wide.csv"
    path.write_text("s_mM,rate_uM_per_s" + ",x" * k + "\n" + "1,2" + ",1" * k + "\n", encoding="utf-8")
    with pytest.raises(mgk.errors.DataFormatError) as exc:
        mgk.read_csv(path)
    assert len(exc.value.problems) == k - 1
    assert {(p.line, p.column, p.message) for p in exc.value.problems} == {
        (1, "x", "appears twice in the header; column names must be unique")
    }


MM = "s_mM,rate_uM_per_s\n" + "".join(
    f"{s},{10 * s / (2 + s) * (1 + 0.02 * (-1) ** i):.6g}\n"
    for i, s in enumerate((0.25, 0.5, 1, 2, 4, 8, 16, 32))
)


@pytest.mark.parametrize(
    "option", [("--fix", "km=1e400"), ("--fix", "km=nan"), ("--init", "km=inf"), ("--init", "vmax=-1e999")]
)
@pytest.mark.parametrize("command", ["fit", "batch"])
def test_a_non_finite_fixed_or_starting_value_is_an_error(tmp_path, command, option):
    # --fix km=1e400 was accepted: km '-' (fixed), vmax "not bounded by the data", exit 0 (fit);
    # every curve 'failed: did not converge ... try --init' (batch). An input problem, not a result.
    path = tmp_path / "mm.csv"
    curves = "curve," + MM.replace("\n", "\na,", MM.count("\n") - 1)  # every data row in curve 'a'
    path.write_text(MM if command == "fit" else curves, encoding="utf-8")
    extra = ["--curve", "curve"] if command == "batch" else []
    res = run(command, path, "--law", "michaelis_menten", *extra, *option)
    assert_no_crash(res)
    assert res.exit_code == 2 and f"{option[1]} is not a finite number" in res.stderr, res.output


def _long_traces_and_layout(tmp_path, layout_cell: str, extra_header: str = "", extra_cells: str = ""):
    """A two-well long traces CSV and its layout, one layout cell replaced by ``layout_cell``."""
    traces = tmp_path / "traces.csv"
    lines = ["plate,well,time_s,wavelength_nm,temperature_C,signal" + extra_header]
    for well in ("A1", "A2"):
        lines += [f"1,{well},{t},340,25,{1.0 - 0.001 * t}" + extra_cells for t in range(0, 60, 10)]
    traces.write_text("\n".join(lines) + "\n", encoding="utf-8")
    layout = tmp_path / "layout.csv"
    layout.write_text(
        f"well,role,variant,mgatp_mM\nA1,sample,WT,{layout_cell}\nA2,sample,WT,1\n", encoding="utf-8"
    )
    return traces, layout


def test_a_400_digit_layout_concentration_is_refused_not_written_as_inf(tmp_path):
    # found by fuzz_cli --seed 8: float('9' * 400) is inf; the layout took it and rates wrote mgatp_mM=inf
    traces, layout = _long_traces_and_layout(tmp_path, "9" * 400)
    res = run("rates", traces, "--layout", layout, "--stoichiometry", "2", "--out", tmp_path / "out.csv")
    assert_no_crash(res)
    assert (
        res.exit_code == 2
        and "line 2, column 'mgatp_mM'" in res.stderr
        and "not a finite number" in res.stderr
    )
    assert not (tmp_path / "out.csv").exists()


def test_long_traces_with_a_repeated_header_name_are_refused_before_parsing(tmp_path):
    # found by fuzz_cli --seed 8: the rates CLI's long-traces reader gave pandas 10^5 columns named 'x'
    k = 100_000
    traces, layout = _long_traces_and_layout(tmp_path, "0.5", ",x" * k, ",1" * k)
    res = run("rates", traces, "--layout", layout, "--stoichiometry", "2", "--out", tmp_path / "out.csv")
    assert_no_crash(res)
    assert res.exit_code == 2 and f"{k - 1} problems" in res.stderr
    assert "line 1, column 'x': appears twice in the header" in res.stderr


def test_a_starting_value_near_the_float_maximum_is_not_an_overflow(tmp_path):
    """Seed 18 (edges6): a rate of 1e308 and a substrate of 1e-320 made a Hill start near 1.8e308, and
    the solver's power-of-two scale 2**1024 raised OverflowError (an internal error, exit 3)."""
    path = tmp_path / "mm.csv"
    rows = [
        (0.25, 1.08889),
        (0.5, 1e308),
        (1, 3.4),
        (2, 4.9),
        (4, 6.8),
        (8, 8.16),
        (1e-320, 8.71111),
        (32, 9.6),
    ]
    path.write_text("s_mM,rate_uM_per_s\n" + "".join(f"{s!r},{v!r}\n" for s, v in rows), "utf-8")
    res = run("select", path, "--laws", "substrate_inhibition,hill,michaelis_menten", "--fix", "km=500uM")
    assert_no_crash(res)
    assert "did not converge (Fit succeeded.)" not in res.output  # lmfit's word for a non-finite end
    assert "residual sum of squares is not finite" in res.output
    res = run("fit", path, "--law", "hill", "--format", "json")
    assert_no_crash(res)


def test_a_nan_where_enzymeml_wants_a_name_is_a_problem_not_the_text_nan(tmp_path):
    """Seed 18 (edges6): ``"group_id": NaN`` (JSON's NaN, which Python's json reads) was written as the
    text 'nan' in the group_id column; a name that is not finite is now a problem with its path."""
    doc = json.loads((ENZYMEML / "synthetic_pyenzyme_style.json").read_text("utf-8"))
    doc["measurements"][1]["group_id"] = float("nan")
    path = tmp_path / "nan_group.json"
    path.write_text(json.dumps(doc), "utf-8")  # json.dumps writes NaN
    res = run("enzymeml", path)
    assert res.exit_code == 2, res.output
    assert "measurements[1].group_id: is NaN, not a string" in res.stderr
