"""Table-shape hold-outs (issue 12, edges5): exports concatenated (the header repeated mid-file),
Windows line ends with trailing commas, units in parentheses, brackets or after a comma, duplicate
column names, a text 'replicate' column. The concatenated file was already refused, but with one
"'s_mM' is not a number" per cell; now one problem names the line and what happened. The others
were right already and are kept here as regression tests (same fit as the plain table, or an error
with its line and column)."""

from __future__ import annotations

import json

import pytest
from holdout_common import TABLE, run

LAW = ("--law", "michaelis_menten", "--format", "json")


def _fit(path):
    res = run("fit", path, *LAW)
    assert res.exit_code == 0, res.output
    (fit,) = json.loads(res.stdout)["fits"]
    return {k: v["value"] for k, v in fit["parameters"].items()}, fit["parameters"]["vmax"]["unit"]


@pytest.fixture
def plain(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text(TABLE, encoding="utf-8")
    return _fit(path)


def test_a_repeated_header_is_one_problem_naming_its_line(tmp_path):
    path = tmp_path / "two_exports.csv"
    path.write_text(TABLE + TABLE, encoding="utf-8")  # header on line 1 and again on line 10
    res = run("fit", path, *LAW)
    assert res.exit_code == 2
    assert "line 10: repeats the header line (two exports concatenated?)" in res.stderr, res.stderr
    assert "is not a number" not in res.stderr


def test_crlf_with_a_trailing_comma_on_every_line_reads_like_the_plain_table(tmp_path, plain):
    path = tmp_path / "excel.csv"
    path.write_bytes("".join(line + ",\r\n" for line in TABLE.splitlines()).encode())
    assert _fit(path) == plain


@pytest.mark.parametrize(
    "header, unit",
    [
        ("s (mM),rate (uM/s)", "uM/s"),
        ("s [mM],rate [uM/s]", "uM/s"),
        ('"s, mM","rate, uM/s"', "uM/s"),
        ("s(mM),rate(µM/s)", "uM/s"),
        ("S (µM),v (nM/s)", "nM/s"),
    ],
)
def test_units_in_parentheses_brackets_or_after_a_comma(tmp_path, plain, header, unit):
    path = tmp_path / "units.csv"
    path.write_text(header + "\n" + TABLE.split("\n", 1)[1], encoding="utf-8")
    values, got_unit = _fit(path)
    assert values == plain[0] and got_unit == unit  # the numbers as written, in the unit named


def test_duplicate_column_names_are_an_error_with_the_column(tmp_path):
    path = tmp_path / "dup.csv"
    body = TABLE.splitlines()[1:]
    path.write_text("s_mM,rate_uM_per_s,rate_uM_per_s\n" + "".join(f"{r},{r.split(',')[1]}\n" for r in body))
    res = run("fit", path, *LAW)
    assert res.exit_code == 2
    assert "line 1, column 'rate_uM_per_s': appears twice in the header" in res.stderr


def test_a_text_replicate_column_is_a_label_not_a_number(tmp_path, plain):
    path = tmp_path / "rep.csv"
    body = TABLE.splitlines()[1:]
    path.write_text(
        "s_mM,rate_uM_per_s,replicate\n" + "".join(f"{r},{'abc'[i % 3]}\n" for i, r in enumerate(body))
    )
    assert _fit(path) == plain
