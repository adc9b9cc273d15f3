"""Hold-out cases (edges7, issue 12 "errors with a place"): a speciation table with empty cells.

Before: an empty total gave ``Error: total of 'Mg' is not finite`` and an empty pH cell
``Error: pH = nan is outside 2–12`` (no file, line or column; one problem only).
Expected: one line per empty total naming its line and column, together with the out-of-range
conditions of the same table, exit 2, nothing written; an empty condition cell takes the option's
value when the user gave that option, said on stderr with its line and column, and is a problem
with its line and column when the option was left at its default (lead's review: 7.5 was not the
user's statement of that row's pH).
"""

from __future__ import annotations

from holdout_common import run

TABLE = (
    "atp_total_mM,mg_total_mM,pH,temperature_C\n"
    "1,2,7.5,25\n"  # line 2: fine
    ",2,13,\n"  # line 3: empty ATP, pH out of range, empty temperature
    "1,,7,150\n"  # line 4: empty Mg, temperature out of range
)


def test_every_empty_cell_and_bad_condition_is_named_at_once(tmp_path):
    path = tmp_path / "plate.csv"
    path.write_text(TABLE, encoding="utf-8")
    out = tmp_path / "species.csv"
    res = run("speciate", path, "--out", out)
    assert res.exit_code == 2
    lines = res.stderr.splitlines()
    assert lines[0] == f"Error: {path}: 4 problems"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "line 3, column 'atp_total_mM'",
        "line 3, column 'pH'",
        "line 4, column 'mg_total_mM'",
        "line 4, column 'temperature_C'",
    ]
    assert "empty" in lines[1] and "13 is outside 2–12" in lines[2] and "empty" in lines[3]
    assert "150 is outside 0–100" in lines[4]
    assert "nan" not in res.stderr and not out.exists()


def test_a_table_without_empty_cells_is_still_speciated(tmp_path):
    path = tmp_path / "plate.csv"
    path.write_text("atp_total_mM,mg_total_mM,pH\n1,2,7.5\n1,0,7\n", encoding="utf-8")
    res = run("speciate", path)
    assert res.exit_code == 0, res.output
    rows = res.stdout.splitlines()
    header = rows[0].split(",")
    assert len(rows) == 3 and "mg_free_mM" in header and "mgatp_mM" in header
    # no Mg at all: no MgATP (line 3), exactly
    assert float(rows[2].split(",")[header.index("mgatp_mM")]) == 0.0


def test_an_empty_ph_cell_takes_the_option_and_says_so(tmp_path):
    path = tmp_path / "plate.csv"
    path.write_text("atp_total_mM,mg_total_mM,pH\n1,2,7.5\n1,2,\n", encoding="utf-8")
    res = run("speciate", path, "--ph", "7.2")
    assert res.exit_code == 0, res.output
    assert f"note: {path}: line 3, column 'pH': empty cell; --ph 7.2 used" in res.stderr
    header, _, row3 = (line.split(",") for line in res.stdout.splitlines())
    # the expectation: the same mixture speciated from the command line at pH 7.2
    single = run("speciate", "--total", "Mg=2mM", "--total", "ATP=1mM", "--ph", "7.2", "--format", "csv")
    species = dict(line.split(",")[:2] for line in single.stdout.splitlines()[1:])
    got = float(row3[header.index("mg_free_mM")])
    assert abs(got - float(species["Mg_free"])) <= 1e-5 * got


def test_an_empty_ph_cell_without_the_option_is_a_problem_with_its_place(tmp_path):
    path = tmp_path / "plate.csv"
    path.write_text("atp_total_mM,mg_total_mM,pH\n1,2,7.5\n1,2,\n", encoding="utf-8")
    res = run("speciate", path)
    assert res.exit_code == 2 and res.stdout == ""
    assert "line 3, column 'pH': the cell is empty; fill it, or give --ph for empty cells" in res.output
