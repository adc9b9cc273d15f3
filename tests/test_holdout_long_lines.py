"""Very long lines (issue 12 hold-out, edges6): a 100-MB file on one line (no line break, no
separator) took 292 s to say "no data rows" (the header patterns are O(n²) on a 100-MB name), and a
100-MB cell was quoted whole in its error (a 100-MB message). Now a header cell over 1000
characters is not parsed as a name and is reported as such, and cells are quoted by their start and
length. Sizes here are 2 MB, enough to show both."""

from __future__ import annotations

from holdout_common import run

from mgkinetics.data.numbers import shown_text


def test_a_file_on_one_line_is_not_a_header(tmp_path):
    path = tmp_path / "one_line.csv"
    path.write_text("x" * 2_000_000, "utf-8")
    res = run("fit", path, "--law", "michaelis_menten")
    assert res.exit_code == 2
    assert "line 1: column 1's name 'xxxx" in res.stderr and "(2000000 characters)' is not a column name" in (
        res.stderr
    )
    assert len(res.stderr) < 1000


def test_a_huge_cell_is_quoted_by_its_start_and_length(tmp_path):
    path = tmp_path / "huge_cell.csv"
    path.write_text("s_mM,rate_uM_per_s\n1," + "9" * 2_000_000 + "\n2,x" + "y" * 2_000_000 + "\n", "utf-8")
    res = run("fit", path, "--law", "michaelis_menten")
    assert res.exit_code == 2
    assert "line 2, column 'rate_uM_per_s': '9999" in res.stderr  # 2e6 digits overflow to inf
    assert "(2000000 characters)' is not a finite number" in res.stderr
    assert (
        "line 3, column 'rate_uM_per_s': 'xyyy" in res.stderr
        and "(2000001 characters)' is not a number" in (res.stderr)
    )
    assert len(res.stderr) < 1000


def test_short_cells_are_quoted_whole():
    assert shown_text("0,5x") == "0,5x"
    assert shown_text("a" * 80) == "a" * 80 and shown_text("a" * 81) == "a" * 60 + "... (81 characters)"
