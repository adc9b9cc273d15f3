"""``mgkinetics traces``: exit codes, the written table, the summary line, refusing to overwrite."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner
from mgkinetics_cli.main import cli

DATA = Path(__file__).parent / "data" / "plates"


def run(*args: str):
    return CliRunner().invoke(cli, ["traces", *map(str, args)])


def test_traces_writes_the_expected_table_and_a_summary(tmp_path):
    out = tmp_path / "traces.csv"
    r = run(DATA / "multiskan_spectrum_1500.txt", "--out", out)
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out, dtype={"wavelength_nm": "Int64"})
    expected = pd.read_csv(DATA / "multiskan_spectrum_1500.expected.csv", dtype={"wavelength_nm": "Int64"})
    keys = ["plate", "wavelength_nm", "well"]
    got, expected = (f.sort_values(keys).reset_index(drop=True) for f in (got, expected))
    assert list(got.columns) == ["plate", "well", "time_s", "wavelength_nm", "temperature_C", "signal"]
    assert got[keys].equals(expected[keys])
    assert np.array_equal(got["signal"].to_numpy(), expected["signal"].to_numpy())  # full precision
    assert got["time_s"].isna().all()
    summary = r.stderr.strip()
    assert summary.startswith("multiskan_spectrum: 31 plate(s), 60 wells, 31 reads, wavelengths 340, 420 nm")
    assert "40 skipped cell(s) (plate 31, well A1, 340 nm: no reading (NaN);" in summary
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed, not left behind


def test_traces_bad_input_exits_2_with_one_line_per_problem(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Time,A1\n0,0.1\n")
    out = tmp_path / "out.csv"
    r = run(bad, "--out", out)
    assert r.exit_code == 2
    assert "Error:" in r.stderr and "line 2, column 'Time': '0' has no time unit" in r.stderr
    assert "Traceback" not in r.output + r.stderr
    assert not out.exists()


def test_traces_unknown_instrument_exits_2(tmp_path):
    r = run(DATA / "spectramax190_kinetic.txt", "--instrument", "nope", "--out", tmp_path / "o.csv")
    assert r.exit_code == 2 and "unknown instrument 'nope'" in r.stderr


def test_traces_refuses_to_overwrite_its_input(tmp_path):
    source = tmp_path / "plate.txt"
    shutil.copy(DATA / "spectramax190_kinetic.txt", source)
    before = source.read_bytes()
    r = run(source, "--out", source)
    assert r.exit_code == 2 and "is the input" in r.stderr
    assert source.read_bytes() == before


def test_traces_wavelength_option_fills_generic_tables(tmp_path):
    table = tmp_path / "wide.csv"
    table.write_text("time_s,A1\n0,0.5\n10,0.6\n")
    out = tmp_path / "t.csv"
    r = run(table, "--wavelength", "340", "--out", out)
    assert r.exit_code == 0, r.stderr
    assert out.read_text().splitlines() == [
        "plate,well,time_s,wavelength_nm,temperature_C,signal",
        "1,A1,0.0,340,,0.5",
        "1,A1,10.0,340,,0.6",
    ]
