"""Text fields straight from a file's bytes: distinct labels and a code per row, without a string per cell.

A label column of a large table (a curve name on each of 10^6 rows) costs most when every cell
becomes a Python or Arrow string and is then hashed again to find the distinct ones. Here the field
of each row is given by its byte offsets; up to 8 bytes at a time are packed into one integer and
factorized, so the only strings made are the distinct labels. The caller must know that the
fields hold no quotes (a file without ``"``) and where each one starts and ends.

The text reader's fast path uses it on the Arrow buffers of a label column that pandas' C parser
read (:mod:`mgkinetics.data.arrowlabels`), whose offsets Arrow already holds: finding every field's
offsets in the file itself costs more passes over it than the parser takes.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.data.numbers import FactorizedText

__all__ = ["factorize_fields", "MAX_FIELD_BYTES"]

#: Longest field (in bytes) factorized on the bytes; a longer column is left to the parser.
MAX_FIELD_BYTES = 64

#: Mask keeping the first ``n`` bytes (little-endian) of an 8-byte word, for n = 0 ... 8.
_KEEP = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def _words(data: bytes, starts: np.ndarray, lengths: np.ndarray, width: int) -> list[np.ndarray]:
    """Each field's bytes as ceil(width / 8) little-endian uint64 words, zero past the field's end.

    An unaligned 8-byte view of the buffer reads a word per field in one gather (no copy of the
    file); the few fields within 8 bytes of its end (``starts`` ascend) are read one by one."""
    view = np.ndarray(shape=(max(len(data) - 7, 0),), dtype="<u8", buffer=data, strides=(1,))
    words = []
    for w0 in range(0, width, 8):
        at = starts + w0 if w0 else starts
        inside = int(np.searchsorted(at, view.size))
        word = np.empty(at.size, dtype=np.uint64)
        word[:inside] = view[at[:inside]]
        for i in range(inside, at.size):  # the file's last bytes
            word[i] = int.from_bytes(data[at[i] : at[i] + 8].ljust(8, b"\0"), "little")
        word &= _KEEP[
            np.clip(lengths - w0, 0, 8) if w0 else lengths if width <= 8 else np.minimum(lengths, 8)
        ]
        words.append(word)
    return words


def _codes_of_words(words: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(code per field, a field holding each code): equal codes exactly for equal words.

    A label usually repeats on consecutive rows (the rows of one curve): only the first row of each
    run is coded, and the runs are then repeated."""
    n = words[0].size
    change = np.ones(n, dtype=bool)
    change[1:] = words[0][1:] != words[0][:-1]
    for word in words[1:]:
        change[1:] |= word[1:] != word[:-1]
    heads = np.flatnonzero(change)
    codes = _code(words[0][heads])
    for word in words[1:]:  # pair (codes so far, this word's code): exact, no hash collisions
        word_codes = _code(word[heads])
        pair = codes.astype(np.uint64) * np.uint64(word_codes.max() + 1) + word_codes.astype(np.uint64)
        codes = _code(pair)
    row_of = np.zeros(int(codes.max()) + 1, dtype=np.intp)
    row_of[codes] = heads  # a field holding each code (any one: their bytes are equal)
    if heads.size == n:
        return codes, row_of
    return np.repeat(codes, np.diff(heads, append=n)), row_of


def _code(keys: np.ndarray) -> np.ndarray:
    """Dense codes of uint64 keys (sorting for a few distinct runs, hashing for many).

    Keys that are all different (the first rows of the runs of a long table, each label one run)
    are their own codes: one sort tells, instead of the sort and inverse of ``np.unique``."""
    import pandas as pd

    if keys.size > 200_000:
        return pd.factorize(keys)[0].astype(np.intp, copy=False)
    ordered = np.sort(keys)
    if not (ordered[1:] == ordered[:-1]).any():
        return np.arange(keys.size, dtype=np.intp)
    return np.unique(keys, return_inverse=True)[1].ravel().astype(np.intp, copy=False)


#: The ASCII bytes that ``str.strip`` removes.
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True


def _labels(matrix: np.ndarray, lengths: np.ndarray, width: int, ascii_only: bool) -> tuple[np.ndarray, bool]:
    """Stripped text of each row of ``matrix`` (the fields' bytes, zero-padded) of ``lengths`` bytes,
    and whether stripping changed any (two labels may then be one)."""
    if not ascii_only:
        raw = matrix.view(f"S{matrix.shape[1]}").ravel()
        text = [b.decode("utf-8") for b in raw.tolist()]
        stripped = [t.strip() for t in text]
        return np.array(stripped, dtype=str), stripped != text
    text = np.ascontiguousarray(matrix[:, :width]).astype(np.uint32).view(f"U{width}").ravel()
    rows = np.arange(lengths.size)
    edges = np.concatenate([matrix[:, 0], matrix[rows, np.maximum(lengths - 1, 0)]])
    if _SPACE[edges].any():
        return np.strings.strip(text), True
    return text, False


def factorize_fields(
    data: bytes, starts: np.ndarray, ends: np.ndarray, *, ascii_only: bool
) -> FactorizedText | None:
    """The fields ``data[starts[i]:ends[i]]`` as codes into their distinct stripped labels.

    Parameters
    ----------
    data : bytes
        The file's bytes, without NUL bytes (a NUL would read as padding).
    starts, ends : numpy.ndarray
        Byte offsets of each row's field (end exclusive), rows in file order (``starts`` ascend).
    ascii_only : bool
        Whether the file is ASCII (labels are then decoded vectorised).

    Returns
    -------
    FactorizedText or None
        None when a field is longer than :data:`MAX_FIELD_BYTES` (the parser reads that column).

    Examples
    --------
    >>> starts, ends = np.array([0, 3, 8, 12]), np.array([2, 7, 11, 12])
    >>> f = factorize_fields(b"wt,d84a, wt,", starts, ends, ascii_only=True)
    >>> f.labels[f.codes].tolist()
    ['wt', 'd84a', 'wt', '']
    """
    lengths = ends - starts
    width = int(lengths.max()) if lengths.size else 0
    if width > MAX_FIELD_BYTES:
        return None
    if width == 0:  # every field is empty
        return FactorizedText(np.zeros(starts.size, dtype=np.intp), np.full(min(starts.size, 1), ""))
    words = _words(data, starts, lengths, width)
    codes, row_of = _codes_of_words(words)
    matrix = np.stack([w[row_of] for w in words], axis=1).astype("<u8", copy=False).view(np.uint8)
    labels, stripped = _labels(matrix, lengths[row_of], width, ascii_only)
    if stripped:  # ' wt' and 'wt' are one label once stripped
        import pandas as pd

        relabel, distinct = pd.factorize(labels)
        return FactorizedText(relabel[codes], np.asarray(distinct, dtype=str))
    return FactorizedText(codes, labels)
