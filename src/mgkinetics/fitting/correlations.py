"""Correlated parameters: the limits, the text and the warnings that fits and batches share.

Two fitted parameters correlated beyond :data:`CORRELATED` get a ``correlated`` warning; beyond
:data:`NOT_IDENTIFIABLE_CORRELATION` the fit is ``not_identifiable`` (the data determine only a
combination of them), in single fits (:mod:`mgkinetics.fitting.status`) and in batches
(:mod:`mgkinetics.batch.correlated`) alike.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.errors import FitWarning
from mgkinetics.fitting.numerics import correlation

__all__ = ["CORRELATED", "NOT_IDENTIFIABLE_CORRELATION", "correlated_text", "correlation_warnings"]

#: |correlation| beyond which two parameters get a ``correlated`` warning (fits and batches).
CORRELATED = 0.999
#: |correlation| beyond which the fit is ``not_identifiable`` (fits and batches).
NOT_IDENTIFIABLE_CORRELATION = 0.9999


def correlated_text(a: str, b: str, r: float) -> str:
    """The ``correlated`` warning's text (and the ``not_identifiable`` reason), fits and batches."""
    return f"{a} and {b} are correlated {r:+.4f}: these data determine only a combination of them"


def correlation_warnings(varying, cov, limit: float) -> list[FitWarning]:
    """``correlated`` warnings of a fit (``cov`` over ``varying``; None when singular) for the pairs
    beyond ``limit`` in absolute value."""
    if cov is None or len(varying) < 2:
        return []
    corr = correlation(cov)
    out = []
    for i in range(len(varying)):
        for j in range(i + 1, len(varying)):
            if np.isfinite(corr[i, j]) and abs(corr[i, j]) > limit:
                out.append(
                    FitWarning(
                        "correlated",
                        correlated_text(varying[i], varying[j], corr[i, j]),
                        parameters=(varying[i], varying[j]),
                        correlation=float(corr[i, j]),
                    )
                )
    return out
