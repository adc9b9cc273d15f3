"""Text files as spreadsheets and Windows tools save them: UTF-16 without a byte-order mark, and
Excel's ``sep=;`` first line (hold-out cases of issue 12, found by edges4).

Expected values: the same table written as plain UTF-8 CSV and read by the same reader (the
Dataset's columns, values, units and file lines must be equal); line numbers counted in the file
as written, the ``sep=`` line included.
"""

from __future__ import annotations

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.data.textrecords import excel_separator
from mgkinetics.errors import DataFormatError

ROWS = [("wt", 0.1, 1.2), ("wt", 0.5, 4.1), ("d84a", 2.0, 0.75), ("d84a", 8.0, 1.5)]
TABLE = "variant,s_mM,rate_uM_per_s\n" + "".join(f"{v},{s},{r}\n" for v, s, r in ROWS)


def _same_table(got, expected, line_shift: int = 0) -> None:
    assert got.columns == expected.columns
    assert got.units == expected.units
    for name in expected.columns:
        a, b = np.asarray(got.values[name]), np.asarray(expected.values[name])
        assert a.tolist() == b.tolist(), name
    assert (np.asarray(got.lines) - line_shift).tolist() == np.asarray(expected.lines).tolist()


@pytest.fixture
def reference(tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_text(TABLE, encoding="utf-8")
    return mgk.read_csv(path)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_utf16_without_bom_reads_as_utf8(tmp_path, reference, codec, newline):
    path = tmp_path / "utf16.csv"
    path.write_bytes(TABLE.replace("\n", newline).encode(codec))
    _same_table(mgk.read_csv(path), reference)


@pytest.mark.parametrize("sep", [";", "\t", ","])
def test_excel_sep_line_declares_the_separator_and_counts_as_a_line(tmp_path, reference, sep):
    path = tmp_path / "excel.csv"
    path.write_text(f"sep={sep}\n" + TABLE.replace(",", sep), encoding="utf-8")
    _same_table(mgk.read_csv(path), reference, line_shift=1)


def test_a_bad_cell_after_a_sep_line_is_named_by_its_file_line(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\ns_mM;rate_uM_per_s\n1;2\n2;x\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        mgk.read_csv(path)
    [problem] = info.value.problems
    assert (problem.line, problem.column) == (4, "rate_uM_per_s")


def test_sep_line_alone_is_a_file_without_a_header(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="no header line after 'sep='"):
        mgk.read_csv(path)


def test_only_a_whole_sep_line_declares_a_separator():
    assert excel_separator(b"sep=;") == ";" and excel_separator(b'"sep=,"\r') == ","
    assert excel_separator(b"sep_mM,rate") is None and excel_separator(b"sep=;;") is None


def test_nul_bytes_that_are_not_utf16_are_not_transcoded(tmp_path):
    # a UTF-8 header followed by binary junk: reported as before, not silently read as UTF-16
    path = tmp_path / "junk.csv"
    path.write_bytes(b"s_mM,rate_uM_per_s\n1,\x00\x00\n")
    with pytest.raises(DataFormatError):
        mgk.read_csv(path)
