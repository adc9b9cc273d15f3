"""data/textbytes and the reader's fast path: labels factorized on the file's bytes (issue 9, item 6).

The fast path (no quotes, comments or blank lines) must read every file exactly as the careful path
(records found one by one, every column through the C parser) does. Each test reads the same rows
both ways: the careful copy gets a comment line first, so its lines are one more. Expected labels are
Python's ``str.strip`` of the text the test wrote.
"""

from __future__ import annotations

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.data import numbers, textfile
from mgkinetics.data.numbers import FactorizedText
from mgkinetics.data.textbytes import MAX_FIELD_BYTES, factorize_fields
from mgkinetics.errors import DataFormatError


def _fields(labels: list[str], sep: str = ",") -> tuple[bytes, np.ndarray, np.ndarray]:
    """A buffer 'label,1\\n' per label and the byte offsets of each label."""
    parts, starts, ends, at = [], [], [], 0
    for lab in labels:
        raw = lab.encode("utf-8")
        starts.append(at)
        ends.append(at + len(raw))
        line = raw + f"{sep}1\n".encode()
        parts.append(line)
        at += len(line)
    return b"".join(parts), np.array(starts), np.array(ends)


def _random_labels(rng, n: int, alphabet: str) -> list[str]:
    pool = ["".join(rng.choice(list(alphabet), size=rng.integers(0, 20))) for _ in range(40)]
    pool += [" wt", "wt", "wt ", "", "  ", "\twt", "a" * 8, "a" * 9, "a" * 16, "a" * 17]
    return [pool[i] for i in rng.integers(0, len(pool), n)]


@pytest.mark.parametrize("grouped", [True, False])
@pytest.mark.parametrize("alphabet, ascii_only", [("ab c_0", True), ("aµ é-1", False)])
def test_factorize_fields_gives_every_stripped_field(grouped, alphabet, ascii_only):
    rng = np.random.default_rng(9)
    labels = _random_labels(rng, 3000, alphabet)
    if grouped:  # the rows of one curve side by side, as in a long table
        labels = sorted(labels)
    data, starts, ends = _fields(labels)
    got = factorize_fields(data, starts, ends, ascii_only=ascii_only)
    assert got.labels[got.codes].tolist() == [lab.strip() for lab in labels]
    assert len(set(got.labels.tolist())) == got.labels.size  # distinct after stripping


def test_factorize_fields_reads_the_last_bytes_of_the_buffer():
    # the last fields lie within 8 bytes of the end, past the unaligned 8-byte view
    data = b"x,abcdefghij,k,"
    starts, ends = np.array([0, 2, 13, 15]), np.array([1, 12, 14, 15])
    got = factorize_fields(data, starts, ends, ascii_only=True)
    assert got.labels[got.codes].tolist() == ["x", "abcdefghij", "k", ""]


def test_factorize_fields_leaves_long_fields_to_the_parser():
    data, starts, ends = _fields(["a" * (MAX_FIELD_BYTES + 1), "b"])
    assert factorize_fields(data, starts, ends, ascii_only=True) is None
    data, starts, ends = _fields(["a" * MAX_FIELD_BYTES, "b"])
    got = factorize_fields(data, starts, ends, ascii_only=True)
    assert got.labels[got.codes].tolist() == ["a" * MAX_FIELD_BYTES, "b"]


def _both_ways(tmp_path, body: str, name: str = "t.csv", **kw):
    """(fast, careful) Datasets of the same rows; the careful file has a comment line first."""
    fast = tmp_path / name
    careful = tmp_path / ("careful_" + name)
    fast.write_bytes(body.encode("utf-8"))
    careful.write_bytes(("# read on the careful path\n" + body).encode("utf-8"))
    return mgk.read_csv(fast, **kw), mgk.read_csv(careful, **kw)


def _same(fast, careful) -> None:
    assert fast.columns == careful.columns
    assert fast.kinds == careful.kinds
    assert np.array_equal(fast.lines + 1, careful.lines)
    for c in fast.columns:
        assert fast.values[c].dtype.kind == careful.values[c].dtype.kind
        assert fast.values[c].tolist() == careful.values[c].tolist() or (
            fast.values[c].dtype.kind == "f"
            and np.array_equal(fast.values[c], careful.values[c], equal_nan=True)
        )


