"""Curves with no activity in a batch: reported as a single fit reports them.

Every rate 0:

:func:`mgkinetics.fit` gives such a curve its rate-scale parameters (Vmax, kcat) = 0, leaves the
others at their starting values without standard errors, and calls it ``not_identifiable`` with a
``no_activity`` warning (a dead mutant or a negative control is a result, not a failed fit). The
batch solver would otherwise return Vmax ≈ 1e-101 ``at_bound``.

Rates that scatter around 0 (:func:`noise_only_status`): a curve whose fit is no better than
``v = 0`` is ``not_identifiable`` with the single fit's "no activity detected" reason and upper
limit (:mod:`mgkinetics.fitting.activity`, the same code).
"""

from __future__ import annotations

import math

import numpy as np

from mgkinetics.errors import FitWarning
from mgkinetics.fitting import activity
from mgkinetics.fitting.status import no_activity_reason, rate_scale_parameters

__all__ = ["no_activity_values", "no_activity_status", "noise_only_status"]


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


def no_activity_status(law, varying, c, status, why, warnings, criteria, scale_idx) -> None:
    """Status ``not_identifiable``, the single fit's reason and one ``no_activity`` warning for each
    fitted dead curve (``status``, ``why`` and the ``criteria`` arrays AICc, BIC changed in place,
    the latter to NaN as in a single fit); their warnings (a
    :class:`~mgkinetics.batch.curvewarnings.PendingWarnings`) are replaced by it."""
    rows = np.flatnonzero(c.dead & c.fitted)
    if not rows.size:
        return
    reason = no_activity_reason([law.param_names[j] for j in scale_idx])
    status[rows], why[rows] = "not_identifiable", reason
    for arr in criteria:
        arr[rows] = math.nan
    warnings.replace(rows.tolist(), (FitWarning("no_activity", reason),))


def noise_only_status(law, varying, c, plan, status, why, warnings, units, level: float) -> None:
    """Status ``not_identifiable`` with the single fit's no-activity reason for each fitted curve
    (not failed, not all-zero) whose fit is no better than ``v = 0`` (``status`` and ``why`` changed
    in place), and a ``no_activity`` warning added to theirs (``warnings``: a
    :class:`~mgkinetics.batch.curvewarnings.PendingWarnings`). ``units``:
    ``(input units, rate unit, parameter units)``."""
    scale = rate_scale_parameters(law, varying)
    curves = np.flatnonzero(plan.n_used > 0)  # rows are sorted by curve: these starts cover them all
    if not scale or not curves.size:
        return
    first = law.input_names[0]
    enzyme = plan.arrays.get("enzyme")
    # only the fitted curves (not failed, not all-zero) that the F test cannot tell from v = 0 can
    # be dead: NoActivity (the same per-curve values) is computed for their rows alone
    k = len(varying)
    maybe = activity.maybe_no_activity(plan.y, plan.w, plan.starts[curves], c.rss[curves], k, level)
    picked = curves[maybe & c.fitted[curves] & ~c.dead[curves]]
    picked = picked[status[picked] != "failed"]  # the object compare on these few only
    if not picked.size:
        return
    n = plan.n_used[picked]
    starts = np.zeros(picked.size, dtype=np.intp)
    np.cumsum(n[:-1], out=starts[1:])
    rows = np.repeat(plan.starts[picked] - starts, n) + np.arange(int(n.sum()))
    a = activity.no_activity_of_curves(
        plan.arrays[first][rows],
        plan.y[rows],
        plan.w[rows],
        starts,
        c.rss[picked],
        k,
        level,
        None if enzyme is None else enzyme[rows],
    )
    input_units, rate_unit, punits = units
    per_enzyme = [k for k in scale if k != "vmax"]
    kcat_unit = punits[per_enzyme[0]] if per_enzyme and enzyme is not None else None
    for t in np.flatnonzero(a.dead):
        i = picked[t]
        reason = activity.noise_only_reason(
            a, t, scale, first, input_units[first], rate_unit, kcat_unit, level
        )
        status[i], why[i] = "not_identifiable", reason
        warnings.append(int(i), FitWarning("no_activity", reason))
