"""The long traces table read by the data wing (`mgkinetics.data.traces_long`), not by pandas in the
CLI: the same numbers as pandas' reading of the same text, every bad cell named by its file line and
column, and hold-out shapes of the same table (semicolons with decimal commas, Excel's ``sep=;``
line, UTF-16, blank lines, quoted cells spanning lines) giving the same rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

from mgkinetics.data.traces_long import is_long_traces, read_long_traces
from mgkinetics.errors import DataFormatError
from mgkinetics.rates import simulate_coupled_plate

HEADER = "plate,well,time_s,wavelength_nm,temperature_C,signal"


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    root = tmp_path_factory.mktemp("long")
    traces, layout, _ = simulate_coupled_plate(seed=5)
    traces.to_csv(root / "traces.csv", index=False)
    layout.to_csv(root / "layout.csv", index=False)
    return root, traces


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_numbers_are_those_pandas_reads_from_the_same_text(plate):
    root, _ = plate
    read = read_long_traces(root / "traces.csv")
    # the reference: how the CLI read the file before (pandas, text cells, then pandas.to_numeric)
    text = pd.read_csv(root / "traces.csv", dtype=str, keep_default_na=False, na_values=[""])
    for column in ("time_s", "wavelength_nm", "temperature_C", "signal"):
        np.testing.assert_array_equal(read.frame[column].to_numpy(), pd.to_numeric(text[column]).to_numpy())
    assert list(read.frame["well"]) == list(text["well"])
    assert list(read.frame["line"]) == list(range(2, len(text) + 2))
    assert read.instrument == "long" and is_long_traces(root / "traces.csv")


def test_every_bad_cell_is_named_by_its_file_line_and_column(tmp_path):
    lines = [
        HEADER,
        "1,A1,0,340,25,0.9",
        "",
        "1,A1,5,340,25,abc",
        '1,A1,10,340,"2\n5",0.8',
        "1,Z9,15,34o,25,0.7",
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        read_long_traces(path)
    text = str(info.value)
    assert str(path) in text  # the file, not the word 'traces'
    # line 4 (after a blank line 3); the quoted temperature spans lines 5-6; line 7 has two bad cells
    for fragment in (
        "line 4, column 'signal': 'abc'",
        "line 5, column 'temperature_C'",
        "line 7, column 'well': 'Z9'",
        "line 7, column 'wavelength_nm': '34o'",
    ):
        assert fragment in text, (fragment, text)


def test_semicolons_decimal_commas_sep_line_and_utf16_give_the_same_rates(plate, tmp_path):
    root, traces = plate
    reference = tmp_path / "ref.csv"
    assert (
        run("rates", root / "traces.csv", "--layout", root / "layout.csv", "--out", reference).exit_code == 0
    )
    semi = traces.to_csv(index=False, sep=";", decimal=",")
    variants = {
        "semicolon.csv": (semi, "utf-8"),
        "excel.csv": ("sep=;\r\n" + semi.replace("\n", "\r\n"), "utf-8-sig"),
        "utf16.csv": (traces.to_csv(index=False, sep="\t"), "utf-16"),
    }
    for name, (text, encoding) in variants.items():
        (tmp_path / name).write_bytes(text.encode(encoding))
        out = tmp_path / f"out_{name}"
        res = run("rates", tmp_path / name, "--layout", root / "layout.csv", "--out", out)
        assert res.exit_code == 0, (name, res.output)
        # decimal commas print the same shortest repr, so the same floats: identical rate files
        assert out.read_bytes() == reference.read_bytes(), name


def test_rows_of_empty_cells_are_listed_and_extra_cells_refused(plate, tmp_path):
    root, traces = plate
    body = traces.to_csv(index=False).splitlines()
    path = tmp_path / "t.csv"
    path.write_text("\n".join(body[:3] + [",,,,,"] + body[3:]) + "\n", encoding="utf-8")
    read = read_long_traces(path)
    assert read.metadata["empty_rows"] == (4,) and len(read.frame) == len(traces)
    res = run("rates", path, "--layout", root / "layout.csv", "--out", tmp_path / "o.csv")
    assert res.exit_code == 0 and "1 rows of" in res.stderr and "line 4" in res.stderr
    path.write_text("\n".join(body[:3] + [body[3] + ",7"] + body[4:]) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="line 4: 7 cells, the header names 6"):
        read_long_traces(path)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "not a long traces table"),
        (HEADER + "\n", "line 1: the table has a header but no reads"),
        ("plate,well,time_s,signal\n1,A1,0,1\n", "column 'wavelength_nm': missing required column"),
        ("plate,well,time_s,wavelength_nm,temperature_C,signal,Signal\n", "column 'Signal': appears twice"),
        (HEADER + "\n1,A1,0,340,25," + "9" * 200_000 + "\n", "line 2: cannot read this line as CSV"),
    ],
)
def test_degenerate_files_are_errors_with_a_place(tmp_path, text, fragment):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        read_long_traces(path)
    assert fragment in str(info.value), str(info.value)


def test_two_spellings_of_one_well_are_refused_one_spelling_is_read(tmp_path):
    # 'A1' and 'A01' on one plate: two wells to whoever wrote the file, one well to the reader,
    # whose reads would be mixed into one trace. Each other spelling is named once, at its first line.
    rows = [
        f"1,{well},{t * 10},340,25,{0.1 + 0.01 * t + (0.1 if well == 'A01' else 0)}"
        for t in range(6)
        for well in ("A1", "A01")
    ]
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        read_long_traces(path)
    assert len(info.value.problems) == 1
    assert "line 3, column 'well': 'A01' and 'A1' (line 2) are the same well A1" in str(info.value)
    # one spelling throughout, padded or not, on two plates: read, normalised to A1
    rows = [
        f"{plate},{well},{t * 10},340,25,0.5" for plate, well in ((1, "A01"), (2, "A1")) for t in range(3)
    ]
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert set(read_long_traces(path).frame["well"]) == {"A1"}
