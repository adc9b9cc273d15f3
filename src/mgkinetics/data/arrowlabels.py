"""A label column that pandas read into Arrow strings, coded from the Arrow buffers.

With pyarrow installed, pandas' C parser hands a text column over as Arrow strings: one buffer of
bytes and the offset of each value. The reader's fast path (:mod:`mgkinetics.data.textfile`) codes
its first column from these buffers: only the first value of each run of equal values is looked at
(the rows of one curve are side by side), and those are coded on their bytes
(:func:`~mgkinetics.data.textbytes.factorize_fields`), so no Python string is made per row or per run,
only per distinct label.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.data.numbers import RUNS_PAY, FactorizedText, arrow_run_heads
from mgkinetics.data.textbytes import factorize_fields

__all__ = ["factorize_arrow_labels"]


def factorize_arrow_labels(cells, not_first: list[int]) -> FactorizedText | None:
    """The stripped labels of a pandas column of Arrow strings, coded from the Arrow buffers.

    Parameters
    ----------
    cells : pandas.Series
        A column of Arrow strings (``str`` or ``string[pyarrow]``), in row order.
    not_first : list of int
        Bytes that no value may start with (the reader's fast path: a comment, a leading space).

    Returns
    -------
    FactorizedText or None
        None when the column cannot be coded here: pyarrow missing, a missing value, a value
        starting with one of ``not_first``, a NUL byte, or a label longer than
        :data:`~mgkinetics.data.textbytes.MAX_FIELD_BYTES`; the caller then codes it otherwise.
    """
    try:
        import pyarrow as pa
    except ImportError:
        return None
    try:
        arrow = pa.array(cells.array)
    except (TypeError, ValueError, pa.ArrowException):
        return None
    if arrow.null_count or not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return None
    heads, part = _runs(pa, arrow)
    offsets_type = np.int64 if pa.types.is_large_string(part.type) else np.int32
    offsets = np.frombuffer(part.buffers()[1], dtype=offsets_type)[part.offset : part.offset + len(part) + 1]
    data = part.buffers()[2]
    text = bytes(data) if data is not None else b""
    starts, ends = offsets[:-1].astype(np.intp), offsets[1:].astype(np.intp)
    a = np.frombuffer(text, dtype=np.uint8)
    if not a[starts[0] : ends[-1]].all() or np.isin(a[starts[ends > starts]], not_first).any():
        return None  # a NUL would read as padding; a first byte that may make the line a comment
    coded = factorize_fields(text, starts, ends, ascii_only=text.isascii())
    if coded is None:
        return None
    # as wide as the longest stripped label, as numpy makes an array of str (the other paths)
    labels = coded.labels.astype(f"<U{max(int(np.char.str_len(coded.labels).max()), 1)}")
    if heads is None:
        return FactorizedText(coded.codes, labels)
    return FactorizedText.of_runs(coded.codes, labels, heads, len(arrow))


def _runs(pa, arrow):
    """(first row of each run of equal values, the value of each run), or (None, every value) when
    the runs are not few; ``arrow`` is a pyarrow array or chunked array without missing values.

    Arrow's run-end encoding finds the runs and their values in one pass, chunk by chunk (a run
    across two chunks counts as two, coded alike); without it (pyarrow < 12) the runs are found
    by comparing neighbours (:func:`~mgkinetics.data.numbers.arrow_run_heads`)."""
    import pyarrow.compute as pc

    chunks = [c for c in (arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]) if len(c)]
    if not hasattr(pc, "run_end_encode"):
        whole = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
        heads = arrow_run_heads(whole)
        return heads, whole.take(pa.array(heads)) if heads is not None else whole
    heads, values, row = [], [], 0
    for chunk in chunks:
        encoded = pc.run_end_encode(chunk, run_end_type=pa.int64())
        run_ends = np.asarray(encoded.run_ends)
        heads.append(row + np.concatenate([[0], run_ends[:-1]]))
        values.append(encoded.values)
        row += len(chunk)
    first = np.concatenate(heads)
    if first.size >= RUNS_PAY * len(arrow):
        whole = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
        return None, whole
    return first, pa.concat_arrays(values) if len(values) > 1 else values[0]
