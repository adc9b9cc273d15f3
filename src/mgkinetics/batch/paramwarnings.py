"""The per-parameter warnings of a batch, by a single fit's rules and texts, in its order
(:func:`mgkinetics.fitting.status.parameter_warnings`): KM or K½ beyond the data, a relative SE
above 100 %, correlations beyond ±0.999. Each is added to a
:class:`~mgkinetics.batch.curvewarnings.PendingWarnings` (texts made when first read)."""

from __future__ import annotations

from functools import partial

import numpy as np

from mgkinetics.batch.bounded import Tops
from mgkinetics.batch.curvewarnings import PendingWarnings
from mgkinetics.fitting.status import poorly_determined_text

__all__ = ["parameter_warnings"]


def parameter_warnings(law, vary_idx, c, se, tops, punits, pairs, pending: PendingWarnings) -> None:
    """What a single fit's ``parameter_warnings`` adds after the bounds, in its order: KM beyond the
    data, relative SE > 100 %, correlations beyond ±0.999 (``pairs``)."""
    _beyond_data(law, vary_idx, c.values, tops, c.fitted, punits, pending)
    _poorly_determined(law, vary_idx, c.values, se, c.fitted & ~c.singular, pending)
    pairs.add_warnings(pending)


def _poorly_determined(law, vary_idx, values, se, usable, pending: PendingWarnings) -> None:
    """A ``poorly_determined`` warning for each fitted parameter whose relative SE exceeds 100 %
    (a single fit's rule and text, :func:`mgkinetics.fitting.status.poorly_determined_text`)."""
    for j in vary_idx:
        with np.errstate(all="ignore"):
            rel = se[:, j] / np.abs(values[:, j])
            rows = np.flatnonzero(usable & (values[:, j] != 0) & (rel > 1.0))  # NaN compares False
        key = law.params[j].name
        pending.later("poorly_determined", rows.tolist(), partial(_poor_texts, key, rel[rows]))


def _poor_texts(key: str, rel: np.ndarray) -> list[str]:
    return [poorly_determined_text(key, r) for r in rel.tolist()]


def _beyond_data(law, vary_idx, values, tops: Tops, fitted, punits, pending: PendingWarnings) -> None:
    """A ``beyond_data`` warning (added to ``pending``) for KM or K½ beyond twice the highest
    concentration of its input (``tops``: the plan's)."""
    for j in vary_idx:
        p = law.params[j]
        if p.unit not in law.input_names or p.name not in ("km", "k_half"):
            continue
        top = tops[p.unit]
        unit = str(punits[p.name])  # formatted once, not per curve
        with np.errstate(invalid="ignore"):
            rows = np.flatnonzero(fitted & (values[:, j] > 2 * top))
        head, mid = f"{p.name} = ", f" {unit} is beyond twice the highest {p.unit} ("
        tail = f" {unit}): it is poorly determined; measure at higher concentrations"
        pending.formatted(
            "beyond_data", rows.tolist(), values[rows, j].tolist(), top[rows].tolist(), (head, mid, tail)
        )
