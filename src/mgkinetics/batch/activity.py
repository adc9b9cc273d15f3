"""Curves with no activity (every rate 0) in a batch: reported as a single fit reports them.

:func:`mgkinetics.fit` gives such a curve its rate-scale parameters (Vmax, kcat) = 0, leaves the
others at their starting values without standard errors, and calls it ``not_identifiable`` with a
``no_activity`` warning (a dead mutant or a negative control is a result, not a failed fit). The
batch solver would otherwise return Vmax ≈ 1e-101 ``at_bound``.
"""

from __future__ import annotations

import math

import numpy as np

from mgkinetics.errors import FitWarning
from mgkinetics.fitting.status import no_activity_reason, rate_scale_parameters

__all__ = ["no_activity_values", "no_activity_status"]


def no_activity_values(law, varying, c, P0: np.ndarray) -> list[int]:
    """Set the values of the fitted dead curves in ``c`` (the collected chunk fits) as a single fit
    does, in place, and their covariance to NaN (no standard errors); returns the columns of the
    rate-scale parameters."""
    scale = rate_scale_parameters(law, varying)
    scale_idx = [law.param_names.index(p) for p in scale]
    rows = np.flatnonzero(c.dead & c.fitted)
    if rows.size:
        vary_idx = [law.param_names.index(p) for p in varying]
        values = P0[rows].copy()
        fixed = [j for j in range(len(law.params)) if j not in vary_idx]
        values[:, fixed] = c.values[np.ix_(rows, fixed)]  # fixed parameters keep their values
        values[:, scale_idx] = 0.0
        c.values[rows] = values
        c.cov[rows] = np.nan
        c.rss[rows] = 0.0
        c.singular[rows] = False
    return scale_idx


def no_activity_status(law, varying, c, status, why, warnings, criteria, scale_idx) -> tuple:
    """Status ``not_identifiable``, the single fit's reason and one ``no_activity`` warning for each
    fitted dead curve (``status``, ``why`` and the ``criteria`` arrays AICc, BIC changed in place,
    the latter to NaN as in a single fit); returns the warnings with theirs replaced."""
    rows = np.flatnonzero(c.dead & c.fitted)
    if not rows.size:
        return warnings
    reason = no_activity_reason([law.param_names[j] for j in scale_idx])
    status[rows], why[rows] = "not_identifiable", reason
    for arr in criteria:
        arr[rows] = math.nan
    warning = (FitWarning("no_activity", reason),)
    out = list(warnings)
    for i in rows:
        out[i] = warning
    return tuple(out)
