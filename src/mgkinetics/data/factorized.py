"""A text column as codes into its distinct labels: what a reader hands over instead of a string per cell.

The text reader's fast path finds the distinct labels of a label column itself (on the bytes of
the run heads, :mod:`mgkinetics.data.textbytes`); the validation (:mod:`mgkinetics.data.numbers`)
then makes the array of str once, from the runs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FactorizedText", "edge_characters"]


class FactorizedText:
    """A text column as a code per row into its distinct stripped labels (``''``: an empty cell).

    What a reader hands over instead of one string per cell when it found the distinct labels
    itself (the text reader's fast path, :func:`mgkinetics.data.textbytes.factorize_fields`).
    A column whose equal cells stand in runs (the rows of one curve) may be given by the code of
    each run (:meth:`of_runs`): the code of each row is then made only when asked for, and the text
    of the rows (:meth:`text`) is made from the runs.

    Attributes
    ----------
    codes : numpy.ndarray
        Index into ``labels`` for each row.
    labels : numpy.ndarray
        The distinct labels (str), stripped.
    """

    __slots__ = ("labels", "_codes", "_runs")

    def __init__(self, codes: np.ndarray, labels: np.ndarray) -> None:
        self.labels = labels
        self._codes = codes
        self._runs: tuple[np.ndarray, np.ndarray, int] | None = None

    @classmethod
    def of_runs(cls, run_codes: np.ndarray, labels: np.ndarray, heads: np.ndarray, n: int) -> FactorizedText:
        """The column of ``n`` rows whose run ``k`` starts at row ``heads[k]`` (ascending, the first 0)
        and holds ``labels[run_codes[k]]``.

        Examples
        --------
        >>> f = FactorizedText.of_runs(np.array([0, 1, 0]), np.array(["wt", "d84a"]), np.array([0, 2, 3]), 5)
        >>> f.codes.tolist(), f.text().tolist()
        ([0, 0, 1, 0, 0], ['wt', 'wt', 'd84a', 'wt', 'wt'])
        """
        column = cls(None, labels)
        column._runs = (np.asarray(run_codes, dtype=np.intp), np.asarray(heads, dtype=np.intp), int(n))
        return column

    @property
    def codes(self) -> np.ndarray:
        """Index into ``labels`` for each row (made from the runs when first asked for)."""
        if self._codes is None:
            run_codes, heads, n = self._runs
            self._codes = np.repeat(run_codes, np.diff(heads, append=n))
        return self._codes

    def __len__(self) -> int:
        return self._runs[2] if self._runs is not None else int(self._codes.size)

    def first_label(self) -> str:
        """The label of the first row (of a column with rows), without the code of every row."""
        code = self._runs[0][0] if self._runs is not None else self._codes[0]
        return str(self.labels[code])

    def text(self) -> np.ndarray:
        """The label of each row (an array of str as wide as ``labels``)."""
        if self._runs is None:
            return self.labels[self._codes]
        run_codes, heads, n = self._runs
        labels = self.labels[run_codes]
        if labels.dtype.kind != "U" or labels.itemsize == 0:
            return np.repeat(labels, np.diff(heads, append=n))
        # repeated as raw bytes (void), a third faster than as str, the same array
        raw = np.repeat(labels.view(f"V{labels.itemsize}"), np.diff(heads, append=n))
        return raw.view(labels.dtype)

    @classmethod
    def of(cls, codes: np.ndarray, written) -> FactorizedText:
        """Codes into distinct labels as written (str), stripped; two labels that are one once
        stripped (``' wt'``, ``'wt'``) become one.

        Examples
        --------
        >>> f = FactorizedText.of(np.array([0, 1, 2, 0]), ["wt", " wt", "d84a"])
        >>> f.labels.tolist(), f.codes.tolist()
        (['wt', 'd84a'], [0, 0, 1, 0])
        """
        labels = np.asarray(written, dtype=str)
        codes = np.asarray(codes, dtype=np.intp)
        first, last = edge_characters(labels)
        if not any(chr(c).isspace() for c in np.unique(np.concatenate([first, last])).tolist()):
            return cls(codes, labels)
        import pandas as pd

        stripped = np.asarray([v.strip() for v in labels.tolist()], dtype=object)
        relabel, distinct = pd.factorize(stripped)
        return cls(relabel[codes], np.asarray(distinct, dtype=str))


def edge_characters(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the first and of the last character of each str (0 for ``''``), vectorised.

    Examples
    --------
    >>> [a.tolist() for a in edge_characters(np.array(["wt ", "", "#1"]))]
    [[119, 0, 35], [32, 0, 49]]
    """
    labels = np.asarray(labels, dtype=str)
    if labels.size == 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32)
    points = np.ascontiguousarray(labels).view(np.uint32).reshape(labels.size, -1)
    lengths = np.char.str_len(labels)
    return points[:, 0], points[np.arange(labels.size), np.maximum(lengths - 1, 0)]
