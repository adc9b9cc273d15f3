"""The text reader's two paths give one Dataset (issue 9, item 6 and Done-when 3).

The fast path (one pass of the C parser, then vectorised checks) must read every file exactly as
the careful path (records found one by one on the bytes) does, or hand the file to it. Two kinds of
test:

* tricky but clean files (labels with spaces, unicode, numbers as labels, ``nan``/``inf`` text,
  empty cells, CRLF, trailing separators, BOM, ``;`` with decimal commas): the fast path must take
  them (``_careful`` is made to fail) and give what the careful path gives on the same bytes;
* random files mixing every feature the careful path handles (comments, blank lines, ragged rows,
  quotes, lone carriage returns ...): whichever path ``read_csv`` takes, the Dataset, or the list of
  problems, is the careful path's.

The careful path is forced by making ``_fast`` return None. Expected values are therefore the
careful path's; the labels are also checked against Python's ``str.strip`` of the text written.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.data import numbers, textfile
from mgkinetics.errors import DataFormatError


def _outcome(path):
    """('ok', Dataset) or ('error', [(line, column, message), ...])."""
    try:
        return "ok", mgk.read_csv(path)
    except DataFormatError as exc:
        return "error", [(p.line, p.column, p.message) for p in exc.problems]


def _careful_outcome(path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(textfile, "_fast", lambda *args, **kw: None)
        return _outcome(path)


def _fast_outcome(path, monkeypatch):
    """The outcome when the careful path may not run (the test fails if the fast path refuses)."""

    def refuse(*args, **kw):
        raise AssertionError(f"{path.name}: the fast path handed the file to the careful path")

    with monkeypatch.context() as m:
        m.setattr(textfile, "_careful", refuse)
        return _outcome(path)


def _assert_same(got, expected) -> None:
    assert got[0] == expected[0], (got, expected)
    if got[0] == "error":
        assert got[1] == expected[1]
        return
    a, b = got[1], expected[1]
    assert a.columns == b.columns
    assert dict(a.kinds) == dict(b.kinds)
    assert dict(a.unit_texts) == dict(b.unit_texts)
    assert {c: (u.label if u else None) for c, u in a.units.items()} == {
        c: (u.label if u else None) for c, u in b.units.items()
    }
    assert np.array_equal(a.lines, b.lines) and a.lines.dtype == b.lines.dtype
    assert dict(a.metadata) == dict(b.metadata)
    for c in a.columns:
        assert a.values[c].dtype == b.values[c].dtype, c
        if a.values[c].dtype.kind == "f":
            assert np.array_equal(a.values[c], b.values[c], equal_nan=True), c
        else:
            assert a.values[c].tolist() == b.values[c].tolist(), c


CLEAN = {
    "spaces.csv": "variant,s_mM,rate_uM_per_s\nwild type,1,2\nwt ,2,3\nwild type,3,4\nd84a  ,4,5\n",
    "inner_label.csv": "s_mM,variant,rate_uM_per_s\n1, wt,2\n2,wt,3\n3,\twt ,4\n4,,5\n",
    "unicode.csv": "curve,note,s_mM,rate_uM_per_s\nµ-1,café au lait,1,2\nµ-2,thé,2,3\nµ-1,,3,4\n",
    "numbers_as_labels.csv": "curve,s_mM,rate_uM_per_s\n01,1,2\n1,2,3\n1.0,3,4\n1e3,4,5\n",
    "numbers_as_labels_only.csv": "curve,s_mM,rate_uM_per_s\n01,1,2\n1,2,3\n001,3,4\n",
    "nan_text.csv": "variant,s_mM,rate_uM_per_s\nwt,1,nan\nwt,2,inf\nwt,-inf,3\nwt,4,Infinity\nwt,NaN,5\n",
    "bad_cells.csv": "variant,s_mM,rate_uM_per_s\nwt,1,x\nwt,-2,3\nwt,1.5.2,4\n",
    "empty_cells.csv": "variant,s_mM,rate_uM_per_s\nwt,,2\nwt,2,\nwt,3,4\nwt,4,\n",
    "crlf.csv": "s_mM,rate_uM_per_s,variant\r\n1,2,wt\r\n2,3,mut\r\n3,4,\r\n",
    "trailing_sep.csv": "variant,s_mM,rate_uM_per_s,\nwt,1,2,\nwt,2,3,\n",
    "no_final_newline.csv": "s_mM,rate_uM_per_s,variant\n1,2,wt\n2,3,mut",
    "semicolon.csv": "variant;s_mM;rate_uM_per_s\nwt;0,5;1,25\nwt;1,5;2\n",
    "tabs.tsv": "variant\ts_mM\trate_uM_per_s\nwt\t1\t2\nmut\t2\t3\n",
    "single_column.csv": "name\r\nwt\r\nmut \r\nwt\r\n",
    "numeric_first.csv": "s_mM,rate_uM_per_s\n1,2\n 2 ,3\n3,4\n",
    "header_only.csv": "variant,s_mM,rate_uM_per_s\n",
    "long_labels.csv": "sample,s_mM,rate_uM_per_s\n"
    + "".join(f"{'x' * 70}{i % 3},{i + 1},2\n" for i in range(6)),
    "hash_inside.csv": "variant,s_mM,rate_uM_per_s\nwt#1,1,2\nwt,2,3\n",
    "condition.csv": "variant,s_mM,rate_uM_per_s,pH,temperature_C\nwt,1,2,7.5,25\nwt,2,3,7.5,30\n",
}


@pytest.mark.parametrize("name", sorted(CLEAN))
@pytest.mark.parametrize("bom", [False, True])
def test_fast_path_takes_clean_files_and_reads_them_as_the_careful_path(tmp_path, monkeypatch, name, bom):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + CLEAN[name].encode("utf-8"))
    fast = _fast_outcome(path, monkeypatch)
    _assert_same(fast, _careful_outcome(path, monkeypatch))
    if fast[0] == "ok":
        body = CLEAN[name]
        assert len(fast[1]) == body.count("\n") + (not body.endswith("\n")) - 1


def test_clean_file_labels_are_the_stripped_text_as_written(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text(CLEAN["inner_label.csv"], encoding="utf-8")
    ds = _fast_outcome(path, monkeypatch)[1]
    assert ds.values["variant"].tolist() == [" wt".strip(), "wt", "\twt ".strip(), ""]
    path.write_text(CLEAN["numbers_as_labels.csv"], encoding="utf-8")
    ds = _fast_outcome(path, monkeypatch)[1]
    assert ds.values["curve"].tolist() == ["01", "1", "1.0", "1e3"]  # text as written, not numbers


def test_nan_and_inf_text_is_named_by_line_and_column_on_the_fast_path(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text(CLEAN["nan_text.csv"], encoding="utf-8")
    status, problems = _fast_outcome(path, monkeypatch)
    assert status == "error"
    assert [(line, col) for line, col, _ in problems] == [
        (2, "rate_uM_per_s"),
        (3, "rate_uM_per_s"),
        (4, "s_mM"),
        (5, "rate_uM_per_s"),
        (6, "s_mM"),
    ]
    assert all("is not a finite number" in msg for _, _, msg in problems)


@pytest.mark.parametrize(
    "body",
    [
        "variant,s_mM\n# a comment\nwt,1\n",  # a comment line
        "variant,s_mM\nwt,1\n\nwt,2\n",  # a blank line
        "variant,s_mM\nwt,1\n,\nwt,2\n",  # a line of separators (Excel)
        "variant,s_mM\nwt,1,9\nwt\n",  # first data line over, another one short: the counts add up
        "variant,s_mM,rate_uM_per_s\nwt,1\nwt,2,3,4\nwt,3,4\n",  # short then over
        "variant,s_mM\nw\rt,1\nmut,2\n",  # a lone carriage return
        'variant,s_mM\n"wt, a",1\nmut,2\n',  # quotes
        "variant,s_mM\n#1,1\nwt,2\n",  # a first field starting with '#' is a comment
        "variant,s_mM\n wt,1\n  # indented comment\n",  # lines starting with spaces
        "s_mM,rate_uM_per_s\n1,2\n\n",  # a blank last line, numeric first column
    ],
)
def test_files_the_fast_path_refuses_read_as_on_the_careful_path(tmp_path, monkeypatch, body):
    path = tmp_path / "t.csv"
    path.write_text(body, encoding="utf-8", newline="")
    _assert_same(_outcome(path), _careful_outcome(path, monkeypatch))


_LABELS = ["wt", "d84a", " wt", "wt ", "wild type", "µ-1", "01", "1", "#1", "nan", "", "  "]
_NUMBERS = ["1", "2.5", " 3 ", "1e-3", "", "nan", "inf", "-1", "x", "0,5", "+4", "1e400"]


def _random_line(rng, width: int, sep: str) -> str:
    kind = rng.choice(["row"] * 12 + ["comment", "blank", "seps", "short", "long", "cr", "quoted", "space"])
    fields = [str(rng.choice(_LABELS))] + [
        str(rng.choice(_NUMBERS[:5] * 6 + _NUMBERS)) for _ in range(width - 1)
    ]
    if kind == "comment":
        return "# note" + sep + "x"
    if kind == "blank":
        return ""
    if kind == "seps":
        return sep * (width - 1)
    if kind == "short":
        fields = fields[:-1]
    elif kind == "long":
        fields.append("9")
    elif kind == "cr":
        fields[0] += "\r"
    elif kind == "quoted":
        fields[0] = f'"{fields[0]}{sep}q"'
    elif kind == "space":
        fields[0] = " " + fields[0]
    return sep.join(fields)


def _random_file(rng) -> tuple[str, bytes]:
    sep = str(rng.choice([",", ";", "\t"]))
    header = ["variant", "s_mM", "rate_uM_per_s", "pH"][: int(rng.integers(2, 5))]
    clean = rng.random() < 0.4  # many files take the fast path
    lines = []
    for _ in range(int(rng.integers(0, 12))):
        line = _random_line(rng, len(header), sep)
        if clean:
            fields = [str(rng.choice(["wt", "d84a", "wild type", "01", "µ-1"]))]
            fields += [str(rng.choice(_NUMBERS[:5])) for _ in header[1:]]
            line = sep.join(fields)
        lines.append(line)
    if rng.random() < 0.2:
        header, lines = (
            header[1:] + header[:1],
            [sep.join(ln.split(sep)[1:] + ln.split(sep)[:1]) for ln in lines],
        )
    end = "\r\n" if rng.random() < 0.3 else "\n"
    text = end.join([sep.join(header)] + lines) + (end if rng.random() < 0.8 else "")
    raw = text.encode("utf-8")
    if rng.random() < 0.2:
        raw = b"\xef\xbb\xbf" + raw
    return ("t.tsv" if sep == "\t" else "t.csv"), raw


def test_random_files_read_as_on_the_careful_path(tmp_path, monkeypatch):
    rng = np.random.default_rng(20261201)
    taken = []
    fast = textfile._fast

    def counted(*args, **kw):
        got = fast(*args, **kw)
        taken.append(got is not None)
        return got

    for i in range(250):
        name, raw = _random_file(rng)
        path = tmp_path / f"{i}_{name}"
        path.write_bytes(raw)
        with monkeypatch.context() as m:
            m.setattr(textfile, "_fast", counted)
            got = _outcome(path)
        _assert_same(got, _careful_outcome(path, monkeypatch))
    assert sum(taken) >= 50  # the comparison covers the fast path, not only the careful one


def test_large_label_column_numbers_then_text_stays_as_written(tmp_path, monkeypatch):
    # the C parser reads a large file in chunks: numbers in one chunk, text in another; the label
    # column must stay the text as written ('007', not 7) on both paths
    n = 300_000
    labels = [f"{i:03d}" for i in range(n - 1)] + ["x"]
    path = tmp_path / "big.csv"
    path.write_text("curve,s_mM\n" + "".join(f"{lab},1\n" for lab in labels), encoding="utf-8")
    fast = _fast_outcome(path, monkeypatch)
    assert fast[1].values["curve"][:3].tolist() == ["000", "001", "002"]
    assert fast[1].values["curve"][-1] == "x" and len(fast[1]) == n
    _assert_same(fast, _careful_outcome(path, monkeypatch))


def test_fast_path_without_pyarrow(tmp_path, monkeypatch):
    # pyarrow is a test extra: the labels' factorization must give the same without it
    path = tmp_path / "t.csv"
    body = "variant,s_mM\n" + "".join(f"{lab},1\n" for lab in ["wt", "wt", "wt ", "d84a", "wt", "µ", "d84a"])
    path.write_text(body, encoding="utf-8")
    with_arrow = _fast_outcome(path, monkeypatch)
    monkeypatch.setattr(numbers, "_has_pyarrow", lambda: False)
    monkeypatch.setattr(textfile, "factorize_arrow_labels", lambda *args: None)
    _assert_same(_fast_outcome(path, monkeypatch), with_arrow)
    assert with_arrow[1].values["variant"].tolist() == ["wt", "wt", "wt", "d84a", "wt", "µ", "d84a"]


@pytest.mark.parametrize(
    "cells",
    [
        ["wt", "wt", "d84a", "d84a", "wt"],  # runs
        ["wt", "d84a", "wt", "d84a", "wt", "d84a"],  # no runs: hashed cell by cell
        ["wt", None, None, "wt", float("nan"), "x"],  # missing cells
        [1, 1, 2.5, "a", "a"],  # numbers among strings
    ],
)
def test_factorize_cells_codes_each_distinct_cell_in_order_of_appearance(cells):
    codes, distinct = numbers.factorize_cells(np.array(cells, dtype=object))
    present = [c for c in cells if isinstance(c, str) or (c is not None and c == c)]
    assert distinct == list(dict.fromkeys(present))
    decoded = [distinct[k] if k >= 0 else None for k in codes]
    assert decoded == [c if c in present else None for c in cells]


@pytest.mark.parametrize("first", ["label", "number"])
@pytest.mark.parametrize(
    "line",
    ["# a comment", "", "\r", ",,", ",1,2", "#1,1,2", "  # indented", " ,1,2", "wt,1", "wt,1,", "wt,1,2,3"],
)
def test_a_line_far_from_both_ends_reads_as_on_the_careful_path(tmp_path, monkeypatch, first, line):
    # more than 64 kB of clean rows on each side: only the checks after the parser can find the line
    rows = [f"wt{i % 7},{i % 5 + 1},2" for i in range(40000)]
    header = "variant,s_mM,rate_uM_per_s"
    if first == "number":  # the numeric column first, the labels last
        rows = [",".join(r.split(",")[1:] + r.split(",")[:1]) for r in rows]
        header = "s_mM,rate_uM_per_s,variant"
    path = tmp_path / "t.csv"
    path.write_text(
        "\n".join([header] + rows[:20000] + [line] + rows[20000:]) + "\n", encoding="utf-8", newline=""
    )
    assert path.stat().st_size > 3 * textfile._ENDS
    got, expected = _outcome(path), _careful_outcome(path, monkeypatch)
    _assert_same(got, expected)
    if line in ("# a comment", "", ",,", "#1,1,2", "  # indented"):  # skipped: 40000 rows, lines to 40002
        assert got[0] == "ok" and len(got[1]) == 40000 and got[1].lines[-1] == 40002


@pytest.mark.parametrize(
    "cells",
    [
        ["wt", "wt", "wt ", "d84a", "d84a", "wt"],  # runs
        ["wt", "d84a"] * 4,  # no runs
        ["µ-1", "µ-1", " µ-2", "café"],  # UTF-8, stripped
        ["mut ", "wt", "wt"],  # the widest label is one once stripped
    ],
)
def test_factorize_arrow_labels_codes_the_stripped_labels(cells):
    pytest.importorskip("pyarrow")  # a test extra: without it pandas makes no Arrow strings
    import pandas as pd

    from mgkinetics.data.arrowlabels import factorize_arrow_labels

    got = factorize_arrow_labels(pd.Series(cells, dtype="string[pyarrow]"), [35])
    assert got.labels[got.codes].tolist() == [c.strip() for c in cells]
    assert len(set(got.labels.tolist())) == got.labels.size
    assert got.labels.dtype == np.asarray([c.strip() for c in cells]).dtype


@pytest.mark.parametrize(
    "cells",
    [
        ["wt", "#1", "wt"],  # a value starting with '#' (a comment line on the careful path)
        ["wt", None, "wt"],  # a missing value
        ["a" * 65, "b"],  # longer than factorize_fields takes
    ],
)
def test_factorize_arrow_labels_leaves_other_columns_to_the_caller(cells):
    pytest.importorskip("pyarrow")
    import pandas as pd

    from mgkinetics.data.arrowlabels import factorize_arrow_labels

    assert factorize_arrow_labels(pd.Series(cells, dtype="string[pyarrow]"), [35]) is None


def test_arrow_run_heads_gives_the_first_row_of_each_run():
    pa = pytest.importorskip("pyarrow")
    heads = numbers.arrow_run_heads(pa.array(["wt", "wt", "wt", None, "d84a", "d84a", "d84a"]))
    assert heads.tolist() == [0, 3, 4]
    assert numbers.arrow_run_heads(pa.array(["wt", "d84a", "wt"])) is None  # runs not few: hash every row


@pytest.mark.parametrize("run_end_encoding", [True, False])
def test_label_runs_across_arrow_chunks_read_as_on_the_careful_path(tmp_path, monkeypatch, run_end_encoding):
    # the C parser hands a long label column over in several Arrow chunks; a run of one label that
    # a chunk boundary cuts is coded once. Without pyarrow's run-end encoding (pyarrow < 12) the runs
    # are found by comparing neighbours. Expected: the careful path, and the labels as written.
    pa = pytest.importorskip("pyarrow")
    import pandas as pd
    import pyarrow.compute as pc

    n = 300_000
    labels = [f"g{i // 7}" for i in range(n)]
    path = tmp_path / "runs.csv"
    path.write_text("curve,s_mM\n" + "".join(f"{lab},1\n" for lab in labels), encoding="utf-8")
    assert pa.array(pd.read_csv(path)["curve"].array).num_chunks > 1  # the case under test
    if not run_end_encoding:
        monkeypatch.delattr(pc, "run_end_encode")
    fast = _fast_outcome(path, monkeypatch)
    assert fast[1].values["curve"].tolist() == labels
    _assert_same(fast, _careful_outcome(path, monkeypatch))


def _rows(n: int) -> list[str]:
    return [f"wt{i % 7},{i % 5 + 1},2" for i in range(n)]


@pytest.mark.parametrize(
    "name, make",
    [
        # a byte that is not UTF-8 far from both ends (only the parser sees it on the fast path)
        (
            "bad_number.csv",
            lambda r: (
                ("variant,s_mM,rate_uM_per_s\n" + "\n".join(r[:20000])).encode()
                + b"\nwt,1\xff,2\n"
                + "\n".join(r[20000:]).encode()
            ),
        ),
        (
            "bad_label.csv",
            lambda r: (
                ("variant,s_mM,rate_uM_per_s\n" + "\n".join(r[:20000])).encode()
                + b"\nw\xe9t,1,2\n"
                + "\n".join(r[20000:]).encode()
            ),
        ),
        ("bad_header.csv", lambda r: ("variant,s_mM,rate_\xb5M_per_s\n" + "\n".join(r)).encode("latin-1")),
        ("utf16.csv", lambda r: ("variant,s_mM,rate_uM_per_s\r\n" + "\r\n".join(r)).encode("utf-16")),
        ("mac.csv", lambda r: ("variant,s_mM,rate_uM_per_s\r" + "\r".join(r) + "\r").encode()),
        ("bom_mu.csv", lambda r: ("\ufeffvariant,s_mM,rate_µM_per_s\n" + "\n".join(r) + "\n").encode()),
    ],
)
def test_encodings_read_as_on_the_careful_path(tmp_path, monkeypatch, name, make):
    # the fast path reads a memory map of the file and leaves UTF-8 checking to the parser (which
    # decodes every cell that is not a number); the outcome must be the careful path's, which
    # checks the bytes first. Expected: the careful path's outcome; for the bad bytes the line.
    path = tmp_path / name
    path.write_bytes(make(_rows(40000)))
    got = _outcome(path)
    _assert_same(got, _careful_outcome(path, monkeypatch))
    if name.startswith("bad"):
        line = {"bad_number.csv": 20002, "bad_label.csv": 20002, "bad_header.csv": 1}[name]
        assert got == ("error", [(line, None, "is not UTF-8 text; save the file as UTF-8 CSV (or as .xlsx)")])
    else:
        assert got[0] == "ok" and len(got[1]) == 40000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_reads_as_the_file(tmp_path):
    # a pipe cannot be mapped or read twice: its bytes are read once (the first four tell a workbook)
    body = "variant,s_mM,rate_uM_per_s\n" + "\n".join(_rows(1000)) + "\n"
    path = tmp_path / "t.csv"
    path.write_text(body, encoding="utf-8")
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    writer = threading.Thread(target=pipe.write_text, args=(body,), kwargs={"encoding": "utf-8"})
    writer.start()
    try:
        from_pipe = _outcome(pipe)
    finally:
        writer.join(timeout=10)
    expected = _outcome(path)
    assert from_pipe[0] == "ok"
    _assert_same(from_pipe, expected)
