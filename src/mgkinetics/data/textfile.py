"""Delimited text (.csv, .tsv, .txt) to a :class:`~mgkinetics.data.model.RawTable`, with pandas' C parser.

The file's structure is found on its bytes with numpy before pandas parses it: record ends (a
newline outside quotes), comment lines (an unquoted ``#`` first on the line), blank lines (only
spaces or separators, as Excel leaves at the end) and the field count of each record. So every
row keeps the line number an editor shows (header = line 1, comments and blank lines counted), a
quoted label starting with ``#`` is data, and ragged rows are reported, not padded. BOM and CRLF
are accepted; the separator is a tab for ``.tsv``, else the header's tab, ``;`` or ``,``.

A file whose every line is a record (no quotes, comments or blank lines: most large files) takes a
fast path: its label columns are factorized on the bytes (:mod:`mgkinetics.data.textbytes`) and
only its numeric columns go through the C parser.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from mgkinetics.data.conditions import condition_of_column
from mgkinetics.data.model import RawTable
from mgkinetics.data.textbytes import factorize_fields
from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.units import split_header

__all__ = ["read_text_table"]

_QUOTE, _NL, _HASH = 34, 10, 35
_BLANKISH = b" \t\r"


def _decode(raw: bytes, source: str) -> tuple[bytes, bool]:
    """UTF-8 bytes without BOM (UTF-16 with a BOM is transcoded) and whether they are ASCII."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raw = raw.decode("utf-16").encode("utf-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.isascii():
        return raw, True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFormatError(
            source, [Problem(line, None, "is not UTF-8 text; save the file as UTF-8 CSV (or as .xlsx)")]
        ) from None
    return raw, False


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


#: Bytes that may not start a line of a file read on the fast path (comments, blanks, spaces).
_NOT_FIRST = np.zeros(256, dtype=bool)
_NOT_FIRST[[_HASH, _NL, 13, 32, 9]] = True


#: Bytes scanned at a time: the comparison's mask stays in the CPU cache.
_CHUNK = 1 << 18


def _scan(a: np.ndarray, sep: int, positions: bool) -> tuple[np.ndarray, np.ndarray | int]:
    """Newline positions and separator positions (or only their count), chunk by chunk."""
    newlines, seps, n_seps = [], [], 0
    mask = np.empty(min(_CHUNK, a.size), dtype=bool)
    for offset in range(0, a.size, _CHUNK):
        chunk = a[offset : offset + _CHUNK]
        m = mask[: chunk.size]
        np.equal(chunk, _NL, out=m)
        newlines.append(np.flatnonzero(m) + offset)
        np.equal(chunk, sep, out=m)
        if positions:
            seps.append(np.flatnonzero(m) + offset)
        else:
            n_seps += int(np.count_nonzero(m))
    nl = np.concatenate(newlines) if newlines else np.zeros(0, dtype=np.intp)
    return nl, (np.concatenate(seps) if seps else np.zeros(0, dtype=np.intp)) if positions else n_seps


