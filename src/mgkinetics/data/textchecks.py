"""What a text file's bytes tell the reader's fast path, before and after pandas' C parser ran.

The fast path (:mod:`mgkinetics.data.textfile`) parses a whole file in one pass as if every line
were a record. :func:`one_record_per_line` looks, before the parse, at what the parser would read
otherwise (a comment or blank line near either end, a lone carriage return, an index column);
:func:`no_short_row` proves, after it, that no line had fewer fields than the header. Both work on
bytes or on a read-only memory map of the file.
"""

from __future__ import annotations

import numpy as np

__all__ = ["WINDOW_BYTES", "bytes_present", "no_short_row", "one_record_per_line"]

_NL = 10

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


def _crlf_only(data) -> bool:
    """Whether every carriage return in the bytes ``data`` is followed by a newline (CRLF's)."""
    a = np.frombuffer(data, dtype=np.uint8)
    for offset in range(0, a.size, _CHUNK):
        chunk = a[offset : offset + _CHUNK + 1]  # one byte more: a CRLF across two chunks
        cr = np.flatnonzero(chunk[:_CHUNK] == 13)
        if cr.size and (cr[-1] + 1 >= chunk.size or (chunk[cr + 1] != _NL).any()):
            return False
    return True


#: Bytes at each end of a file searched for comments and blank lines before the parser runs (the
#: checks after it find them anywhere, at the cost of a second parse on the careful path).
WINDOW_BYTES = 1 << 16


def bytes_present(data, start: int, needles: tuple[bytes, ...]) -> set[bytes]:
    """Which of the single bytes ``needles`` occur in ``data[start:]`` (bytes or a memory map).

    One pass over memory: the file is searched a cache-sized window at a time, each window for
    every needle not yet found (three full ``find`` calls would read the file three times)."""
    found: set[bytes] = set()
    for offset in range(start, len(data), _CHUNK):
        for needle in needles:
            if needle not in found and data.find(needle, offset, offset + _CHUNK) >= 0:
                found.add(needle)
        if len(found) == len(needles):
            break
    return found


def one_record_per_line(data, start: int, sep: str, width: int, *, carriage_returns: bool = True) -> bool:
    """Whether the parser may take every line of a file without quotes as one record, as far as
    its bytes tell (``data[start:]``, bytes or a memory map): False when the header line may be a
    comment or blank (its first byte), a line near either end of the file is a comment, blank or
    has an empty first field, a carriage return is not CRLF's (the parser would end a line there),
    or the first data line has another field count than the header (the parser would take its
    first field as an index). ``carriage_returns=False`` says that the file has none."""
    if data[start : start + 1] in (b"#", b"\n", b"\r", b" ", b"\t", sep.encode()):
        return False
    starts = (b"\n\n", b"\n\r\n", b"\n#", b"\n" + sep.encode())  # a line blank, a comment or empty first
    ends = (data[start : start + WINDOW_BYTES], data[-WINDOW_BYTES:])  # where comments, blank lines are
    if any(line_start in part for part in ends for line_start in starts):
        return False
    if carriage_returns and data.find(b"\r", start) >= 0 and not _crlf_only(data):
        return False
    end = data.find(b"\n", start)
    if end < 0:
        return True
    second = data.find(b"\n", end + 1)
    line = data[end + 1 : second if second >= 0 else len(data)].rstrip(b"\r")
    return not line or line.count(sep.encode()) == width - 1


def no_short_row(data, sep: str, width: int, n_rows: int, last) -> bool:
    """Whether no line has fewer fields than the header, given that none has more (the parser
    refuses those). The parser fills a short row's missing fields as empty cells, so a last column
    without empty cells proves it; else the separators are counted: ``width - 1`` on every line."""
    missing = np.isnan(last).any() if isinstance(last, np.ndarray) and last.dtype.kind in "fc" else None
    if missing is None:
        missing = last.isna().any() if hasattr(last, "isna") else False
    if not missing:
        return True
    n_newlines, n_seps = _count(np.frombuffer(data, dtype=np.uint8), ord(sep))
    n_lines = n_newlines + (data[-1:] != b"\n")
    return n_lines == n_rows + 1 and n_seps == (width - 1) * n_lines
