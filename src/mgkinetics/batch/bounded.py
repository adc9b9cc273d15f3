"""Which constants of a batch's curves the data do not bound, by the rule single fits use.

:func:`mgkinetics.fitting.status.not_bounded_by_data` decides it for saturation constants (KM, K½:
only the initial slope is then determined) and Ki-like constants (Ki, Ksi: the effect they describe
is not seen within the data), curve by curve.
"""

from __future__ import annotations

import numpy as np

from mgkinetics.batch.rowops import rows_max

__all__ = ["top_of", "Tops", "not_bounded_flags"]


def top_of(plan, unit: str) -> np.ndarray:
    """The highest concentration of input ``unit`` per curve (-inf for a curve without rows)."""
    top = np.full(plan.labels.size, -np.inf)
    nz = np.flatnonzero(plan.n_used > 0)  # rows are sorted by curve
    if nz.size:
        top[nz] = np.maximum.reduceat(plan.arrays[unit], plan.starts[nz])
    return top


class Tops(dict):
    """:func:`top_of` each input of ``plan``, computed when first asked for (by unit name)."""

    def __init__(self, plan) -> None:
        super().__init__()
        self.plan = plan

    def __missing__(self, unit: str) -> np.ndarray:
        top = self[unit] = top_of(self.plan, unit)
        return top


def not_bounded_flags(law, vary_idx, values, se, corr, plan, tops: Tops | None = None) -> np.ndarray:
    """(G, K) flags: the saturation (KM) and Ki-like constants that are not bounded by the data, by
    the rule fits use (:func:`mgkinetics.fitting.status.not_bounded_by_data`); ``corr``: the
    curves' correlation matrices (:func:`mgkinetics.batch.correlated.correlation_stack`);
    ``tops``: the plan's :class:`Tops`, shared with other users."""
    tops = Tops(plan) if tops is None else tops
    from mgkinetics.fitting.status import (
        is_concentration_constant,
        is_saturation_constant,
        not_bounded_by_data,
    )

    flags = np.zeros(values.shape, dtype=bool)
    corr = np.abs(corr)
    for t, j in enumerate(vary_idx):
        p = law.params[j]
        if not (is_saturation_constant(p, law.input_names) or is_concentration_constant(p, law.input_names)):
            continue
        with np.errstate(all="ignore"):
            rel = se[:, j] / np.abs(values[:, j])
            others = np.delete(corr[:, t, :], t, axis=1)
            finite = np.where(np.isfinite(others), others, -np.inf)  # no NaN left: a plain max
            tied = rows_max(finite) if finite.shape[1] else np.full(finite.shape[0], -np.inf)
        flags[:, j] = not_bounded_by_data(values[:, j], tops[p.unit], rel, np.where(tied >= 0, tied, np.nan))
    return flags
