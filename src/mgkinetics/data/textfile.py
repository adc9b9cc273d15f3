"""Delimited text (.csv, .tsv, .txt) to a :class:`~mgkinetics.data.model.RawTable`, with pandas' C parser.

A file whose every line is a record (no quotes, comments, blank lines or ragged rows: most large
files) takes a fast path: one pass of the C parser over the whole file, then vectorised checks of
what it read (row and separator counts, the first column's cells) that send any other file to the
careful path (:func:`_fast`). Both paths hand the same cells to the validation. The fast path reads
the file through a read-only memory map, so the file is not copied into memory first; the careful
path reads its bytes.

The careful path finds the file's structure on its bytes with numpy before pandas parses it
(:mod:`mgkinetics.data.textrecords`): record ends, comment lines, blank lines and the field count of
each record. So every row keeps the line number an editor shows (header = line 1, comments and blank
lines counted), a quoted label starting with ``#`` is data, and ragged rows are reported, not padded.
BOM and CRLF are accepted; the separator is a tab for ``.tsv``, else the header's tab, ``;`` or ``,``.
"""

from __future__ import annotations

import io
import mmap
import os
import warnings
from pathlib import Path

import numpy as np

from mgkinetics.data.arrowlabels import factorize_arrow_labels
from mgkinetics.data.conditions import condition_of_column
from mgkinetics.data.model import RawTable, repeated_names
from mgkinetics.data.numbers import FactorizedText, edge_characters, factorize_cells
from mgkinetics.data.textchecks import WINDOW_BYTES as _ENDS  # noqa: F401 (tests size files by it)
from mgkinetics.data.textchecks import bytes_present, no_short_row, one_record_per_line
from mgkinetics.data.textrecords import (
    blank_or_comment,
    decode_text,
    excel_separator,
    field_counts,
    find_records,
    header_cells,
    records_body,
    separator_of,
)
from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.units import split_header

__all__ = ["read_text_table", "refuse_repeated_names"]

_NL = 10
_UTF8_BOM = b"\xef\xbb\xbf"


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


def _fast(data, sep: str, source: str, start: int = 0, path: Path | None = None):
    """(header, cells, lines) when every line is a record, i.e. no quotes, comments, blank lines or
    lines starting with a space or separator, and no row is ragged; else None (the careful path).

    ``data[start:]`` is the text (bytes, or a memory map whose first ``start`` bytes are a BOM);
    ``path``, the file that ``data`` maps: the parser then reads the file itself (as plain
    ``pandas.read_csv`` does; through the map it makes twice the page faults).
    One pass of the C parser over the whole file, then checks of the bytes and of what it read
    (:func:`~mgkinetics.data.textchecks.one_record_per_line`,
    :func:`~mgkinetics.data.textchecks.no_short_row`, :func:`_first_column`): each parsed row
    is then the line after the previous one."""
    import pandas as pd

    present = bytes_present(data, start, (b'"', b"\x00", b"\r"))
    if len(data) <= start or b'"' in present or b"\x00" in present:
        return None
    end = data.find(b"\n", start)
    header = [
        c.strip() for c in header_cells(data[start : end if end >= 0 else len(data)].rstrip(b"\r"), sep)
    ]
    width = len(header)
    refuse_repeated_names(header, 1, source)
    if not one_record_per_line(data, start, sep, width, carriage_returns=b"\r" in present):
        return None
    try:
        parsed, at = (data, start) if path is None else (path, 0)
        n_rows, cells = _read_columns(
            pd, parsed, sep, header, range(width), source, skip_header=True, start=at
        )
    except DataFormatError:  # a line with more fields than the header, for one (or not UTF-8)
        return None
    if n_rows == 0:
        return header, [np.array([], dtype=object) for _ in header], np.arange(0)
    if not no_short_row(data, sep, width, n_rows, cells[-1]):
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


def read_text_table(path: Path, raw: bytes | None = None) -> RawTable:
    """Parse a delimited text file into a RawTable (cells as the C parser read them).

    Parameters
    ----------
    path : Path
        The file (its suffix chooses a tab separator for ``.tsv``/``.tab``).
    raw : bytes, optional
        The file's bytes; by default the fast path maps the file and the careful path reads it.

    Raises
    ------
    DataFormatError
        When the file cannot be read, is not UTF-8, or its header repeats a name.
    """
    source = str(path)
    tried = False
    if raw is None:
        table, tried = _read_mapped(path, source)
        if table is not None:
            return table
        raw = _read_bytes(path, source)
    data = decode_text(raw, source)
    if b"\r" in data and b"\n" not in data:  # old Mac line ends
        data = data.replace(b"\r", b"\n")
    end = data.find(b"\n")
    first_line = data[: end if end >= 0 else len(data)]
    sep = separator_of(first_line, path)
    fast = None if tried or excel_separator(first_line) else _fast(data, sep, source)
    if fast is not None:
        header, cells, lines = fast
        return RawTable(source, header, cells, lines, 1, decimal_comma=sep != ",", owns_cells=True)
    return _careful(path, data, source)