@pytest.mark.parametrize(
    "body",
    [
        "variant,s_mM,rate_uM_per_s\nWT ,1,2\n D84A,2,3\n,3,4\nWT,4,5\n",  # label first, spaces, empty
        "s_mM,variant,rate_uM_per_s\n1,01,2\n2,1,3\n3,001,4\n",  # numeric-looking labels stay text
        "s_mM,rate_uM_per_s,variant\r\n1,2,wt\r\n2,3,mut\r\n3,4,\r\n",  # label last, CRLF
        "s_mM,rate_uM_per_s,variant\n1,2,wt\n2,3,mut",  # no newline at the end
        "curve,note,s_mM,rate_uM_per_s\nµ-1,café au lait,1,2\nµ-2,thé,2,3\nµ-1,,3,4\n",  # UTF-8 labels
        "name\r\nwt\r\nmut \r\nwt\r\n",  # a single column of labels, CRLF
        "sample,s_mM,rate_uM_per_s\n" + "".join(f"{'x' * 70}{i % 3},{i + 1},2\n" for i in range(6)),  # long
    ],
)
def test_fast_path_reads_as_the_careful_path(tmp_path, body):
    fast, careful = _both_ways(tmp_path, body)
    _same(fast, careful)
    assert len(fast) == body.count("\n") + (not body.endswith("\n")) - 1


def test_fast_path_hands_labels_over_factorized(tmp_path):
    # the fast path is the one taken on a clean file (otherwise the tests above compare a path with itself)
    path = tmp_path / "t.csv"
    path.write_bytes(b"variant,s_mM\nwt,1\nmut,2\nwt,3\n")
    raw = textfile.read_text_table(path, path.read_bytes())
    assert isinstance(raw.cells[0], FactorizedText)
    assert raw.cells[0].labels[raw.cells[0].codes].tolist() == ["wt", "mut", "wt"]
    assert raw.cells[1].dtype == np.float64 or raw.cells[1].dtype.kind == "i"
    careful = tmp_path / "c.csv"
    careful.write_bytes(b"variant,s_mM\n\nwt,1\nmut,2\nwt,3\n")
    assert not isinstance(textfile.read_text_table(careful, careful.read_bytes()).cells[0], FactorizedText)


def test_label_column_given_a_unit_names_its_bad_cells(tmp_path):
    # a column without a unit in its header is read as labels; --input-unit makes it numeric later
    body = "S,rate_uM_per_s\n1,2\nx,3\n3,4\n-1,5\n"
    for kw_path in _paths(tmp_path, body):
        with pytest.raises(DataFormatError) as exc:
            mgk.read_csv(kw_path, input_units={"S": "mM"})
        shift = 0 if kw_path.name == "t.csv" else 1
        assert [(p.line, p.column) for p in exc.value.problems] == [(3 + shift, "S"), (5 + shift, "S")]
        assert "'x' is not a number" in exc.value.problems[0].message
    ok = tmp_path / "ok.csv"
    ok.write_text("S,rate_uM_per_s\n1,2\n 2.5 ,3\n,4\n", encoding="utf-8")
    got = mgk.read_csv(ok, input_units={"S": "mM"}).values["S"]
    assert np.array_equal(got, [1.0, 2.5, np.nan], equal_nan=True)


def _paths(tmp_path, body: str):
    fast, careful = tmp_path / "t.csv", tmp_path / "c.csv"
    fast.write_text(body, encoding="utf-8")
    careful.write_text("# comment\n" + body, encoding="utf-8")
    return fast, careful


def test_ragged_rows_with_the_right_total_are_reported(tmp_path):
    # one row short of a field and another one over: the separators add up, the rows do not
    body = "variant,s_mM,rate_uM_per_s\nwt,1\nwt,2,3,4\nwt,3,4\n"
    path = tmp_path / "t.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DataFormatError) as exc:
        mgk.read_csv(path)
    assert [p.line for p in exc.value.problems] == [2, 3]
    assert "has 2 fields but the header has 3" in exc.value.problems[0].message


@pytest.mark.parametrize("body", ["variant,s_mM\nw\rt,1\nmut,2\n", "variant,s_mM\nw\x00t,1\nmut,2\n"])
def test_lone_carriage_return_or_nul_reads_as_on_the_careful_path(tmp_path, body):
    results = []
    for path in _paths(tmp_path, body):
        try:
            ds = mgk.read_csv(path)
            results.append(("ok", ds.values["variant"].tolist(), ds.values["s_mM"].tolist()))
        except DataFormatError as exc:
            results.append(("error", [p.message for p in exc.problems], None))
    assert results[0] == results[1]


def test_careful_path_labels_without_pyarrow(tmp_path, monkeypatch):
    # pyarrow is a test extra: the careful path's factorization must not need it
    path = tmp_path / "c.csv"
    path.write_text("# comment\nvariant,s_mM\nWT ,1\nD84A,2\n,3\nWT,4\n", encoding="utf-8")
    with_arrow = mgk.read_csv(path).values["variant"].tolist()
    monkeypatch.setattr(numbers, "_has_pyarrow", lambda: False)
    assert mgk.read_csv(path).values["variant"].tolist() == with_arrow == ["WT", "D84A", "", "WT"]
