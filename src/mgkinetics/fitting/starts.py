"""Starting values and parameter units, once for every fit (single, global, batch).

A parameter starts at, in order: its ``init`` value, its condition default (a tabulated Kd) when
it is not varied or the guess rule has nothing for it, the law's guess rule. The start is then
moved strictly inside the declared bounds by :func:`clip_start`, or a bounded solver stalls at the
edge. A parameter without any start is a :class:`~mgkinetics.errors.FitError` naming ``--init``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.fitting.status import unit_suffix
from mgkinetics.units import DIMENSIONLESS, UNSPECIFIED, Unit, convert, parse_quantity

__all__ = ["parameter_units", "value_in", "clip_start", "typical_size", "start_values", "where"]


def parameter_units(law, input_units: Mapping[str, Unit], rate_unit: Unit) -> dict[str, Unit]:
    """The unit of each parameter of ``law`` given the units its inputs and rate are in."""
    out = {}
    for p in law.params:
        if p.unit == "rate":
            out[p.name] = rate_unit
        elif p.unit == "1/time":
            out[p.name] = Unit(None, 0, rate_unit.time, -1) if rate_unit.time else DIMENSIONLESS
        elif p.unit == "1":
            out[p.name] = DIMENSIONLESS
        elif p.unit == "unspecified":
            out[p.name] = UNSPECIFIED
        else:
            out[p.name] = input_units[p.unit]
    return out


def value_in(unit: Unit, value, name: str = "") -> float:
    """A number, or a string with a unit (``'500uM'``) converted to ``unit``.

    Examples
    --------
    >>> from mgkinetics.units import parse_unit
    >>> value_in(parse_unit("mM"), "500uM")
    0.5

    A value that is not finite (``nan``, ``inf``, ``1e400``) is a FitError: a fit held at, or
    started from, such a value has no meaning.
    """
    if isinstance(value, (int, float, np.floating)):
        out = float(value)
    else:
        text = str(value).strip()
        try:
            out = float(text)
        except ValueError:
            number, given = parse_quantity(text)
            out = float(convert(number, given, unit))
    if not np.isfinite(out):
        from mgkinetics.errors import FitError

        what = f"{name}={value}" if name else repr(value)
        raise FitError(f"{what} is not a finite number; give a finite value (e.g. {name or 'km'}=0.5)")
    return out


def clip_start(value: float, lo: float, hi: float, scale: float = 1.0) -> float:
    """``value`` moved strictly inside ``(lo, hi)``: the midpoint of a finite interval, else a
    step of 1e-3·max(|bound|, scale) in from the bound it crosses.

    Examples
    --------
    >>> clip_start(0.0, 0.0, np.inf), clip_start(5.0, 0.0, 1.0), clip_start(2.0, 0.0, np.inf)
    (0.001, 0.5, 2.0)
    """
    if lo < value < hi:
        return float(value)
    if np.isfinite(lo) and np.isfinite(hi):
        return float(lo + 0.5 * (hi - lo))
    if np.isfinite(lo) and value <= lo:
        return float(lo + max(abs(lo), scale) * 1e-3)
    if np.isfinite(hi) and value >= hi:
        return float(hi - max(abs(hi), scale) * 1e-3)
    return float(value)


def typical_size(problem, spec) -> float:
    """The data's magnitude in a parameter's unit (max |rate| for a rate, max input for a
    constant in an input's unit), 1 when none applies: the scale of start steps and of
    finite-difference steps at 0."""
    if spec.unit == "rate":
        arr = problem.rate
    elif spec.unit in problem.inputs:
        arr = problem.inputs[spec.unit]
    else:
        return 1.0
    arr = np.abs(np.asarray(arr, dtype=float))
    finite = arr[np.isfinite(arr)]
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def where(problem) -> str:
    """``source [group=value]``: where a fit's data came from, for messages."""
    groups = ", ".join(f"{k}={v}" for k, v in problem.group.items())
    return f"{problem.source}" + (f" [{groups}]" if groups else "")


def _guess(problem, defaults: Mapping[str, float]) -> dict:
    law = problem.law
    if law.guess is None:
        return {}
    try:
        if law.guess_takes_defaults:
            return dict(law.guess(problem.inputs, problem.rate, defaults))
        return dict(law.guess(problem.inputs, problem.rate))
    except (ValueError, FloatingPointError, ZeroDivisionError, IndexError):
        return {}


def _range(p, unit) -> str:
    """``km must be >= 0 mM``: a parameter's declared range, in words."""
    unit = unit_suffix(unit)
    if not np.isfinite(p.max):
        return f"{p.name} must be >= {p.min:g}{unit}"
    if not np.isfinite(p.min):
        return f"{p.name} must be <= {p.max:g}{unit}"
    return f"{p.name} must lie within {p.min:g}–{p.max:g}{unit}"


def start_values(problem, *, fix=None, init=None) -> tuple[dict[str, float], list[str]]:
    """Starting value of every parameter (fixed ones at their value) and the names to vary.

    Raises
    ------
    FitError
        When a parameter has no starting value (the message names ``--init``), or a fixed value
        lies outside the parameter's range (``km=-2``: a fit held there has no meaning).
    LawError
        When ``fix`` or ``init`` names a parameter the law does not have.
    """
    law = problem.law
    fix, init = dict(fix or {}), dict(init or {})
    for name in list(fix) + list(init):
        law.param(name)  # raises LawError naming the law's parameters
    punits = parameter_units(law, problem.input_units, problem.rate_unit)
    defaults = {
        p.name: float(p.default(problem.conditions, punits[p.name]))
        for p in law.params
        if p.default is not None and problem.conditions
    }
    guess = _guess(problem, defaults)
    starts: dict[str, float] = {}
    varying: list[str] = []
    for p in law.params:
        if p.name in fix:
            starts[p.name] = value_in(punits[p.name], fix[p.name], p.name)
            if not p.min <= starts[p.name] <= p.max:
                raise FitError(
                    f"{p.name}={fix[p.name]}: {_range(p, punits[p.name])}; hold it at a value in that range"
                )
            continue
        if p.name in init:
            value = value_in(punits[p.name], init[p.name], p.name)
        elif p.default is not None and (not p.vary or p.name not in guess):
            value = float(p.default(problem.conditions, punits[p.name]))
        elif guess.get(p.name) is not None and np.isfinite(guess[p.name]):
            value = float(guess[p.name])
        else:
            raise FitError(
                f"{where(problem)}: parameter '{p.name}' has no starting value; give --init {p.name}=VALUE"
            )
        starts[p.name] = clip_start(value, p.min, p.max, typical_size(problem, p))
        if p.vary or p.name in init:
            varying.append(p.name)
    return starts, varying
