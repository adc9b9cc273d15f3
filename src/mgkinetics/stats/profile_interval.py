"""The profile-likelihood interval of one quantity, as a result: limits, why a side is open, method.

:class:`ProfileInterval` is what the profile functions of the statistics wing return for derived
quantities and global fits; :meth:`ProfileInterval.to_estimate` turns it into an
:class:`~mgkinetics.fitting.estimate.Estimate` for tables (with each side's status).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from mgkinetics.fitting.estimate import Estimate
from mgkinetics.units import Unit

__all__ = ["ProfileInterval", "interval_from_profile"]


@dataclass(frozen=True)
class ProfileInterval:
    """The profile-likelihood interval of one quantity.

    ``low``/``high`` are None when that side is not ``closed``; ``low_status``/``high_status``
    say why: ``bound`` (the quantity's range or a parameter bound was reached) or ``open`` (the
    profile never reaches the threshold: the data do not bound that side). ``reached_low`` and
    ``reached_high`` are how far the profile was followed.
    """

    name: str
    value: float
    low: float | None
    high: float | None
    low_status: str
    high_status: str
    unit: Unit | None
    ci_level: float
    ci_method: str
    reached_low: float
    reached_high: float
    threshold: float
    rss_min: float
    unsettled: int = 0

    @property
    def bounded(self) -> bool:
        """True when both sides are closed."""
        return self.low_status == "closed" and self.high_status == "closed"

    def note(self) -> str:
        """Plain words for open sides; empty when both are closed."""
        unit = f" {self.unit}" if self.unit is not None and self.unit.label not in ("1", "") else ""
        if self.low_status != "closed" and self.high_status != "closed":
            if not (math.isfinite(self.reached_low) or math.isfinite(self.reached_high)):
                return f"not identifiable: {self.name} is 0/0 at the best fit"
            if self.rss_min == 0:
                return f"not identifiable: all residuals are 0: no likelihood interval for {self.name}"
            return (
                f"not identifiable: the profile of {self.name} stays below the threshold from "
                f"{self.reached_low:.4g} to {self.reached_high:.4g}{unit}"
            )
        why = {"bound": "reaches its bound", "open": "never crosses the threshold"}
        if self.high_status != "closed":
            return (
                f"> {self.low:.4g}{unit}: the profile {why[self.high_status]} above the estimate; "
                "the upper limit is open"
            )
        if self.low_status != "closed":
            return (
                f"< {self.high:.4g}{unit}: the profile {why[self.low_status]} below the estimate; "
                "the lower limit is open"
            )
        return ""

    def warnings(self, name: str | None = None) -> list[str]:
        """Warnings for the fit's list: profile points not reproduced from a second start, and a
        profile flat on both sides; about ``name`` (default this interval's name)."""
        name = name or self.name
        out = []
        if self.unsettled:
            out.append(
                f"{self.unsettled} profile points of {name} near the threshold were not reproduced "
                "from a second start; its profile limits may be inexact"
            )
        if self.low_status != "closed" and self.high_status != "closed":
            out.append(f"{name} is not identifiable from these data (flat profile likelihood)")
        return out

    def apply_to(self, estimate: Estimate, ci_level: float, name: str | None = None) -> Estimate:
        """``estimate`` (its value and SE kept) with this interval, its method, note and each side's
        status; renamed to ``name`` when given."""
        return replace(
            estimate,
            name=name or estimate.name,
            ci_low=self.low,
            ci_high=self.high,
            ci_method=self.ci_method,
            ci_level=ci_level,
            note=self.note(),
            ci_low_status=self.low_status,
            ci_high_status=self.high_status,
        )

    def to_estimate(self, stderr: float | None = None) -> Estimate:
        """An :class:`~mgkinetics.fitting.estimate.Estimate` carrying the interval, its method and
        each side's status."""
        return Estimate(
            self.name,
            self.value,
            stderr,
            self.low,
            self.high,
            self.unit if self.unit is not None else Unit(),
            ci_method=self.ci_method,
            ci_level=self.ci_level,
            note=self.note(),
            ci_low_status=self.low_status,
            ci_high_status=self.high_status,
        )


def interval_from_profile(
    prof: Mapping, name: str, value: float, *, factor: float = 1.0, unit=None, ci_level: float, method: str
) -> ProfileInterval:
    """A :class:`ProfileInterval` from the dict of :func:`mgkinetics.stats.profile.profile_constrained`,
    every value multiplied by ``factor`` (positive)."""

    def scaled(x):
        return None if x is None else float(x) * factor

    return ProfileInterval(
        name=name,
        value=float(value) * factor,
        low=scaled(prof["low"]),
        high=scaled(prof["high"]),
        low_status=prof["low_kind"],
        high_status=prof["high_kind"],
        unit=unit,
        ci_level=ci_level,
        ci_method=method,
        reached_low=prof["low_reached"] * factor,
        reached_high=prof["high_reached"] * factor,
        threshold=prof["threshold"],
        rss_min=prof["rss_min"],
        unsettled=prof["unsettled"],
    )
