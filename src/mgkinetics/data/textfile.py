"""Delimited text (.csv, .tsv, .txt) to a :class:`~mgkinetics.data.model.RawTable`, with pandas' C parser.

A file whose every line is a record (no quotes, comments, blank lines or ragged rows: most large
files) takes a fast path: one pass of the C parser over the whole file, then vectorised checks of
what it read (row and separator counts, the first column's cells) that send any other file to the
careful path (:func:`_fast`). Both paths hand the same cells to the validation.

The careful path finds the file's structure on its bytes with numpy before pandas parses it:
record ends (a newline outside quotes), comment lines (an unquoted ``#`` first on the line), blank
lines (only spaces or separators, as Excel leaves at the end) and the field count of each record.
So every row keeps the line number an editor shows (header = line 1, comments and blank lines
counted), a quoted label starting with ``#`` is data, and ragged rows are reported, not padded.
BOM and CRLF are accepted; the separator is a tab for ``.tsv``, else the header's tab, ``;`` or ``,``.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np

from mgkinetics.data.arrowlabels import factorize_arrow_labels
from mgkinetics.data.conditions import condition_of_column
from mgkinetics.data.model import RawTable, repeated_names
from mgkinetics.data.numbers import FactorizedText, edge_characters, factorize_cells
from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.units import split_header

__all__ = ["read_text_table", "refuse_repeated_names"]

_QUOTE, _NL, _HASH = 34, 10, 35
_BLANKISH = b" \t\r"


def _decode(raw: bytes, source: str) -> bytes:
    """UTF-8 bytes without BOM (UTF-16 with a BOM is transcoded)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raw = raw.decode("utf-16").encode("utf-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.isascii():
        return raw
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFormatError(
            source, [Problem(line, None, "is not UTF-8 text; save the file as UTF-8 CSV (or as .xlsx)")]
        ) from None
    return raw


def _records(a: np.ndarray, nl: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(start, end) byte offsets of each record and the quote positions (None without quotes)."""
    quotes = np.flatnonzero(a == _QUOTE) if (a == _QUOTE).any() else None
    if quotes is not None:  # a newline inside quotes does not end a record
        nl = nl[np.searchsorted(quotes, nl) % 2 == 0]
    starts = np.concatenate([[0], nl + 1])
    ends = np.concatenate([nl, [a.size]])
    if ends.size and starts[-1] >= a.size:  # the file ends with a newline
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends, quotes


def _blank_or_comment(a: np.ndarray, starts, ends, sep: int) -> np.ndarray:
    """Records that are blank (only spaces/separators) or comments (an unquoted '#' first)."""
    first = np.where(ends > starts, a[np.minimum(starts, a.size - 1)], _NL) if a.size else starts
    skip = (ends == starts) | (first == _HASH)
    maybe = np.flatnonzero(~skip & np.isin(first, np.frombuffer(_BLANKISH + bytes([sep]), np.uint8)))
    for r in maybe:  # rare: a record starting with a space or a separator
        body = a[starts[r] : ends[r]].tobytes()
        stripped = body.strip(_BLANKISH + bytes([sep]))
        skip[r] = not stripped or body.lstrip(b" \t").startswith(b"#")
    return skip


def _separator(header: bytes, path: Path) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    unquoted = b"".join(header.split(b'"')[0::2])
    for sep in (b"\t", b";", b","):
        if sep in unquoted:
            return sep.decode()
    return ","


def _field_counts(a, starts, ends, quotes, sep: int) -> np.ndarray:
    """Fields of each record (separators outside quotes + 1)."""
    pos = np.flatnonzero(a == sep)
    if quotes is not None:
        pos = pos[np.searchsorted(quotes, pos) % 2 == 0]
    rec = np.searchsorted(starts, pos, side="right") - 1
    return np.bincount(rec, minlength=starts.size) + 1


def _header_cells(text: bytes, sep: str) -> list[str]:
    try:
        return next(csv.reader([text.decode("utf-8").replace("\r", " ")], delimiter=sep), [])
    except csv.Error:
        return text.decode("utf-8").split(sep)


#: Bytes counted at a time: the comparison's mask stays in the CPU cache.
_CHUNK = 1 << 18


def _count(a: np.ndarray, sep: int) -> tuple[int, int]:
    """(newlines, separators) in the bytes ``a``, counted chunk by chunk (no positions kept)."""
    n_newlines = n_seps = 0
    mask = np.empty(min(_CHUNK, a.size), dtype=bool)
    for offset in range(0, a.size, _CHUNK):
        chunk = a[offset : offset + _CHUNK]
        m = mask[: chunk.size]
        np.equal(chunk, _NL, out=m)
        n_newlines += int(np.count_nonzero(m))
        np.equal(chunk, sep, out=m)
        n_seps += int(np.count_nonzero(m))
    return n_newlines, n_seps


#: Bytes at each end of a file searched for comments and blank lines before the parser runs (the
#: checks after it find them anywhere, at the cost of a second parse on the careful path).
_ENDS = 1 << 16


def _one_record_per_line(data: bytes, sep: str, width: int) -> bool:
    """Whether the parser may take every line of a file without quotes as one record, as far as
    its bytes tell: False when the header line may be a comment or blank (its first byte), a line
    near either end of the file is a comment, blank or has an empty first field, a carriage
    return is not CRLF's (the parser would end a line there), or the first data line has another
    field count than the header (the parser would take its first field as an index)."""
    if data[:1] in (b"#", b"\n", b"\r", b" ", b"\t", sep.encode()):
        return False
    starts = (b"\n\n", b"\n\r\n", b"\n#", b"\n" + sep.encode())  # a line blank, a comment or empty first
    for part in (data[:_ENDS], data[-_ENDS:]):  # where comments and Excel's blank lines usually are
        if any(start in part for start in starts):
            return False
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return False
    end = data.find(b"\n")
    if end < 0:
        return True
    second = data.find(b"\n", end + 1)
    line = data[end + 1 : second if second >= 0 else len(data)].rstrip(b"\r")
    return not line or line.count(sep.encode()) == width - 1


def _no_short_row(data: bytes, sep: str, width: int, n_rows: int, last) -> bool:
    """Whether no line has fewer fields than the header, given that none has more (the parser
    refuses those). The parser fills a short row's missing fields as empty cells, so a last column
    without empty cells proves it; else the separators are counted: ``width - 1`` on every line."""
    missing = np.isnan(last).any() if isinstance(last, np.ndarray) and last.dtype.kind in "fc" else None
    if missing is None:
        missing = last.isna().any() if hasattr(last, "isna") else False
    if not missing:
        return True
    n_newlines, n_seps = _count(np.frombuffer(data, dtype=np.uint8), ord(sep))
    n_lines = n_newlines + (not data.endswith(b"\n"))
    return n_lines == n_rows + 1 and n_seps == (width - 1) * n_lines


#: First characters that may make a line a comment or a blank line (or one starting with a space).
_NOT_FIRST = [ord("#"), ord(" "), ord("\t")]


def _first_column(cells):
    """The first column's cells as read, when none of them can be a comment, a blank line or a line
    starting with a space or a separator (a label column as ``FactorizedText``); else None."""
    import pandas as pd

    if isinstance(cells, np.ndarray):
        return None if cells.dtype.kind in "fc" and np.isnan(cells).any() else cells
    if len(cells) and isinstance(cells.dtype, pd.StringDtype) and cells.dtype.storage == "pyarrow":
        coded = factorize_arrow_labels(cells, _NOT_FIRST)
        if coded is not None:
            return coded
    codes, written = factorize_cells(cells)
    if (codes < 0).any():
        return None
    if not isinstance(cells.dtype, pd.StringDtype) and not all(isinstance(v, str) for v in written):
        return None  # numbers among strings: a numeric column with a bad cell
    labels = np.asarray(written, dtype=str)
    if np.isin(edge_characters(labels)[0], _NOT_FIRST).any():
        return None
    return FactorizedText.of(codes, labels)


def _fast(data: bytes, sep: str, source: str):
    """(header, cells, lines) when every line is a record, i.e. no quotes, comments, blank lines or
    lines starting with a space or separator, and no row is ragged; else None (the careful path).

    One pass of the C parser over the whole file, then checks of the bytes and of what it read
    (:func:`_one_record_per_line`, :func:`_no_short_row`, :func:`_first_column`): each parsed row
    is then the line after the previous one."""
    import pandas as pd

    if not data or b'"' in data or b"\x00" in data:
        return None
    end = data.find(b"\n")
    header = [c.strip() for c in _header_cells(data[: end if end >= 0 else len(data)].rstrip(b"\r"), sep)]
    width = len(header)
    refuse_repeated_names(header, 1, source)
    if not _one_record_per_line(data, sep, width):
        return None
    try:
        n_rows, cells = _read_columns(pd, data, sep, header, range(width), source, skip_header=True)
    except DataFormatError:  # a line with more fields than the header, for one
        return None
    if n_rows == 0:
        return header, [np.array([], dtype=object) for _ in header], np.arange(0)
    if not _no_short_row(data, sep, width, n_rows, cells[-1]):
        return None
    first = _first_column(cells[0])
    if first is None:
        return None
    return header, [first] + cells[1:], np.arange(2, n_rows + 2)


def refuse_repeated_names(header: list[str], line: int, source: str) -> None:
    """Refuse a header that repeats a name (case-insensitively), as the Dataset would, before a
    parser sees the file: pandas handles repeated names in O(n^2), minutes for 10^5 columns.

    Parameters
    ----------
    header : list of str
        The header's cells, stripped.
    line : int
        The header's line in the file.
    source : str
        The file, for the error.

    Raises
    ------
    DataFormatError
        One problem per repeat (line, column name), like the Dataset's own check.
    """
    problems = repeated_names(header, line)
    if problems:
        raise DataFormatError(source, problems)


def read_text_table(path: Path, raw: bytes) -> RawTable:
    """Parse a delimited text file into a RawTable (cells as the C parser read them)."""
    source = str(path)
    data = _decode(raw, source)
    if b"\r" in data and b"\n" not in data:  # old Mac line ends
        data = data.replace(b"\r", b"\n")
    end = data.find(b"\n")
    sep = _separator(data[: end if end >= 0 else len(data)], path)
    fast = _fast(data, sep, source)
    if fast is not None:
        header, cells, lines = fast
        return RawTable(source, header, cells, lines, 1, decimal_comma=sep != ",")
    return _careful(path, data, source)


def _careful(path: Path, data: bytes, source: str) -> RawTable:
    """Any file: records found on the bytes (quotes, comments, blank lines, ragged rows)."""
    import pandas as pd

    a = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(a == _NL)
    starts, ends, quotes = _records(a, newlines)
    line_of = np.searchsorted(newlines, starts) + 1
    skip = _blank_or_comment(a, starts, ends, ord(","))
    kept = np.flatnonzero(~skip)
    if kept.size == 0:
        what = "the file is empty" if not data.strip() else "no header line, only comments or blank lines"
        raise DataFormatError(
            source,
            [
                Problem(
                    1,
                    None,
                    f"{what}; expected a header line naming the columns "
                    "(e.g. s_mM,rate_uM_per_s) and data rows",
                )
            ],
        )
    h = kept[0]
    sep = _separator(data[starts[h] : ends[h]], path)
    if sep != ",":
        skip = _blank_or_comment(a, starts, ends, ord(sep))
        kept = np.flatnonzero(~skip)
    header = [c.strip() for c in _header_cells(data[starts[h] : ends[h]].rstrip(b"\r"), sep)]
    refuse_repeated_names(header, int(line_of[h]), source)
    rows = kept[1:]
    counts = _field_counts(a, starts, ends, quotes, ord(sep))
    width = len(header)
    problems = []
    ragged = rows[counts[rows] != width]
    for r in ragged:
        n = len(_header_cells(data[starts[r] : ends[r]].rstrip(b"\r"), sep))
        problems.append(
            Problem(
                int(line_of[r]),
                None,
                f"has {n} fields but the header has {width}; check for a missing or extra '{sep}'",
            )
        )
    if ragged.size:  # parse the other rows too, so that their bad cells are reported with these
        skip = skip.copy()
        skip[ragged] = True
        rows = rows[counts[rows] == width]
    body = _body(a, data, starts, ends, rows, skip, h)
    cells = _parse(pd, body, sep, header, rows.size, source)
    return RawTable(
        source, header, cells, line_of[rows], int(line_of[h]), decimal_comma=sep != ",", problems=problems
    )


def _body(a, data: bytes, starts, ends, rows, skip, h) -> bytes:
    """The data records as one byte string (comments and blank lines left out)."""
    if rows.size == 0:
        return b""
    if not skip[h + 1 :].any():
        return data[starts[rows[0]] :]
    keep = np.zeros(a.size + 1, dtype=np.int8)
    np.add.at(keep, starts[rows], 1)
    np.add.at(keep, np.minimum(ends[rows] + 1, a.size), -1)
    return a[np.cumsum(keep[:-1]) > 0].tobytes()


def _is_label(name: str) -> bool:
    """Whether a header names a text column (no unit, not a condition): read as text, not inferred."""
    stem, unit = split_header(name)
    return unit is None and condition_of_column(name, stem, unit) is None


def _parse(pd, body: bytes, sep: str, header: list[str], n_rows: int, source: str) -> list:
    """Every column of ``body`` (the data records, no header) by the C parser; label columns as text."""
    if n_rows == 0:
        return [np.array([], dtype=object) for _ in header]
    n_parsed, cells = _read_columns(pd, body, sep, header, range(len(header)), source, skip_header=False)
    if n_parsed != n_rows:
        raise DataFormatError(
            source,
            [Problem(None, None, f"{n_parsed} rows parsed where {n_rows} were found; check the quotes")],
        )
    return cells


def _read_columns(pd, body: bytes, sep: str, header: list[str], columns, source: str, *, skip_header: bool):
    """(rows parsed, cells of each of ``columns``) by the C parser; label columns as text."""
    columns = list(columns)
    options = dict(
        sep=sep,
        # names instead of the header: pandas mangles repeated names in O(n^2); a header line is
        # read and dropped (header=0), not skipped (skiprows costs a lookup per line)
        header=0 if skip_header else None,
        names=list(range(len(header))),
        # usecols only for some columns: with it the parser takes lines with more fields than names
        usecols=None if columns == list(range(len(header))) else columns,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        engine="c",
        encoding="utf-8",
    )
    try:  # inferring types is faster than asking for text; a label that looks numeric is read again
        with warnings.catch_warnings():  # columns of mixed chunks are handled below and in numbers
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(io.BytesIO(body), **options)
        cells = {i: frame[i] for i in columns}
        labels = [i for i in columns if _is_label(header[i]) and not _is_text(pd, cells[i])]
        if labels:  # text as written: '01' is not '1'
            options.update(usecols=labels, dtype=dict.fromkeys(labels, "str"))
            text = pd.read_csv(io.BytesIO(body), **options)
            for i in labels:  # not frame[i] = ...: one block insertion per column is O(n^2) in columns
                cells[i] = text[i]
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise DataFormatError(source, [Problem(None, None, f"is not valid delimited text: {exc}")]) from None
    return len(frame), [_column(cells[i]) for i in columns]


def _is_text(pd, series) -> bool:
    """Whether a parsed column holds its cells as written: strings only, no number read from
    a cell. A file parsed in chunks may give a column of numbers in one and strings in another."""
    if series.dtype.kind in "fiub":
        return False
    return isinstance(series.dtype, pd.StringDtype) or pd.api.types.infer_dtype(series, skipna=True) in (
        "string",
        "empty",
    )


def _column(series):
    """Numbers as a numpy array; text stays a pandas Series (arrow strings factorize fast)."""
    return series.to_numpy() if series.dtype.kind in "fiub" else series
