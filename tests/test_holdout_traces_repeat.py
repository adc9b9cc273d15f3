"""A read repeated in a long traces table (issue 12 hold-out, edges6): well A1 read twice at 30 s with
two signals (two exports concatenated, a copy-paste) was used as two points of one trace, with exit
0 and the well merely flagged 'no_significant_change'. Now each repeat is a problem naming its line
and the line of the first read."""

from __future__ import annotations

import pandas as pd
import pytest
from holdout_common import run

from mgkinetics.data.traces_long import read_long_traces
from mgkinetics.errors import DataFormatError
from mgkinetics.rates import simulate_coupled_plate


@pytest.fixture(scope="module")
def plate():
    traces, layout, _truth = simulate_coupled_plate(seed=3, levels=3, n_reads=20)
    return traces, layout


def test_a_repeated_read_is_an_error_naming_both_lines(tmp_path, plate):
    traces, layout = plate
    twice = pd.concat([traces, traces.iloc[[5]].assign(signal=traces.signal.iloc[5] + 0.3)])
    twice = twice.sort_index(kind="stable")  # the repeat right after the first read: lines 7 and 8
    twice.to_csv(tmp_path / "traces.csv", index=False)
    layout.to_csv(tmp_path / "layout.csv", index=False)
    res = run(
        "rates", tmp_path / "traces.csv", "--layout", tmp_path / "layout.csv", "--out", tmp_path / "r.csv"
    )
    assert res.exit_code == 2, res.output
    want = "line 8, column 'time_s': well A1 of plate 1 is read again at 30 s, 340 nm with another signal"
    assert f"{want} (first at line 7)" in res.stderr
    assert not (tmp_path / "r.csv").exists()


def test_the_same_time_at_another_wavelength_or_plate_is_not_a_repeat(tmp_path, plate):
    traces, _ = plate
    other = pd.concat([traces, traces.assign(wavelength_nm=405), traces.assign(plate=2)])
    other.to_csv(tmp_path / "traces.csv", index=False)
    read = read_long_traces(tmp_path / "traces.csv")
    assert len(read.frame) == 3 * len(traces)


def test_many_repeats_are_listed_up_to_a_limit(tmp_path, plate):
    traces, _ = plate
    pd.concat([traces, traces.assign(signal=traces.signal + 0.01)]).to_csv(
        tmp_path / "traces.csv", index=False
    )
    with pytest.raises(DataFormatError) as info:
        read_long_traces(tmp_path / "traces.csv")
    problems = info.value.problems
    assert len(problems) == 41
    assert [p.message for p in problems if p.line is None] == [
        f"... and {len(traces) - 40} more reads repeated"
    ]


def test_a_repeat_with_the_same_signal_is_the_same_read_and_one_time_is_left_to_rates(tmp_path, plate):
    traces, _ = plate
    pd.concat([traces, traces]).to_csv(tmp_path / "twice.csv", index=False)
    assert len(read_long_traces(tmp_path / "twice.csv").frame) == 2 * len(traces)  # as before
    traces.assign(time_s=0.0).to_csv(tmp_path / "zero.csv", index=False)  # test_fuzz_regressions' case
    assert len(read_long_traces(tmp_path / "zero.csv").frame) == len(traces)