def _read_bytes(path: Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError(source, [Problem(None, None, "file not found; check the path")]) from None
    except OSError as exc:
        raise DataFormatError(source, [Problem(None, None, f"cannot be read: {exc.strerror}")]) from None


def _read_mapped(path: Path, source: str) -> tuple[RawTable | None, bool]:
    """(the table by the fast path on a read-only memory map of the file, or None; whether the fast
    path ran). It does not run on what the bytes must be transformed for (UTF-16, old Mac line
    ends), a file of one line, a header that is not UTF-8 or repeats a name (the bytes path
    reports those as before) or a file that cannot be mapped (empty, not a regular file)."""
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return None, False
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, OverflowError):
        return None, False
    try:
        start = 3 if mapped[:3] == _UTF8_BOM else 0
        end = mapped.find(b"\n", start)
        if mapped[:2] in (b"\xff\xfe", b"\xfe\xff") or end < 0:
            return None, False
        header_line = mapped[start:end]
        if excel_separator(header_line) is not None or b"\0" in header_line:
            return None, False  # Excel's sep= line (the careful path), UTF-16 without a BOM (transcoded)
        sep = separator_of(header_line, path)
        try:
            names = [c.strip() for c in header_cells(header_line.rstrip(b"\r"), sep)]
        except UnicodeDecodeError:
            return None, False
        if repeated_names(names, 1):
            return None, False
        fast = _fast(mapped, sep, source, start, path)
        if fast is None:
            return None, True
        header, cells, lines = fast
        return RawTable(source, header, cells, lines, 1, decimal_comma=sep != ",", owns_cells=True), True
    finally:
        try:
            mapped.close()
        except BufferError:  # a view of it is still alive: the map is closed when that is collected
            pass


def _careful(path: Path, data: bytes, source: str) -> RawTable:
    """Any file: records found on the bytes (quotes, comments, blank lines, ragged rows)."""
    import pandas as pd

    a = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(a == _NL)
    starts, ends, quotes = find_records(a, newlines)
    line_of = np.searchsorted(newlines, starts) + 1
    skip = blank_or_comment(a, starts, ends, ord(","))
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
    declared = excel_separator(data[starts[h] : ends[h]])  # Excel's "sep=;" line before the header
    sep = declared or separator_of(data[starts[h] : ends[h]], path)
    if sep != ",":
        skip = blank_or_comment(a, starts, ends, ord(sep))
        kept = np.flatnonzero(~skip)
    if declared is not None:
        skip = skip.copy()
        skip[h] = True
        kept = kept[1:]
        if kept.size == 0:
            raise DataFormatError(source, [Problem(int(line_of[h]) + 1, None, "no header line after 'sep='")])
        h = kept[0]
    header = [c.strip() for c in header_cells(data[starts[h] : ends[h]].rstrip(b"\r"), sep)]
    refuse_repeated_names(header, int(line_of[h]), source)
    rows = kept[1:]
    counts = field_counts(a, starts, ends, quotes, ord(sep))
    width = len(header)
    problems = []
    ragged = rows[counts[rows] != width]
    for r in ragged:
        n = len(header_cells(data[starts[r] : ends[r]].rstrip(b"\r"), sep))
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
    body = records_body(a, data, starts, ends, rows, skip, h)
    cells = _parse(pd, body, sep, header, rows.size, source)
    return RawTable(
        source,
        header,
        cells,
        line_of[rows],
        int(line_of[h]),
        decimal_comma=sep != ",",
        problems=problems,
        owns_cells=True,
    )


def _is_label(name: str) -> bool:
    """Whether a header names a text column (no unit, not a condition): read as text, not inferred."""
    if len(name) > 1000:  # not a name (model.py reports it); the unit patterns cost O(n²) on it
        return True
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


def _read_columns(pd, body, sep: str, header: list[str], columns, source: str, *, skip_header: bool, start=0):
    """(rows parsed, cells of each of ``columns``) by the C parser; label columns as text.

    ``body[start:]`` is the text: bytes, a memory map (read through, not copied) or a path."""
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
            frame = pd.read_csv(_handle(body, start), **options)
        cells = {i: frame[i] for i in columns}
        labels = [i for i in columns if _is_label(header[i]) and not _is_text(pd, cells[i])]
        if labels:  # text as written: '01' is not '1'
            options.update(usecols=labels, dtype=dict.fromkeys(labels, "str"))
            text = pd.read_csv(_handle(body, start), **options)
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


def _handle(body, start: int):
    """What the parser reads: a file's path, or a file object over ``body[start:]`` (bytes, or a
    memory map read from ``start``)."""
    if isinstance(body, Path):
        return body
    handle = io.BytesIO(body) if isinstance(body, bytes) else body
    handle.seek(start)
    return handle
