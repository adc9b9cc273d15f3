"""A delimited text file's structure found on its bytes: encoding, records, comments, field counts.

What the text reader's careful path (:mod:`mgkinetics.data.textfile`) knows before pandas parses
a file: record ends (a newline outside quotes), comment lines (an unquoted ``#`` first on the
line), blank lines (only spaces or separators, as Excel leaves at the end) and the field count of
each record, all as byte offsets found with numpy. The separator and header rules are shared with
the fast path.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from mgkinetics.errors import DataFormatError, Problem

__all__ = [
    "blank_or_comment",
    "decode_text",
    "excel_separator",
    "field_counts",
    "find_records",
    "header_cells",
    "records_body",
    "separator_of",
]

_QUOTE, _NL, _HASH = 34, 10, 35
_BLANKISH = b" \t\r"


def decode_text(raw: bytes, source: str) -> bytes:
    """UTF-8 bytes without BOM (UTF-16 is transcoded: with a BOM, or without one when every other
    byte of the first line is NUL, as some Windows tools save it).

    Raises
    ------
    DataFormatError
        When the bytes are not UTF-8, naming the line of the first bad byte.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raw = raw.decode("utf-16").encode("utf-8")
    elif (order := _utf16_without_bom(raw)) is not None:
        try:
            raw = raw.decode(order).encode("utf-8")
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: reported below as not UTF-8
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


def _utf16_without_bom(raw: bytes) -> str | None:
    """``'utf-16-le'``/``'utf-16-be'`` when the first line (up to 256 bytes) is ASCII text saved as
    UTF-16 without a BOM (a NUL after / before every character), else None. UTF-8 text never holds
    a NUL in its header, so the two cannot be confused."""
    head = raw[:256]
    head = head[: len(head) - len(head) % 2]
    if len(head) < 4:
        return None
    low, high = head[0::2], head[1::2]
    if not high.strip(b"\0") and low.isascii() and b"\0" not in low:
        return "utf-16-le"
    if not low.strip(b"\0") and high.isascii() and b"\0" not in high:
        return "utf-16-be"
    return None


def excel_separator(line: bytes) -> str | None:
    """The separator an Excel ``sep=;`` first line declares (``sep=,``, ``sep=\t`` ...), else None."""
    text = line.rstrip(b"\r\n").strip(b'"')
    if len(text) == 5 and text[:4].lower() == b"sep=":
        return text[4:].decode("latin-1")
    return None


def find_records(a: np.ndarray, nl: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(start, end) byte offsets of each record and the quote positions (None without quotes).

    ``a`` is the file's bytes (uint8), ``nl`` the positions of its newlines."""
    quotes = np.flatnonzero(a == _QUOTE) if (a == _QUOTE).any() else None
    if quotes is not None:  # a newline inside quotes does not end a record
        nl = nl[np.searchsorted(quotes, nl) % 2 == 0]
    starts = np.concatenate([[0], nl + 1])
    ends = np.concatenate([nl, [a.size]])
    if ends.size and starts[-1] >= a.size:  # the file ends with a newline
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends, quotes


def blank_or_comment(a: np.ndarray, starts, ends, sep: int) -> np.ndarray:
    """Records that are blank (only spaces/separators) or comments (an unquoted '#' first)."""
    first = np.where(ends > starts, a[np.minimum(starts, a.size - 1)], _NL) if a.size else starts
    skip = (ends == starts) | (first == _HASH)
    maybe = np.flatnonzero(~skip & np.isin(first, np.frombuffer(_BLANKISH + bytes([sep]), np.uint8)))
    for r in maybe:  # rare: a record starting with a space or a separator
        body = a[starts[r] : ends[r]].tobytes()
        stripped = body.strip(_BLANKISH + bytes([sep]))
        skip[r] = not stripped or body.lstrip(b" \t").startswith(b"#")
    return skip


def separator_of(header: bytes, path: Path) -> str:
    """A tab for ``.tsv``/``.tab``, else the header line's first of tab, ``;``, ``,`` (outside quotes)."""
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    unquoted = b"".join(header.split(b'"')[0::2])
    for sep in (b"\t", b";", b","):
        if sep in unquoted:
            return sep.decode()
    return ","


def field_counts(a, starts, ends, quotes, sep: int) -> np.ndarray:
    """Fields of each record (separators outside quotes + 1)."""
    pos = np.flatnonzero(a == sep)
    if quotes is not None:
        pos = pos[np.searchsorted(quotes, pos) % 2 == 0]
    rec = np.searchsorted(starts, pos, side="right") - 1
    return np.bincount(rec, minlength=starts.size) + 1


def header_cells(text: bytes, sep: str) -> list[str]:
    """The cells of a header line (UTF-8 bytes, quotes as in CSV)."""
    try:
        return next(csv.reader([text.decode("utf-8").replace("\r", " ")], delimiter=sep), [])
    except csv.Error:
        return text.decode("utf-8").split(sep)


def records_body(a, data: bytes, starts, ends, rows, skip, h) -> bytes:
    """The data records ``rows`` as one byte string (comments and blank lines left out); ``h`` is
    the header's record, ``skip`` marks the records left out."""
    if rows.size == 0:
        return b""
    if not skip[h + 1 :].any():
        return data[starts[rows[0]] :]
    keep = np.zeros(a.size + 1, dtype=np.int8)
    np.add.at(keep, starts[rows], 1)
    np.add.at(keep, np.minimum(ends[rows] + 1, a.size), -1)
    return a[np.cumsum(keep[:-1]) > 0].tobytes()