def _lines(a: np.ndarray, nl: np.ndarray, data: bytes, sep: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(start, end) byte offsets of each line when every line is a record: no comment, blank line,
    line starting with a space or a separator, or a carriage return other than CRLF's; else None."""
    starts = np.concatenate([[0], nl[:-1] + 1 if nl.size and nl[-1] == a.size - 1 else nl + 1])
    not_first = _NOT_FIRST.copy()
    not_first[ord(sep)] = True
    if not_first[a[starts]].any():
        return None
    if b"\r" in data:
        after = np.flatnonzero(a == 13) + 1
        if after[-1] >= a.size or (a[after] != _NL).any():
            return None  # a lone '\r' (a line end for the parser, not for the line count)
    return starts, np.concatenate([nl, [a.size]])[: starts.size]


def _fast(data: bytes, sep: str, source: str, ascii_only: bool):
    """(header, cells, lines) when every line is a record, i.e. no quotes, comments, blank lines or
    lines starting with a space or separator, and no row is ragged; else None (the careful path).

    Label columns are factorized on the bytes (:func:`~mgkinetics.data.textbytes.factorize_fields`);
    only the other columns go through the C parser."""
    if not data or b'"' in data or b"\x00" in data:
        return None
    end = data.find(b"\n")
    header = [c.strip() for c in _header_cells(data[: end if end >= 0 else len(data)].rstrip(b"\r"), sep)]
    labels = [k for k, name in enumerate(header) if _is_label(name)]
    numeric = [k for k in range(len(header)) if k not in labels]
    found = _labels_on_bytes(data, sep, header, labels, ascii_only)
    parsed = _parse_rows(data, sep, header, numeric, source) if found is not None else None
    if found is None or parsed is None:
        return None
    n_rows, cells = found
    if n_rows == 0:
        return header, [np.array([], dtype=object) for _ in header], np.arange(0)
    if numeric and parsed[0] != n_rows:
        return None
    cells.update(parsed[1])
    missing = [k for k in range(len(header)) if k not in cells]  # labels too long to factorize here
    if missing:
        extra = _parse_rows(data, sep, header, missing, source)
        if extra is None:
            return None
        cells.update(extra[1])
    return header, [cells[k] for k in range(len(header))], np.arange(2, n_rows + 2)


def _labels_on_bytes(data: bytes, sep: str, header: list[str], labels: list[int], ascii_only: bool):
    """(number of rows, {column: FactorizedText}) when every line is a record with as many fields as
    the header (else None); a label column with a field too long to factorize is left out."""
    a = np.frombuffer(data, dtype=np.uint8)
    nl, seps = _scan(a, ord(sep), positions=bool(labels))
    found = _lines(a, nl, data, sep)
    if found is None:
        return None
    starts, ends = found
    width, n_rows = len(header), starts.size - 1
    if not labels or n_rows == 0:  # the C parser reports a row with more fields than the header
        n_seps = seps if isinstance(seps, int) else seps.size
        return (n_rows, {}) if n_seps == (width - 1) * starts.size else None
    if seps.size != (width - 1) * starts.size:
        return None
    seps = seps.reshape(starts.size, width - 1)
    if width > 1 and ((seps[:, 0] < starts) | (seps[:, -1] >= ends)).any():
        return None  # some line has more fields than the header, another fewer
    cells: dict[int, object] = {}
    for k in labels:
        field_start = starts[1:] if k == 0 else seps[1:, k - 1] + 1
        field_end = ends[1:] if k == width - 1 else seps[1:, k]
        if k == width - 1:  # CRLF: leave the '\r' out (strip would remove it, after a dedupe)
            field_end = field_end - ((field_end > field_start) & (a[field_end - 1] == 13))
        factorized = factorize_fields(data, field_start, field_end, ascii_only=ascii_only)
        if factorized is not None:
            cells[k] = factorized
    return n_rows, cells


def _parse_rows(data: bytes, sep: str, header: list[str], columns, source: str) -> tuple[int, dict] | None:
    """(rows, {column: cells}) of columns ``columns`` by the C parser, the file's every line being a
    record; None when the parser refuses it (the careful path then reads the file)."""
    import pandas as pd

    if not columns:
        return 0, {}
    try:
        n_rows, parsed = _read_columns(pd, data, sep, header, columns, source, skip_header=True)
    except DataFormatError:
        return None
    return n_rows, dict(zip(columns, parsed))


def read_text_table(path: Path, raw: bytes) -> RawTable:
    """Parse a delimited text file into a RawTable (cells as the C parser read them)."""
    source = str(path)
    data, ascii_only = _decode(raw, source)
    if b"\r" in data and b"\n" not in data:  # old Mac line ends
        data = data.replace(b"\r", b"\n")
    end = data.find(b"\n")
    sep = _separator(data[: end if end >= 0 else len(data)], path)
    fast = _fast(data, sep, source, ascii_only=ascii_only)
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
        header=None,  # the header is skipped, not read: pandas mangles repeated names in O(n^2)
        skiprows=1 if skip_header else None,
        names=list(range(len(header))),
        usecols=columns,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        engine="c",
        encoding="utf-8",
    )
    try:  # inferring types is faster than asking for text; a label that looks numeric is read again
        frame = pd.read_csv(io.BytesIO(body), **options)
        cells = {i: frame[i] for i in columns}
        labels = [i for i in columns if _is_label(header[i]) and cells[i].dtype.kind in "fiub"]
        if labels:  # text as written: '01' is not '1'
            options.update(usecols=labels, dtype=dict.fromkeys(labels, "str"))
            text = pd.read_csv(io.BytesIO(body), **options)
            for i in labels:  # not frame[i] = ...: one block insertion per column is O(n^2) in columns
                cells[i] = text[i]
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise DataFormatError(source, [Problem(None, None, f"is not valid delimited text: {exc}")]) from None
    return len(frame), [_column(cells[i]) for i in columns]


def _column(series):
    """Numbers as a numpy array; text stays a pandas Series (arrow strings factorize fast)."""
    return series.to_numpy() if series.dtype.kind in "fiub" else series
