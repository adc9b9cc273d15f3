"""Strongly correlated parameter pairs per curve: the batch's ``correlated`` warnings and its
``not_identifiable`` status, by the limits and the text of single fits (``CORRELATED``,
``NOT_IDENTIFIABLE_CORRELATION`` and ``correlated_text`` of :mod:`mgkinetics.fitting.correlations`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from mgkinetics.fitting.correlations import CORRELATED, NOT_IDENTIFIABLE_CORRELATION, correlated_text

__all__ = ["CorrelatedPairs", "correlated_pairs"]


@dataclass(frozen=True)
class CorrelatedPairs:
    """Per pair of fitted parameters (in the order a single fit checks them: (0, 1), (0, 2), (1, 2)
    ...), the curves with |correlation| > :data:`CORRELATED` and their correlations."""

    names: list[tuple[str, str]]
    rows: list[np.ndarray]
    values: list[np.ndarray]

    def add_warnings(self, pending) -> None:
        """The ``correlated`` warnings, pair by pair, to ``pending``
        (:class:`~mgkinetics.batch.curvewarnings.PendingWarnings`: texts made when first read)."""
        for (a, b), rows, values in zip(self.names, self.rows, self.values, strict=True):
            pending.later("correlated", rows.tolist(), partial(_texts, a, b, values))

    def not_identifiable(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The curves with a pair beyond :data:`NOT_IDENTIFIABLE_CORRELATION` and, for each, the
        text of its first such pair (a single fit's reason)."""
        why = np.full(n, None, dtype=object)
        for (a, b), rows, values in zip(reversed(self.names), reversed(self.rows), reversed(self.values)):
            strong = np.abs(values) > NOT_IDENTIFIABLE_CORRELATION
            why[rows[strong]] = [correlated_text(a, b, r) for r in values[strong].tolist()]
        picked = np.flatnonzero(why != None)  # noqa: E711 (element-wise on an object array)
        return picked, why[picked]


def _texts(a: str, b: str, values: np.ndarray) -> list[str]:
    return [correlated_text(a, b, r) for r in values.tolist()]


def correlated_pairs(names: list[str], cov: np.ndarray, usable: np.ndarray) -> CorrelatedPairs:
    """The pairs of ``names`` (the fitted parameters, ``cov``'s order, (m, k, k)) correlated beyond
    :data:`CORRELATED` on the ``usable`` curves (fitted, covariance not singular)."""
    k = len(names)
    with np.errstate(all="ignore"):
        sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    pairs, rows, values = [], [], []
    for a in range(k):
        for b in range(a + 1, k):
            with np.errstate(all="ignore"):
                r = cov[:, a, b] / (sd[:, a] * sd[:, b])
                hit = np.flatnonzero(usable & (np.abs(r) > CORRELATED))  # NaN compares False
            pairs.append((names[a], names[b]))
            rows.append(hit)
            values.append(r[hit])
    return CorrelatedPairs(pairs, rows, values)
