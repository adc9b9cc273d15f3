"""Strongly correlated parameter pairs per curve: the batch's ``correlated`` warnings and its
``not_identifiable`` status, by the limits and the text of single fits (``CORRELATED``,
``NOT_IDENTIFIABLE_CORRELATION`` and ``correlated_text`` of :mod:`mgkinetics.fitting.correlations`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from mgkinetics.fitting.correlations import CORRELATED, NOT_IDENTIFIABLE_CORRELATION, correlated_text

__all__ = ["CorrelatedPairs", "correlated_pairs", "correlation_stack"]


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


def correlation_stack(cov: np.ndarray) -> np.ndarray:
    """Correlation matrices (m, k, k) of a stack of covariances (NaN or ±inf where a variance is 0
    or not finite: they compare False below): the batch's one formula, for these pairs and for
    :func:`mgkinetics.batch.bounded.not_bounded_flags`."""
    with np.errstate(all="ignore"):
        sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        return cov / sd[:, :, None] / sd[:, None, :]


def correlated_pairs(names: list[str], corr: np.ndarray, usable: np.ndarray) -> CorrelatedPairs:
    """The pairs of ``names`` (the fitted parameters, in the order of ``corr``, (m, k, k):
    :func:`correlation_stack`) correlated beyond :data:`CORRELATED` on the ``usable`` curves
    (fitted, covariance not singular)."""
    k = len(names)
    pairs, rows, values = [], [], []
    for a in range(k):
        for b in range(a + 1, k):
            r = corr[:, a, b]
            with np.errstate(invalid="ignore"):
                hit = np.flatnonzero(usable & (np.abs(r) > CORRELATED))  # NaN compares False
            pairs.append((names[a], names[b]))
            rows.append(hit)
            values.append(r[hit])
    return CorrelatedPairs(pairs, rows, values)
