"""A fitted or derived quantity with its uncertainty, unit and interval: :class:`Estimate`.

Its own module so that the statistics wing (profile intervals) can build estimates without
importing the fit results, and the fit results can delegate to the statistics wing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from mgkinetics.fitting.plain import finite_or_none
from mgkinetics.report.shown import Shown
from mgkinetics.units import Unit, convert, parse_unit

__all__ = ["Estimate"]


@dataclass(frozen=True, repr=False)
class Estimate(Shown):
    """A fitted or derived quantity with its uncertainty.

    Attributes
    ----------
    name : str
        Parameter or derived-quantity name.
    value : float
        Best estimate.
    stderr : float or None
        Standard error (None when it could not be estimated, or the parameter was fixed).
    ci_low, ci_high : float or None
        Bounds of the confidence interval (None when open or unavailable).
    unit : Unit
        Unit of value, stderr and CI.
    fixed : bool
        True when the value was held fixed, not fitted.
    ci_method : str
        How the interval was computed (``asymptotic-t``, ``asymptotic-z``, ``profile``, ...).
    ci_level : float
        Coverage of the interval (0.95).
    note : str
        Anything the reader should know (open side, non-identifiable ...); empty when nothing.
    ci_low_status, ci_high_status : str
        For a profile interval, each side's status as
        :class:`~mgkinetics.stats.profile_interval.ProfileInterval` gives it: ``closed`` (the
        limit), ``bound`` (open: the profile reached a bound of the quantity) or ``open`` (not
        determined: the profile never crosses the threshold); empty for other intervals.
    """

    name: str
    value: float
    stderr: float | None
    ci_low: float | None
    ci_high: float | None
    unit: Unit
    fixed: bool = False
    ci_method: str = "asymptotic-t"
    ci_level: float = 0.95
    note: str = ""
    ci_low_status: str = ""
    ci_high_status: str = ""

    def to(self, unit: Unit | str) -> Estimate:
        """The same estimate in another unit of the same dimension."""
        target = parse_unit(unit) if isinstance(unit, str) else unit
        factor = convert(1.0, self.unit, target)

        def scale(x):
            return None if x is None else x * factor

        low, high = scale(self.ci_low), scale(self.ci_high)
        if factor < 0:  # pragma: no cover - unit factors are positive
            low, high = high, low
        return replace(
            self,
            value=self.value * factor,
            stderr=scale(self.stderr),
            ci_low=low,
            ci_high=high,
            unit=target,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: value, stderr, ci_low, ci_high, unit, fixed, method (plus each side's
        profile status and the note, when there are any)."""
        out = {
            "value": finite_or_none(self.value),
            "stderr": finite_or_none(self.stderr),
            "ci_low": finite_or_none(self.ci_low),
            "ci_high": finite_or_none(self.ci_high),
            "unit": self.unit.label,
            "fixed": bool(self.fixed),
            "ci_method": self.ci_method,
            "ci_level": self.ci_level,
        }
        if self.ci_low_status or self.ci_high_status:
            out["ci_low_status"], out["ci_high_status"] = self.ci_low_status, self.ci_high_status
        if self.note:
            out["note"] = self.note
        return out
