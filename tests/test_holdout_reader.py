"""Reader hold-outs (issue 12) found by edges4 and fixed in data/textfile.py (059126f): BOM-less
UTF-16-LE and Excel's ``sep=;`` first line give the same fit as the plain UTF-8 CSV."""

from __future__ import annotations

from holdout_common import TABLE, run


def test_utf16_without_bom_reads_like_utf8(data, tmp_path):
    path = tmp_path / "le.csv"
    path.write_bytes(TABLE.encode("utf-16-le"))
    ref = run("fit", data, "--law", "michaelis_menten", "--format", "csv")
    res = run("fit", path, "--law", "michaelis_menten", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert res.stdout.replace(str(path), "F") == ref.stdout.replace(str(data), "F")


def test_excel_sep_line_is_honoured(data, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\n" + TABLE.replace(",", ";"), encoding="utf-8")
    ref = run("fit", data, "--law", "michaelis_menten", "--format", "csv")
    res = run("fit", path, "--law", "michaelis_menten", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert res.stdout.replace(str(path), "F") == ref.stdout.replace(str(data), "F")
