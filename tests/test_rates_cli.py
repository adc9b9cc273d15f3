"""`mgkinetics rates` through click's CliRunner: a simulated plate in, a rates CSV out; user errors
as "Error: ..." on stderr with exit code 2 and no traceback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

from mgkinetics.rates import initial_rates, simulate_coupled_plate


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("plate")
    traces, layout, truth = simulate_coupled_plate(seed=11)
    traces.to_csv(root / "traces.csv", index=False)
    layout.to_csv(root / "layout.csv", index=False)
    return root, traces, layout, truth


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_user_error(result, *fragments):
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stderr.startswith("Error:"), result.stderr
    assert "Traceback" not in result.stderr
    for frag in fragments:
        assert frag in result.stderr, (frag, result.stderr)


def test_rates_command_writes_the_table(files, tmp_path):
    root, traces, layout, truth = files
    out = tmp_path / "rates.csv"
    res = run(
        "rates",
        root / "traces.csv",
        "--layout",
        root / "layout.csv",
        "--stoichiometry",
        2,
        "--substrate",
        "mgatp_mM",
        "--out",
        out,
    )
    assert res.exit_code == 0, res.output
    assert "90 sample wells" in res.stderr
    got = pd.read_csv(out)
    assert len(got) == 90
    assert {"rate_uM_per_s", "rate_stderr_uM_per_s", "window_start_s", "method", "flags"} <= set(got.columns)
    # the same numbers as the library on the same frames (CSV round trip to 10 significant digits)
    api = initial_rates(traces, layout, stoichiometry=2, substrate_column="mgatp_mM").frame
    np.testing.assert_allclose(got.rate_uM_per_s, api.rate_uM_per_s, rtol=1e-8)
    merged = got.merge(truth[["well", "rate_uM_per_s"]], on="well", suffixes=("", "_true"))
    assert np.median(np.abs(merged.rate_uM_per_s / merged.rate_uM_per_s_true - 1)) <= 0.02


def test_linear_method_and_blank_list(files, tmp_path):
    root, *_ = files
    out = tmp_path / "lin.csv"
    res = run(
        "rates",
        root / "traces.csv",
        "--layout",
        root / "layout.csv",
        "--method",
        "linear",
        "--blank",
        "H7,H8",
        "--stoichiometry",
        2,
        "--rate-unit",
        "nM/s",
        "--out",
        out,
    )
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    assert (got.method == "linear").all() and "rate_nM_per_s" in got


def test_wide_export_through_read_traces(files, tmp_path):
    # a generic wide table (Time [s], A1, A2 ...) goes through mgkinetics.read_traces
    root, traces, layout, _ = files
    wide = traces.pivot(index="time_s", columns="well", values="signal")
    wide.index.name = "Time [s]"
    wide.to_csv(tmp_path / "wide.csv")
    out = tmp_path / "w.csv"
    res = run(
        "rates",
        tmp_path / "wide.csv",
        "--layout",
        root / "layout.csv",
        "--wavelength",
        340,
        "--stoichiometry",
        2,
        "--substrate",
        "mgatp_mM",
        "--out",
        out,
    )
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out).set_index("well")
    ref = pd.read_csv(root / "layout.csv")  # same wells as the long table
    assert len(got) == int((ref.role == "sample").sum())
    api = initial_rates(traces, layout, stoichiometry=2, substrate_column="mgatp_mM").frame.set_index("well")
    np.testing.assert_allclose(got.loc[api.index, "rate_uM_per_s"], api.rate_uM_per_s, rtol=1e-6)


def test_refuses_to_overwrite_an_input(files):
    root, *_ = files
    for target in ("traces.csv", "layout.csv"):
        res = run("rates", root / "traces.csv", "--layout", root / "layout.csv", "--out", root / target)
        assert_user_error(res, "is the input")
    assert len(pd.read_csv(root / "traces.csv")) == 96 * 60  # untouched


def test_bad_inputs_exit_2(files, tmp_path):
    root, *_ = files
    out = tmp_path / "x.csv"
    assert_user_error(
        run("rates", tmp_path / "missing.csv", "--layout", root / "layout.csv", "--out", out),
        "no such file",
    )
    assert_user_error(
        run("rates", root / "traces.csv", "--layout", root / "layout.csv", "--epsilon", "6.22", "--out", out),
        "epsilon",
    )
    bad = tmp_path / "bad_layout.csv"
    bad.write_text("well,role,mgatp_mM\nA1,sample,lots\nA2,enzyme,0.1\n", encoding="utf-8")
    res = run("rates", root / "traces.csv", "--layout", bad, "--out", out)
    assert_user_error(res, "line 2, column 'mgatp_mM'")
    bad.write_text("well,role,mgatp_mM\nA1,sample,0.1\nA2,enzyme,0.1\n", encoding="utf-8")
    assert_user_error(
        run("rates", root / "traces.csv", "--layout", bad, "--out", out), "line 3, column 'role'"
    )
    assert_user_error(
        run(
            "rates",
            root / "traces.csv",
            "--layout",
            root / "layout.csv",
            "--method",
            "progress",
            "--out",
            out,
        ),
        "substrate_column",
    )
    assert not out.exists()
